"""Network groups (cabina di regia, protocol signatories): the node's coordinator manages groups, meetings
and minutes; members read meetings and approved minutes; non-members and other networks do not. Audited."""
import io

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.crypto import unseal
from portal.extensions import db
from portal.governance.models import GroupMember, Meeting, Minutes, NetworkGroup
from portal.tenancy import context

from .forum_support import MINUTES_SECRET, victim_group
from .helpers import csrf_token, field_error
from .test_forum_posts import dangers

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def storage(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path / "allegati"))
    return tmp_path / "allegati" / "governance"


def _post(client, url, data, page=None, **kw):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, page or url)}, **kw)


def _audit(network, tenant="n1"):
    with context.acting_as(network.tenants[tenant].id):
        return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("governance.%"))))


def test_the_coordinator_creates_a_group_of_the_network(login, network):
    coordinator = login("n1_coordinator")
    page = coordinator.get("/rete/gruppi/nuovo").get_data(as_text=True)
    assert "Antenna Alfa" in page and "Nodo Due di prova" not in page  # members come from the own network only
    # An error keeps what was typed.
    response = _post(coordinator, "/rete/gruppi/nuovo", {"name": "", "kind": "steering_group", "description": "Tavolo",
                                                         "members": [str(network.tenants["a"].id)]})
    assert response.status_code == 200 and "Tavolo" in response.get_data(as_text=True)
    assert 'checked' in response.get_data(as_text=True)
    response = _post(coordinator, "/rete/gruppi/nuovo", {
        "name": "Cabina di regia", "kind": "steering_group", "description": "Coordinamento",
        "members": [str(network.tenants["a"].id), str(network.tenants["n2"].id)],  # N2 is silently not a choice
    })
    assert response.status_code in (200, 302)
    group = db.session.scalar(select(NetworkGroup).where(NetworkGroup.name == "Cabina di regia"))
    if response.status_code == 200:  # WTForms refuses a choice that is not offered: choose only A
        response = _post(coordinator, "/rete/gruppi/nuovo", {"name": "Cabina di regia", "kind": "steering_group",
                                                             "members": [str(network.tenants["a"].id)]})
        assert response.status_code == 302
        group = db.session.scalar(select(NetworkGroup).where(NetworkGroup.name == "Cabina di regia"))
    assert [m.tenant_id for m in db.session.scalars(select(GroupMember).where(GroupMember.group_id == group.id))] == [
        network.tenants["a"].id]
    assert "governance.group.create" in _audit(network)
    for key in ("a_admin", "n1_case_worker", "n1_sysadmin", "p_user"):
        assert login(key).get("/rete/gruppi/nuovo").status_code == 403
    assert login("n2_coordinator").get(f"/rete/gruppi/{group.id}").status_code == 404
    assert "Cabina di regia" in login("b_operator").get("/rete/gruppi/").get_data(as_text=True)


def test_meetings_and_minutes_flow(login, network, storage):
    group = victim_group(network)
    coordinator = login("n1_coordinator")
    # Meeting: a missing date is an error that keeps the place and agenda.
    url = f"/rete/gruppi/{group.id}/riunioni/nuova"
    response = _post(coordinator, url, {"held_on": "", "place": "Sala Genova", "agenda": "1. Bilancio"})
    assert response.status_code == 200 and "Sala Genova" in response.get_data(as_text=True)
    response = _post(coordinator, url, {"held_on": "2026-12-01", "starts_at": "10:30", "place": "Sala Genova",
                                        "agenda": "1. **Bilancio**\n2. <script>alert(1)</script>"})
    assert response.status_code == 302
    meeting = db.session.scalar(select(Meeting).where(Meeting.place == "Sala Genova"))
    assert dangers(meeting.agenda_html) == [] and "<strong>Bilancio</strong>" in meeting.agenda_html
    murl = f"/rete/gruppi/riunioni/{meeting.id}"
    page = coordinator.get(murl).get_data(as_text=True)
    assert "01/12/2026" in page and "10:30" in page
    # Draft minutes with a file: the node sees them, members not yet.
    response = _post(coordinator, f"{murl}/verbale", {"body": "Presenti: tutti. Decisione: **approvato**.",
                                                      "file": (io.BytesIO(PDF), "verbale firmato.pdf")},
                     content_type="multipart/form-data")
    assert response.status_code == 302
    minutes = db.session.scalar(select(Minutes).where(Minutes.meeting_id == meeting.id))
    assert minutes.attachment_type == "application/pdf" and unseal((storage / minutes.attachment_key).read_bytes(), minutes.attachment_key) == PDF
    member = login("a_operator")
    assert "Decisione" not in member.get(murl).get_data(as_text=True)
    assert member.get(f"{murl}/verbale/allegato").status_code == 404
    assert member.get(f"{murl}/verbale").status_code == 403
    # Approved: members read them and download the file; approved minutes are final.
    assert _post(coordinator, f"{murl}/verbale/approva", {"version": minutes.version}, page=murl).status_code == 302
    assert "Decisione" in member.get(murl).get_data(as_text=True)
    download = member.get(f"{murl}/verbale/allegato")
    assert download.status_code == 200 and download.data == PDF and download.headers["X-Content-Type-Options"] == "nosniff"
    assert coordinator.get(f"{murl}/verbale").status_code == 403
    twice = _post(coordinator, f"{murl}/verbale/approva", {"version": minutes.version}, page=murl)
    assert twice.status_code == 409 and "Qualcun altro ha modificato questi dati" in twice.get_data(as_text=True)
    actions = _audit(network)
    for action in ("governance.meeting.create", "governance.minutes.create", "governance.minutes.approve"):
        assert action in actions
    assert "governance.minutes.attachment_read" in _audit(network, "a")


