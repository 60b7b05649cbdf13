"""An import's check matches each row's identity (codice fiscale, name and year of birth) against the people the
importer may see and names the match by its pseudonym: an identity search, like /persone/cerca, so each person
found is an identity read in their access log, counted by the unusual-access check. It was none: a file of
names was a search that left no trace."""
import io

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.tenancy import context

from .helpers import csrf_from
from .imports_support import CASE_HEADER, case_row, csv_bytes
from .network import VICTIM_FIRST_NAME, VICTIM_LAST_NAME, VICTIM_TAX_CODE

COLUMNS = ["external_id", "last_name", "first_name", "tax_code", "birth_year", "grounds", "context", "gender",
           "consent_date", "consent_notice_version", "opened_on", "case_state", "case_worker"]


def _reads(session, person_id):
    return session.scalars(select(AuditEvent.fields).where(
        AuditEvent.action == "person.identity_read", AuditEvent.object_id == str(person_id))).all()


def test_a_row_matched_to_a_person_is_an_audited_identity_read(login, network, session):
    client = login("n1_coordinator")
    row = case_row(1, **{"Cognome": VICTIM_LAST_NAME, "Nome": VICTIM_FIRST_NAME, "Codice fiscale": VICTIM_TAX_CODE,
                         "Anno di nascita": "1980"})
    page = client.get("/importazioni/").get_data(as_text=True)
    uploaded = client.post("/importazioni/", data={
        "csrf_token": csrf_from(page), "file": (io.BytesIO(csv_bytes([row], header=CASE_HEADER)), "casi.csv")},
        content_type="multipart/form-data")
    path = uploaded.headers["Location"]
    form = {"csrf_token": csrf_from(client.get(path).get_data(as_text=True))}
    form |= {f"f_{name}": str(i) for i, name in enumerate(COLUMNS)}
    assert client.post(path, data=form).status_code == 302
    detail = f"/importazioni/{path.split('/')[2]}"
    assert network.person.pseudonym in client.get(detail).get_data(as_text=True)  # "possibile stessa persona di …"
    with context.acting_as(network.tenants["n1"].id):
        assert _reads(session, network.person.id) == [["import", "tax_code"]]
