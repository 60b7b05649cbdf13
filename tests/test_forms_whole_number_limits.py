"""A whole number longer than an integer column keeps (hundreds of digits from a hand-made request) is refused
on its field, in Italian, the input kept: the range check used to overflow (math.isnan) into a 500."""
import re

from sqlalchemy import select

from portal.alerts.models import Rule, RuleSetting
from portal.core.edge import DB_INT_MAX
from portal.extensions import db
from portal.tenancy import context

from .case_support import post
from .helpers import csrf_from, field_error

HUGE = "9" * 400


def test_a_rule_threshold_of_hundreds_of_digits_is_refused_on_its_field(login, network):
    client = login("n1_coordinator")
    page = client.get("/allerte/regole").get_data(as_text=True)
    version = re.search(r'name="referral_undecided-version"[^>]*value="(\d*)"', page).group(1)
    data = {"referral_undecided-version": version, "referral_undecided-enabled": "y",
            "referral_undecided-threshold": HUGE}
    response = post(client, "/allerte/regole/referral_undecided", data, page="/allerte/regole")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_error(body, "referral_undecided-threshold") == "Il numero è troppo grande."
    assert HUGE in body  # what was typed, kept
    with context.acting_as(network.tenants["n1"].id):
        assert not db.session.scalar(select(RuleSetting).where(RuleSetting.rule == Rule.REFERRAL_UNDECIDED,
                                                               RuleSetting.threshold > 3650))


def test_a_birth_year_of_hundreds_of_digits_is_refused_in_the_people_search(login, network):
    client = login("n1_coordinator")
    token = csrf_from(client.get("/persone/cerca").get_data(as_text=True))
    response = client.post("/persone/cerca", data={"csrf_token": token, "last_name": "Rossi", "birth_year": HUGE})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_error(body, "birth_year") == "Il numero è troppo grande."


def test_the_limit_is_what_an_integer_column_keeps(app):
    from portal.core.fields import WholeNumberField
    from portal.core.forms import PortalForm

    class Form(PortalForm):
        class Meta:
            csrf = False

        number = WholeNumberField()

    with app.test_request_context(method="POST"):
        for typed, data in ((str(DB_INT_MAX), DB_INT_MAX), ("-" + str(DB_INT_MAX), -DB_INT_MAX),
                            ("000000000000042", 42)):
            form = Form(data={}, formdata=_formdata(typed))
            assert form.validate(), (typed, form.errors)
            assert form.number.data == data
        for typed in (str(DB_INT_MAX + 1), "99999999999", HUGE, "9" * 5000):
            form = Form(formdata=_formdata(typed))
            assert not form.validate()
            assert form.number.errors == ["Il numero è troppo grande."], typed
            assert form.number.data is None and form.number._value() == typed


def _formdata(typed):
    from werkzeug.datastructures import MultiDict

    return MultiDict({"number": typed})
