"""An edit form checks the version it was posted with, never the row's own: a POST that leaves the hidden
``version`` out (a client that strips it, a hand-made request) after someone else saved the row is refused
like a stale one — the conflict page or the form again, what was typed kept — and changes nothing. The form
of a POST is built from the request alone (``core.views_helpers.edit_form``): filled from the row, a field
left out would keep the row's current value, its version among them, and pass the check."""
import io

from sqlalchemy import select, update

from portal.cases.legal import FundRequest, LegalPath
from portal.cases.models import Case, CaseState
from portal.directory.models import InformationPoint
from portal.extensions import db
from portal.governance.models import Meeting, Minutes, NetworkGroup
from portal.tenancy import context

from .case_support import post
from .forum_support import victim_entry, victim_group
from .helpers import csrf_token
from .legal_support import add_civil_action, add_fund_request


def _send(client, url, data, page=None):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, page or url)})


def _refused_keeping(response, typed):
    body = response.get_data(as_text=True)
    assert response.status_code in (200, 409), (response.status_code, response.headers.get("Location"))
    assert typed in body


def _one(model, *where):
    """The row as the database has it now (not as the session last saw it)."""
    return db.session.scalar(select(model).where(*where).execution_options(populate_existing=True))


# --- cases ---------------------------------------------------------------------------------------------

def test_closing_a_case_without_its_version_after_someone_saved_it_is_refused(login, network):
    worker = login("n1_coordinator")
    url = f"/casi/{network.case.id}/chiudi"
    token = csrf_token(worker, url)
    with context.acting_as(network.tenants["n1"].id):  # someone saved the case meanwhile
        db.session.execute(update(Case).where(Case.id == network.case.id).values(version=Case.version + 1))
        db.session.flush()
    typed = {"csrf_token": token, "outcome": "other", "reason": "Chiuso senza versione-7781"}
    stale = worker.post(url, data={**typed, "version": "1"})
    assert stale.status_code == 409 and "Chiuso senza versione-7781" in stale.get_data(as_text=True)
    missing = worker.post(url, data=typed)
    _refused_keeping(missing, "Chiuso senza versione-7781")
    # It says what is missing (wtforms' "campo obbligatorio" named no field the page shows).
    assert "manca la versione dei dati" in missing.get_data(as_text=True)
    with context.acting_as(network.tenants["n1"].id):
        case = _one(Case, Case.id == network.case.id)
        assert case.state != CaseState.CLOSED
        current = case.version
    assert worker.post(url, data={**typed, "version": str(current)}).status_code == 302  # the form itself works


def _legal_path(network):
    with context.acting_as(network.tenants["n1"].id):
        return _one(LegalPath, LegalPath.case_id == network.case.id)


def test_the_legal_path_without_its_version_after_someone_saved_it_is_a_conflict(login, network):
    client = login("n1_coordinator")
    url = f"/casi/{network.case.id}/tutela"
    assert add_civil_action(client, network.case.id).status_code == 302
    path = _legal_path(network)
    fields = {"action_type": "civil_action", "started_on": "2026-02-10", "outcome": "pending", "outcome_on": ""}
    assert post(client, url, {**fields, "version": path.version, "counsel": "Avv. Bianchi"}).status_code == 302
    response = post(client, url, {**fields, "counsel": "Avv. Verdi-SENZA-VERSIONE"})
    _refused_keeping(response, "Avv. Verdi-SENZA-VERSIONE")
    assert _legal_path(network).counsel == "Avv. Bianchi"


def test_a_fund_request_without_its_version_after_someone_saved_it_is_a_conflict(login, network):
    client = login("n1_coordinator")
    assert add_fund_request(client, network.case.id).status_code == 302
    with context.acting_as(network.tenants["n1"].id):
        request = _one(FundRequest, FundRequest.case_id == network.case.id)
    url = f"/casi/tutela/fondi/{request.id}"
    fields = {"fund": "regional_victims", "requested": "1.500,00", "requested_on": "2026-02-15", "granted": "",
              "granted_on": "", "paid": "", "paid_on": ""}
    assert post(client, url, {**fields, "version": request.version, "granted": "900,00",
                              "granted_on": "2026-03-01"}).status_code == 302
    _refused_keeping(post(client, url, {**fields, "requested": "7.781,00"}), "7.781,00")
    with context.acting_as(network.tenants["n1"].id):
        request = _one(FundRequest, FundRequest.id == request.id)
    assert str(request.requested) in ("1500.00", "1500") and request.granted is not None


