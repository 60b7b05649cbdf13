"""A choice sent as spaces is not a choice: wtforms' Optional() stopped the chain on whitespace and cleared the
choice check's error, so "   " reached the views and services as a value (a ValueError, a 500). The portal's
``OptionalChoice`` stops only on truly empty input."""
import pytest
from werkzeug.datastructures import MultiDict

from portal.core.fields import OptionalChoice

from .budget_support import budget_of, contract_form
from .helpers import csrf_token, field_error


@pytest.mark.parametrize("query, field", [
    ("/casi/?stato=%20%20%20", "stato"), ("/casi/?fase=%20", "fase"), ("/casi/?motivo=%20", "motivo"),
    ("/allerte/?regola=%20", "regola"), ("/allerte/?responsabile=%20", "responsabile"),
])
def test_a_list_filter_sent_as_spaces_is_a_form_error(login, network, query, field):
    client = login("n1_coordinator")
    response = client.get(query)
    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), field)


def test_a_contract_line_unit_sent_as_spaces_is_a_form_error(login, network):
    budget = budget_of(network)
    client = login("n1_budget_officer")
    token = csrf_token(client, "/budget/contratti/nuovo")
    response = client.post("/budget/contratti/nuovo",
                           data={**contract_form(network, budget, **{"lines-0-unit": "   "}), "csrf_token": token})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_error(body, "lines-0-unit")


def test_optional_choice_stops_only_on_empty_input(app):
    from wtforms import SelectField

    from portal.core.forms import PortalForm

    class Form(PortalForm):
        class Meta:
            csrf = False

        pick = SelectField(choices=[("", "—"), ("a", "A")], validators=[OptionalChoice()])

    with app.test_request_context(method="POST"):
        assert Form(formdata=MultiDict()).validate()
        assert Form(formdata=MultiDict({"pick": ""})).validate()
        assert Form(formdata=MultiDict({"pick": "a"})).validate()
        spaces = Form(formdata=MultiDict({"pick": "   "}))
        assert not spaces.validate() and spaces.pick.errors
