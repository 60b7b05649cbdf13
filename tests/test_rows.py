"""The list pages' per-table helpers give what the per-cell template calls gave."""
from datetime import UTC, date, datetime

from babel.dates import format_date, format_datetime
from flask_babel import force_locale, get_timezone

from portal.cases.labels import CASE_STATE_LABELS
from portal.cases.models import CaseState
from portal.core.rows import url_maker
from portal.i18n import format_day, translated


def test_url_maker_builds_what_url_for_builds(app):
    from flask import url_for

    with app.test_request_context("/"):
        detail = url_maker("cases.detail", "case_id")
        inbox_detail = url_maker("referrals.detail", "referral_id")
        for ident in (1, 7, 918273, 12345678901):
            assert detail(ident) == url_for("cases.detail", case_id=ident)
            assert inbox_detail(ident) == url_for("referrals.detail", referral_id=ident)
        assert url_maker("cases.follow_up", "case_id", months=6)(42) == url_for("cases.follow_up", case_id=42, months=6)


def test_format_day_matches_babel_in_rome_time(app):
    moments = [
        datetime(2026, 3, 28, 23, 30, tzinfo=UTC),  # already the 29th in Rome (winter time)
        datetime(2026, 7, 31, 22, 15, tzinfo=UTC),  # already 1 August in Rome (summer time)
        datetime(2026, 12, 31, 22, 59),  # naive: UTC, still the 31st in Rome
        datetime(2026, 12, 31, 23, 0),  # naive: UTC, new year in Rome
        datetime(999, 5, 4, 10, 0, tzinfo=UTC),
    ]
    with app.test_request_context("/"):
        for value in moments:
            assert format_day(value) == format_datetime(value, "dd/MM/yyyy", tzinfo=get_timezone(), locale="it"), value
        for value in (date(2026, 2, 3), date(2026, 11, 30)):
            assert format_day(value) == format_date(value, "dd/MM/yyyy", locale="it")
        assert format_day(None) == ""
        assert format_day(datetime(2026, 7, 31, 22, 15, tzinfo=UTC)) == "01/08/2026"


def test_translated_labels_follow_the_locale(app):
    with app.test_request_context("/"):
        with force_locale("it"):
            italian = translated(CASE_STATE_LABELS)
            assert italian[CaseState.CLOSED] == "Chiuso" == str(CASE_STATE_LABELS[CaseState.CLOSED])
            assert translated(CASE_STATE_LABELS) is italian  # computed once per locale
        with force_locale("en"):
            english = translated(CASE_STATE_LABELS)
            assert english[CaseState.CLOSED] == str(CASE_STATE_LABELS[CaseState.CLOSED]) != "Chiuso"
        # markup-safe, as the lazy strings rendered in templates
        assert all(hasattr(label, "__html__") for label in english.values())


def test_visible_or_404_gives_the_row_the_tenant_sees_else_404(network):
    import pytest
    from werkzeug.exceptions import NotFound

    from portal.cases.models import Action, Case
    from portal.core.rows import or_404, visible_or_404
    from portal.tenancy import context

    case, action = network.case, network.action  # the node's case; its action is shared with provider p
    with context.acting_as(network.tenants["n1"].id):
        assert visible_or_404(Case, case.id) is case and visible_or_404(Action, str(action.id), own=True) is action
    with context.acting_as(network.tenants["p"].id):
        assert visible_or_404(Action, action.id) is action  # shared with the provider: visible ...
        with pytest.raises(NotFound):
            visible_or_404(Action, action.id, own=True)  # ... but not the provider's own
    for tenant, ident in (("n2", case.id), ("a", case.id), ("n1", "x"), ("n1", None), ("n1", 10**9)):
        with context.acting_as(network.tenants[tenant].id), pytest.raises(NotFound):
            visible_or_404(Case, ident)  # cached in the session, yet another tenant's: 404 all the same
    assert or_404(case) is case
    with pytest.raises(NotFound):
        or_404(None)


