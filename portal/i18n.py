"""Italian first: locale selection, Europe/Rome dates (dd/mm/yyyy) and euro amounts (€ 1.234,56)."""
from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.numbers import format_currency, format_decimal
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale, get_timezone

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
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _babel_datetime(value, "dd/MM/yyyy", tzinfo=get_timezone(), locale=get_locale())
    return _babel_date(value, "dd/MM/yyyy", locale=get_locale())


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
