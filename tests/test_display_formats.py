"""How figures read on the page: months in words, decimal commas in sizes, XLSX sheet names cut at a word."""
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from portal.core.display import codes_whole
from portal.i18n import format_month
from portal.monitoring.exports import sheet_name

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_months_read_in_words_in_italian_and_english(app):
    with app.test_request_context("/"):
        assert format_month("2026-10") == "ottobre 2026"
        assert format_month("2026-01-15") == "gennaio 2026"
    with app.test_request_context("/"):
        from flask import session

        session["lang"] = "en"
        assert format_month("2026-10") == "October 2026"


def test_sheet_names_fit_excel_and_end_on_a_whole_word():
    name = sheet_name(3, "Segnalazioni per contesto della discriminazione: [totali]")
    assert len(name) <= 31 and name == "3 Segnalazioni per contesto"
    assert sheet_name(1, "Esiti") == "1 Esiti"
    # One word longer than a sheet name: cut anyway, never empty.
    assert sheet_name(12, "A" * 40) == "12 " + "A" * 28


def test_report_workbook_sheet_names_are_whole_words(app, monkeypatch):
    from portal.monitoring import exports

    titles = ["Azioni di tutela legale avviate nel periodo", "Richieste ai fondi presentate"]
    monkeypatch.setattr(exports, "report_sections", lambda report: [(t, ["Voce", "Numero"], [["a", 1]]) for t in titles])
    workbook = load_workbook(exports.report_xlsx(object()))
    assert workbook.sheetnames == ["1 Azioni di tutela legale", "2 Richieste ai fondi presentate"]


def test_no_template_shows_a_number_through_jinjas_round():
    """round() prints an English decimal point ("0.6 kB"); the ``number`` filter writes "0,6"."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.search(r"\|\s*round\(", line) and "<rect" not in line:  # SVG coordinates are not text
                offenders.append(f"{path.relative_to(TEMPLATES)}:{n}")
    assert not offenders, offenders


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.decimals(min_value=Decimal("-99999999999.999"), max_value=Decimal("99999999999.999"), places=3,
                   allow_nan=False, allow_infinity=False))
def test_amounts_are_formatted_as_babel_formats_them_in_every_language(app, value):
    """format_money writes the locale's symbols itself (speed): the same text as babel's format_currency."""
    from flask_babel import force_locale

    from portal.i18n import format_money, format_money_babel

    with app.test_request_context():
        for language in app.config["LANGUAGES"]:
            with force_locale(language):
                assert format_money(value) == format_money_babel(value), language


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.decimals(min_value=Decimal("-9999999999.999"), max_value=Decimal("9999999999.999"), places=3),
                 st.integers(min_value=-10**12, max_value=10**12),
                 st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)),
       st.sampled_from([0, 1, 2]))
def test_figures_are_formatted_as_babel_formats_them_in_every_language(app, value, digits):
    from flask_babel import force_locale

    from portal.i18n import format_number, format_number_babel

    with app.test_request_context():
        for language in app.config["LANGUAGES"]:
            with force_locale(language):
                assert format_number(value, digits) == format_number_babel(value, digits), (language, value)


@pytest.mark.parametrize("language, shown", [("it", "1234,50"), ("de", "1234,50"), ("sq", "1234,50"), ("en", "1234.50"),
                                             ("zh", "1234.50")])
def test_a_decimal_box_shows_the_locales_own_decimal_symbol(app, language, shown):
    from flask_babel import force_locale
    from wtforms import Form

    from portal.core.fields import MoneyField

    class _Form(Form):
        amount = MoneyField()

    with app.test_request_context(), force_locale(language):
        field = _Form(amount=Decimal("1234.5")).amount
        assert field._value() == shown
        field.process_formdata([shown])  # typed back as shown
        assert field.data == Decimal("1234.50")


@pytest.mark.parametrize("language, typed, read", [
    ("it", "1.234,56", Decimal("1234.56")), ("it", "12.5", Decimal("12.50")), ("it", "€ 1.234", None),
    ("it", "60.000", None), ("it", "1.000.000", None), ("it", "60000", Decimal("60000.00")),
    ("en", "1,234.56", Decimal("1234.56")), ("en", "1234.5", Decimal("1234.50")), ("en", "12,5", None),
    ("de", "1.234,56", Decimal("1234.56")), ("it", "1e5", None), ("en", "1E5", None), ("it", "NaN", None),
    ("en", "Infinity", None), ("it", "-12,5", Decimal("-12.50")),
])
def test_a_decimal_box_reads_an_amount_as_the_locale_writes_it_and_guesses_nothing_else(app, language, typed, read):
    """An English "1,234.56" is 1234.56 (it was read as 1.23456 and refused); an English "12,5" is refused rather
    than taken as 125; an Italian "60.000" is refused rather than taken as 60 (its zeros passed for decimals);
    the refusal is in the page's language."""
    from flask_babel import force_locale
    from wtforms import Form

    from portal.core.fields import MoneyField

    class _Form(Form):
        amount = MoneyField()

    with app.test_request_context(), force_locale(language):
        field = _Form().amount
        if read is None:
            with pytest.raises(ValueError) as refused:
                field.process_formdata([typed])
            assert str(refused.value) == {"it": "Scrivi un importo in euro, ad esempio 1.234,56.",
                                          "en": "Enter an amount in euros, for example 1,234.56."}.get(language, str(refused.value))
        else:
            field.process_formdata([typed])
            assert field.data == read


