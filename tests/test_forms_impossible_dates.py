"""A day that does not exist (31/02, typed where the browser has no date picker, or by hand) is refused as
"not a valid date" on its field, the input kept, also where the date is required: wtforms' DataRequired
discards the field's parsing error and said "Questo campo è obbligatorio" of a date that was typed."""
import inspect

from wtforms import DateField
from wtforms.validators import DataRequired

from portal.core.forms import PortalForm

from .case_support import case_of, post
from .helpers import field_error


def test_an_impossible_planned_start_is_not_a_valid_date_with_the_input_kept(login, network):
    case = case_of(network)
    response = post(login("n1_case_worker"), f"/casi/{case.id}/azioni/nuova", {
        "service_type": "training", "phase": "preparatory", "planned_start": "2026-02-31", "planned_hours": "3",
        "notes": "Corso serale di italiano per il lavoro"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_error(body, "planned_start") == "Non è una data valida"
    assert 'value="2026-02-31"' in body and "Corso serale di italiano per il lavoro" in body


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _validators(unbound) -> list:
    found = unbound.kwargs.get("validators") or (unbound.args[1] if len(unbound.args) > 1 else None) or []
    return list(found)


def test_no_date_field_is_required_with_data_required(app):
    """Every form of the portal (imported with the app): a required date takes InputRequired."""
    offending = []
    for form in set(_subclasses(PortalForm)):
        for name, unbound in inspect.getmembers(form):
            field_class = getattr(unbound, "field_class", None)
            if isinstance(field_class, type) and issubclass(field_class, DateField) and any(
                    type(v) is DataRequired for v in _validators(unbound)):
                offending.append(f"{form.__module__}.{form.__name__}.{name}")
    assert len(list(_subclasses(PortalForm))) > 50  # the forms were found
    assert not offending, offending


def test_a_job_start_or_an_invoice_in_1900_is_refused_by_form_and_service(app):
    """Both plain dates the service took as typed (a slip of the keyboard), refused on the field and by the
    service the API calls too."""
    from datetime import date

    import pytest
    from werkzeug.datastructures import MultiDict

    from portal.budget.services import check_not_future
    from portal.cases.forms import JobOutcomeForm
    from portal.cases.models import JobOutcome
    from portal.cases.verifications import check_job_details
    from portal.core.errors import ServiceError

    job = {"contract_type": "permanent", "hours_per_week": 20, "sector": "Logistica", "start_date": date(1900, 1, 1)}
    with app.test_request_context(method="POST"):
        with pytest.raises(ServiceError) as refused:
            check_job_details(JobOutcome.EMPLOYED, job)
        assert refused.value.field == "start_date"
        with pytest.raises(ServiceError):
            check_not_future(date(1900, 1, 1), "issued_on")
        check_not_future(date(2026, 1, 5), "issued_on")
        form = JobOutcomeForm(meta={"csrf": False}, formdata=MultiDict({
            "version": "0", "job_outcome": "employed", "contract_type": "permanent", "hours_per_week": "20",
            "sector": "Logistica", "start_date": "1900-01-01", "done_on": "2026-01-05"}))
        assert not form.validate()
        assert form.start_date.errors and form.start_date.errors[0].startswith("La data deve essere compresa")
