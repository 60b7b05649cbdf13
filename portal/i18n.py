"""Italian first: locale selection, Europe/Rome dates (dd/mm/yyyy) and euro amounts (€ 1.234,56)."""
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import support
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.numbers import (
    format_currency,
    format_decimal,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    get_minus_sign_symbol,
)
from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from flask_babel import get_locale, get_timezone, get_translations
from flask_babel.speaklater import LazyString
from markupsafe import Markup
from wtforms.i18n import messages_path

from .extensions import babel

LOCALE_KEY = "lang"


def select_locale() -> str:
    if not has_request_context():  # CLI jobs and e-mails sent from them speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    page = g.get("page_locale")  # a part of the site speaking languages of its own (the public door)
    if page:
        return page
    supported = current_app.config["LANGUAGES"]
    chosen = session.get(LOCALE_KEY)
    if chosen in supported:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def local_today(now: datetime | None = None) -> date:
    """Today where the portal's users are (BABEL_DEFAULT_TIMEZONE, Europe/Rome). Not ``date.today()``: a host
    keeps UTC, so from 23:00 UTC (22:00 in summer) the date checks still said yesterday and refused a day
    typed as today as "in the future", and the queues counted days from yesterday (tests/test_clock.py)."""
    return local_day(now or datetime.now(UTC))


def local_day(moment: datetime) -> date:
    """The day in Rome of a moment (naive moments are UTC, as the database keeps them)."""
    zone = get_timezone() if has_app_context() else ZoneInfo("Europe/Rome")
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone).date()


def day_start(day: date) -> datetime:
    """Midnight in Rome at the start of ``day``, as an aware UTC moment: where a period of days begins and
    (the day after its last) ends, for comparing with the timestamps the database keeps in UTC. Without it
    a referral sent at 00:30 on 1 April in Rome (22:30 UTC on 31 March) counted in March."""
    # ZoneInfo, not babel's zone object: combining a date with a pytz zone takes its 1866 offset (+0:50).
    zone = ZoneInfo(str(get_timezone()) if has_app_context() else "Europe/Rome")
    return datetime.combine(day, time.min, zone).astimezone(UTC)


def format_day(value: date | datetime | None) -> str:
    """dd/mm/yyyy (Europe/Rome for a moment; naive moments are UTC, as babel takes them). Digits only, the
    same in every locale: formatted directly, as the lists do it once per row."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(get_timezone())
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


_translated: dict[tuple[int, str], dict] = {}


def translated(labels: dict) -> dict:
    """A module-level label dict (lazy msgids) translated once per locale: a lazy string translates again at
    every use. Values stay markup-safe, as the lazy strings render in templates."""
    key = (id(labels), str(get_locale()))
    found = _translated.get(key)
    if found is None:
        found = _translated[key] = {code: Markup(str(label)) for code, label in labels.items()}
    return found


def format_moment(value: datetime | None) -> str:
    if value is None:
        return ""
    return _babel_datetime(value, "dd/MM/yyyy HH:mm", tzinfo=get_timezone(), locale=get_locale())


MONEY_PATTERN = "¤\u00a0#,##0.00"
_locale_symbols: dict[str, tuple[str, str, str, str]] = {}


def format_money(value: Decimal | int | None) -> str:
    """``€ 1.234,56`` in Italian (the AgID convention puts the symbol first), separators per locale.

    Formatted directly with the locale's symbols (read from babel once per locale): babel's
    ``format_currency`` parses its pattern and looks the symbols up again for every amount, a tenth of a
    budget page's time. A test checks the output equals babel's for every language of the portal."""
    if value is None:
        return ""
    value = Decimal(value)
    currency, group, point, minus = _symbols(get_locale())
    whole, cents = f"{abs(value):,.2f}".split(".")
    return f"{minus if value.is_signed() else ''}{currency}\u00a0{whole.replace(',', group)}{point}{cents}"


def format_money_babel(value: Decimal | int) -> str:
    """babel's own rendering of ``format_money`` (the reference its test compares with)."""
    return format_currency(Decimal(value), "EUR", format=MONEY_PATTERN, locale=get_locale(), currency_digits=False)


def _symbols(locale) -> tuple[str, str, str, str]:
    """(euro sign, group separator, decimal point, minus sign) of a locale, read from babel once."""
    found = _locale_symbols.get(str(locale))
    if found is None:
        found = _locale_symbols[str(locale)] = (
            get_currency_symbol("EUR", locale), get_group_symbol(locale, numbering_system="latn"),
            get_decimal_symbol(locale, numbering_system="latn"), get_minus_sign_symbol(locale, numbering_system="latn"),
        )
    return found