# --- directory -----------------------------------------------------------------------------------------

def test_a_directory_entry_without_its_version_after_someone_saved_it_is_a_conflict(login, network):
    entry = victim_entry(network)
    url = f"/rete/{entry.id}/modifica"
    coordinator = login("n1_coordinator")
    assert _send(coordinator, url, {"version": entry.version, "services": "Aggiornato dal nodo"}).status_code == 302
    _refused_keeping(_send(login("a_admin"), url, {"services": "Scritto senza versione-7781"}),
                     "Scritto senza versione-7781")
    db.session.refresh(entry)
    assert entry.services == "Aggiornato dal nodo"


def test_an_information_point_without_its_version_after_someone_saved_it_is_a_conflict(login, network):
    entry = victim_entry(network)
    point = _one(InformationPoint, InformationPoint.entry_id == entry.id)
    url = f"/rete/{entry.id}/punti/{point.id}/modifica"
    admin = login("a_admin")
    assert _send(admin, url, {"version": point.version, "name": "Punto rinominato"}).status_code == 302
    _refused_keeping(_send(admin, url, {"name": "Punto senza versione-7781"}), "Punto senza versione-7781")
    assert _one(InformationPoint, InformationPoint.id == point.id).name == "Punto rinominato"


# --- governance ----------------------------------------------------------------------------------------

def test_a_group_without_its_version_after_someone_saved_it_is_a_conflict(login, network):
    group = victim_group(network)
    url = f"/rete/gruppi/{group.id}/modifica"
    coordinator = login("n1_coordinator")
    members = [str(network.tenants["a"].id)]
    assert _send(coordinator, url, {"version": group.version, "name": "Cabina rinominata", "kind": "steering_group",
                                    "members": members}).status_code == 302
    _refused_keeping(_send(coordinator, url, {"name": "Gruppo senza versione-7781", "kind": "steering_group",
                                              "members": members}), "Gruppo senza versione-7781")
    assert _one(NetworkGroup, NetworkGroup.id == group.id).name == "Cabina rinominata"


def test_a_meeting_without_its_version_after_someone_saved_it_is_a_conflict(login, network):
    victim_group(network)
    meeting = network._meeting
    url = f"/rete/gruppi/riunioni/{meeting.id}/modifica"
    coordinator = login("n1_coordinator")
    fields = {"held_on": "2026-03-02", "agenda": "Punto 1"}
    assert _send(coordinator, url, {**fields, "version": meeting.version, "place": "Sala grande"}).status_code == 302
    _refused_keeping(_send(coordinator, url, {**fields, "place": "Sala senza versione-7781"}),
                     "Sala senza versione-7781")
    assert _one(Meeting, Meeting.id == meeting.id).place == "Sala grande"


def test_draft_minutes_without_their_version_after_someone_saved_them_are_a_conflict(login, network):
    victim_group(network)
    coordinator = login("n1_coordinator")
    new = f"/rete/gruppi/{network._group.id}/riunioni/nuova"
    assert _send(coordinator, new, {"held_on": "2026-12-01", "place": "Sala piccola", "agenda": "Bilancio"}).status_code == 302
    meeting = _one(Meeting, Meeting.place == "Sala piccola")
    url = f"/rete/gruppi/riunioni/{meeting.id}/verbale"
    assert _send(coordinator, url, {"body": "Prima stesura"}).status_code == 302
    minutes = _one(Minutes, Minutes.meeting_id == meeting.id)
    assert _send(coordinator, url, {"body": "Seconda stesura", "version": minutes.version}).status_code == 302
    response = coordinator.post(url, data={"body": "Stesura senza versione-7781", "file": (io.BytesIO(b""), ""),
                                           "csrf_token": csrf_token(coordinator, url)},
                                content_type="multipart/form-data")
    _refused_keeping(response, "Stesura senza versione-7781")
    assert _one(Minutes, Minutes.id == minutes.id).body == "Seconda stesura"