def test_visible_or_404_asks_the_page_rule_only_of_a_row_it_sees(network):
    """``may``: 403 for a row the tenant sees but the user may not use here; a row it does not see stays a 404
    (the rule is not even asked: a 403 would say the row exists)."""
    import pytest
    from werkzeug.exceptions import Forbidden, NotFound

    from portal.cases.models import Case
    from portal.core.rows import or_403, visible_or_404
    from portal.tenancy import context

    asked = []

    def rule(answer):
        return lambda row: asked.append(row) or answer

    case = network.case
    with context.acting_as(network.tenants["n1"].id):
        assert visible_or_404(Case, case.id, may=rule(True)) is case
        with pytest.raises(Forbidden):
            visible_or_404(Case, case.id, may=rule(False))
    assert asked == [case, case]
    with context.acting_as(network.tenants["n2"].id), pytest.raises(NotFound):
        visible_or_404(Case, case.id, may=rule(False))
    assert asked == [case, case]
    or_403(True)
    with pytest.raises(Forbidden):
        or_403(False)

def test_filter_select_renders_and_validates_as_wtforms_select(app):
    """The filter forms' select (portal/core/widgets.py) writes what WTForms' Select writes and refuses
    what SelectField refuses: lazy labels (markup, as WTForms takes them), escaping, the selected option,
    an empty label, attributes from the template and the flags."""
    from flask_babel import lazy_gettext as _l
    from flask_wtf import FlaskForm
    from werkzeug.datastructures import MultiDict
    from wtforms import SelectField
    from wtforms.validators import InputRequired, Optional

    from portal.core.widgets import FilterSelectField

    choices = [("", _l("Tutti")), ("a&b", 'Quote " & <tag>'), ("x", ""), ("7", _l("Chiuso"))]

    class Plain(FlaskForm):
        class Meta:
            csrf = False

        pick = SelectField("Pick", choices=choices, validators=[Optional()])
        need = SelectField("Need", choices=choices[1:], validators=[InputRequired()])

    class Fast(FlaskForm):
        class Meta:
            csrf = False

        pick = FilterSelectField("Pick", choices=choices, validators=[Optional()])
        need = FilterSelectField("Need", choices=choices[1:], validators=[InputRequired()])

    with app.test_request_context("/"), force_locale("en"):
        for data in ({}, {"pick": "a&b", "need": "7"}, {"pick": "x"}, {"pick": "nope", "need": "bogus"}):
            plain, fast = Plain(MultiDict(data)), Fast(MultiDict(data))
            assert plain.validate() == fast.validate(), data
            assert plain.errors == fast.errors, data
            for name in ("pick", "need"):
                assert fast[name].type == "SelectField"  # the form macros choose the control by it
                for attrs in ({}, {"class": "form-select", "aria-describedby": "pick-help"}):
                    assert str(fast[name](**attrs)) == str(plain[name](**attrs)), (data, name, attrs)
        assert "Closed" in str(Fast()["pick"]())


def test_template_translations_follow_a_forced_or_refreshed_locale(app):
    """Templates read the translations remembered for the request's locale (portal.i18n.request_translations):
    a locale forced for a while (e-mails in the recipient's language) or refreshed is looked up again."""
    from flask import render_template_string, session
    from flask_babel import refresh

    page = "{{ _('Chiuso') }}|{{ ngettext('%(num)s giorno', '%(num)s giorni', 2) }}"
    with app.test_request_context("/"):
        italian = render_template_string(page)
        assert italian.startswith("Chiuso|")
        with force_locale("en"):
            english = render_template_string(page)
            assert english.startswith(str(CASE_STATE_LABELS[CaseState.CLOSED]) + "|") and english != italian
        assert render_template_string(page) == italian
        session["lang"] = "en"
        refresh()
        assert render_template_string(page) == english