def decimal_point() -> str:
    """The decimal symbol of the current locale: a comma in Italian, German, French, Albanian…; a dot in English."""
    return _symbols(get_locale() or "it")[2]


def format_number(value, digits: int = 2) -> str:
    """``1.234,56`` (``digits`` decimals, grouped by thousands) with the locale's symbols, formatted directly
    as ``format_money`` is (the dashboards show a hundred figures a page); the same text as babel's
    ``format_decimal``, checked by a test."""
    if value is None:
        return ""
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        return format_number_babel(number, digits)
    _, group, point, minus = _symbols(get_locale())
    whole, _, fraction = f"{abs(number):,.{digits}f}".partition(".")
    text = whole.replace(",", group) + (point + fraction if digits else "")
    return f"{minus if number.is_signed() else ''}{text}"


def format_quantity(value) -> str:
    """Hours or units as people write them, with no more decimals than they carry (at most two): ``1.234,5``,
    ``10``, ``0,25`` in Italian; ``1,234.5`` in English."""
    if value is None:
        return ""
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    places = -number.normalize().as_tuple().exponent if number.is_finite() else 0
    return format_number(number, min(2, max(0, places)))


def format_number_babel(value, digits: int = 2) -> str:
    """babel's own rendering of ``format_number`` (the reference its test compares with)."""
    return format_decimal(value, format="#,##0." + "0" * digits if digits else "#,##0", locale=get_locale())


def format_size(size: int | None) -> str:
    """A file's size as people read it: "60 byte", "0,6 kB" was "0,0 kB" for a small file; "1,2 MB". One
    spelling for every page, export and message (five formatters each rounded its own way)."""
    size = size or 0
    if size < 1024:
        return f"{size} byte"
    if size < 1048576:
        return f"{format_number(size / 1024, 1)} kB"
    return f"{format_number(size / 1048576, 1)} MB"


def format_month(value) -> str:
    """A month as people write it ("ottobre 2026"), from a date or the 'YYYY-MM' key of the tables."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:7] + "-01")
    return _babel_date(value, "LLLL yyyy", locale=get_locale())


def request_translations():
    """flask_babel's ``get_translations()``, remembered on the request's babel context next to the locale and
    domain it was found for. Templates translate ~50 strings per page and flask_babel resolves the context,
    the domain and the locale again for each (about 25 calls a string). A locale forced for a while
    (``force_locale``, e-mails in the recipient's language) or refreshed is another object: looked up again."""
    # flask_babel's private context is read on purpose: its public way to the locale and domain, get_locale()
    # and get_domain(), costs about 2 µs each (through ``g`` three times), twice this whole function on a hit,
    # which runs ~50 times a page. Should flask_babel rename it, the AttributeError below makes this plain
    # get_translations(): right, only slower.
    try:
        ctx = g._flask_babel
    except (AttributeError, RuntimeError):  # before the first translation of the request, or no app context
        return get_translations()
    found = getattr(ctx, "rete_translations", None)
    locale = getattr(ctx, "babel_locale", None)
    if found is not None and locale is not None and found[0] is locale and found[1] is getattr(ctx, "babel_domain", None):
        return found[2]
    translations = get_translations()
    ctx.rete_translations = (getattr(ctx, "babel_locale", None), getattr(ctx, "babel_domain", None), translations)
    return translations


_wtforms_catalogues: dict[str, support.Translations] = {}


def wtforms_translations() -> support.Translations:
    """wtforms' own messages ("Not a valid integer value.") in the current locale, from a catalogue parsed once
    per process and locale: flask_wtf parses it from disk again for every request that makes a form."""
    locale = get_locale()
    key = str(locale)
    found = _wtforms_catalogues.get(key)
    if found is None:
        found = _wtforms_catalogues[key] = support.Translations.load(messages_path(), [locale], domain="wtforms")
    return found


def _lazy_text(string: str, **variables) -> str:
    text = request_translations().ugettext(string)
    return text % variables if variables else text


def lazy_gettext(string: str, **variables) -> LazyString:
    """flask_babel's ``lazy_gettext``, translated through ``request_translations`` when it is shown: a form's
    labels and choices are about a hundred lazy strings a page, and flask_babel resolves the context, the
    domain and the locale again for each of them (~25 calls a string)."""
    return LazyString(_lazy_text, string, **variables)


def init_i18n(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories="translations",
        default_domain="messages",
    )
    # The same callables flask_babel installs, with the translations looked up once per request and locale.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.filters.update(day=format_day, moment=format_moment, money=format_money, number=format_number,
                                  month=format_month, filesize=format_size)

    @app.context_processor
    def _locale():
        return {"current_locale": str(get_locale()), "request_path": request.path if request else "/"}