def test_an_unreadable_number_is_refused_once_not_also_by_its_range(app):
    from werkzeug.datastructures import MultiDict
    from wtforms import Form
    from wtforms.validators import NumberRange, Optional

    from portal.core.fields import HoursField

    class _Form(Form):
        hours = HoursField(validators=[Optional(), NumberRange(min=0, max=9999)])

    with app.test_request_context():
        form = _Form(MultiDict({"hours": "abc"}))
        assert not form.validate()
        assert form.hours.errors == ["Scrivi un numero di ore, ad esempio 12,5."]
        form = _Form(MultiDict({"hours": "-1"}))
        assert not form.validate() and len(form.hours.errors) == 1  # a readable number still meets its range


@pytest.mark.parametrize("language, typed, message", [
    ("it", "99999999", "Il numero deve essere compreso tra 0 e 9.999.999."),
    ("en", "99999999", "Number must be between 0 and 9,999,999."),
    ("it", "-1", "Il numero deve essere compreso tra 0 e 9.999.999."),
])
def test_a_number_boxs_range_error_writes_its_bounds_as_the_locale_does(app, language, typed, message):
    from flask_babel import force_locale
    from werkzeug.datastructures import MultiDict

    from portal.core.fields import HoursField, Range
    from portal.core.forms import PortalSubForm

    class _Form(PortalSubForm):
        quantity = HoursField(validators=[Range(min=0, max=9999999)])

    with app.test_request_context(), force_locale(language):
        form = _Form(MultiDict({"quantity": typed}))
        assert not form.validate()
        assert form.quantity.errors == [message]


@pytest.mark.parametrize("typed", ["1.985", "1985,5", "1e3", "abc"])
def test_a_whole_number_box_refuses_what_is_not_one_once_in_italian(app, typed):
    """A birth year typed "1.985" was refused twice: wtforms' "Non è una valore intero valido" and, under it,
    the range's "Il numero deve essere compreso tra 1900 e ..."."""
    from werkzeug.datastructures import MultiDict
    from wtforms import Form

    from portal.people.forms import BirthYearField

    class _Form(Form):
        birth_year = BirthYearField()

    with app.test_request_context():
        form = _Form(MultiDict({"birth_year": typed}))
        assert not form.validate()
        assert form.birth_year.errors == ["Scrivi un numero intero, senza virgola né punto."]
        assert _Form(MultiDict({"birth_year": " 1985 "})).validate()
        assert _Form(MultiDict({"birth_year": ""})).validate()
        form = _Form(MultiDict({"birth_year": "1850"}))
        assert not form.validate() and len(form.birth_year.errors) == 1  # a whole number still meets its range


def test_pseudonyms_in_a_heading_stay_on_one_line_and_the_rest_is_escaped():
    shown = codes_whole("Confronto tra NO-2026-000019 e <b>VC-2025-000003</b>")
    assert shown == ('Confronto tra <span class="rete-nowrap">NO-2026-000019</span> e &lt;b&gt;'
                     '<span class="rete-nowrap">VC-2025-000003</span>&lt;/b&gt;')
    assert codes_whole("Ordine n. 12 – 2026-11") == "Ordine n. 12 – 2026-11"  # a month is no pseudonym


def test_the_case_pages_heading_keeps_its_pseudonym_whole(login, network):
    html = login("n1_case_worker").get(f"/casi/{network.case.id}").get_data(as_text=True)
    heading = re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)
    assert f'<span class="rete-nowrap">{network.case.pseudonym}</span>' in heading