@pytest.mark.parametrize("key, status", [("b_operator", 403), ("b_admin", 403), ("p_user", 403), ("n2_coordinator", 404)])
def test_non_members_do_not_see_meetings_or_minutes(login, network, key, status):
    group = victim_group(network)
    meeting = network._meeting
    client = login(key)
    for url in (f"/rete/gruppi/riunioni/{meeting.id}", f"/rete/gruppi/riunioni/{meeting.id}/verbale/allegato"):
        response = client.get(url)
        assert response.status_code == status and MINUTES_SECRET not in response.get_data(as_text=True)
    page = client.get(f"/rete/gruppi/{group.id}")
    if status == 403:  # same network: the group and its members are known, its meetings are not
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and "Antenna Alfa" in text and "Sala del nodo" not in text
    else:
        assert page.status_code == 404


def test_members_see_meetings_and_approved_minutes(login, network):
    group = victim_group(network)
    for key in ("a_operator", "a_dpo", "n1_case_worker"):
        client = login(key)
        assert "Sala del nodo" in client.get(f"/rete/gruppi/{group.id}").get_data(as_text=True)
        assert MINUTES_SECRET in client.get(f"/rete/gruppi/riunioni/{network._meeting.id}").get_data(as_text=True)
        assert client.get(f"/rete/gruppi/{group.id}/modifica").status_code == 403


def test_the_coordinator_edits_members_and_a_stale_form_is_a_conflict(login, network):
    group = victim_group(network)
    coordinator = login("n1_coordinator")
    url = f"/rete/gruppi/{group.id}/modifica"
    version = group.version
    members = [str(network.tenants["a"].id), str(network.tenants["b"].id)]
    response = _post(coordinator, url, {"version": version, "name": group.name, "kind": "steering_group", "members": members})
    assert response.status_code == 302
    assert "Sala del nodo" in login("b_operator").get(f"/rete/gruppi/{group.id}").get_data(as_text=True)
    response = _post(coordinator, url, {"version": version, "name": "Vecchio", "kind": "steering_group", "members": members})
    assert response.status_code == 409
    assert "governance.group.update" in _audit(network)
    assert login("n1_coordinator").get("/rete/gruppi/riunioni/999999").status_code == 404
    assert login("n1_coordinator").get("/rete/gruppi/999999").status_code == 404


def test_a_new_minutes_file_replaces_the_old_one(login, network, storage):
    group = victim_group(network)
    coordinator = login("n1_coordinator")
    url = f"/rete/gruppi/{group.id}/riunioni/nuova"
    _post(coordinator, url, {"held_on": "2026-12-02", "place": "Sala Torino", "agenda": "Bilancio"})
    meeting = db.session.scalar(select(Meeting).where(Meeting.place == "Sala Torino"))
    murl = f"/rete/gruppi/riunioni/{meeting.id}/verbale"
    _post(coordinator, murl, {"body": "Bozza", "file": (io.BytesIO(PDF), "a.pdf")}, content_type="multipart/form-data")
    first = db.session.scalar(select(Minutes).where(Minutes.meeting_id == meeting.id))
    old_key = first.attachment_key
    # An exe is refused and the form keeps the text.
    response = _post(coordinator, murl, {"version": first.version, "body": "Bozza due", "file": (io.BytesIO(b"MZ\x90"), "x.pdf")},
                     content_type="multipart/form-data")
    assert response.status_code == 200 and "Bozza due" in response.get_data(as_text=True)
    assert "Sono ammessi solo PDF" in field_error(response.get_data(as_text=True), "file")
    response = _post(coordinator, murl, {"version": first.version, "body": "Bozza tre",
                                         "file": (io.BytesIO(PDF + b"2"), "b.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.refresh(first)
    assert first.attachment_name == "b.pdf" and first.attachment_key != old_key
    assert (storage / first.attachment_key).exists()


def test_approved_minutes_are_refused_as_forbidden(app, login, network):
    """Approved minutes are final: the service refuses a rewrite as the view does (403), not with a code."""
    from flask import g
    from flask_login import login_user

    from portal.core.errors import Forbidden
    from portal.governance import services

    group = victim_group(network)
    coordinator = login("n1_coordinator")
    _post(coordinator, f"/rete/gruppi/{group.id}/riunioni/nuova", {"held_on": "2026-12-03", "place": "Sala Asti",
                                                                   "agenda": "Bilancio"})
    meeting = db.session.scalar(select(Meeting).where(Meeting.place == "Sala Asti"))
    murl = f"/rete/gruppi/riunioni/{meeting.id}"
    _post(coordinator, f"{murl}/verbale", {"body": "Bozza"})
    minutes = db.session.scalar(select(Minutes).where(Minutes.meeting_id == meeting.id))
    assert _post(coordinator, f"{murl}/verbale/approva", {"version": minutes.version}, page=murl).status_code == 302
    db.session.refresh(minutes)
    with app.test_request_context(), context.acting_as(network.tenants["n1"].id, network.users["n1_coordinator"].id):
        login_user(network.users["n1_coordinator"])
        g.membership = network.memberships["n1_coordinator"]  # one who manages the group: refused for the approval
        with pytest.raises(Forbidden):
            services.save_minutes(db.session.get(Meeting, meeting.id), "Riscritto", None, minutes.version)
