"""Italian first: locale selection, Europe/Rome dates (dd/mm/yyyy) and euro amounts (€ 1.234,56)."""
from datetime import UTC, date, datetime
from decimal import Decimal

from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.numbers import format_currency, format_decimal
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale, get_timezone
from markupsafe import Markup

from .extensions import babel

LOCALE_KEY = "lang"


def select_locale() -> str:
    if not has_request_context():  # CLI jobs and e-mails sent from them speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    supported = current_app.config["LANGUAGES"]
    chosen = session.get(LOCALE_KEY)
    if chosen in supported:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


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


def format_money(value: Decimal | int | None) -> str:
    """``€ 1.234,56`` in Italian (the AgID convention puts the symbol first), separators per locale."""
    if value is None:
        return ""
    return format_currency(Decimal(value), "EUR", format="¤\u00a0#,##0.00", locale=get_locale(), currency_digits=False)


def format_number(value, digits: int = 2) -> str:
    if value is None:
        return ""
    return format_decimal(value, format="#,##0." + "0" * digits if digits else "#,##0", locale=get_locale())


def format_month(value) -> str:
    """A month as people write it ("ottobre 2026"), from a date or the 'YYYY-MM' key of the tables."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:7] + "-01")
    return _babel_date(value, "LLLL yyyy", locale=get_locale())


def init_i18n(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories="translations",
        default_domain="messages",
    )
    app.jinja_env.filters.update(day=format_day, moment=format_moment, money=format_money, number=format_number,
                                  month=format_month)

    @app.context_processor
    def _locale():
        return {"current_locale": str(get_locale()), "request_path": request.path if request else "/"}
