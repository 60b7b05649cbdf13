"""The referral's story: files with the new-referral form, documents added after sending until the node
decides, the answer to a request for information with files, the first sending kept when sent again."""
import io
from datetime import UTC, timedelta

import pytest
from sqlalchemy import select

from portal.models_base import utcnow
from portal.referrals.listing import is_stale
from portal.referrals.models import Attachment, ReferralEvent, ReferralState
from portal.tenancy import context

from .factories import make_referral
from .referral_support import PDF, count_referrals, form_data, new_form, post_on_page, referral_by_key, reload

EXE = b"MZ\x90\x00" + b"\x00" * 64


@pytest.fixture
def storage(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path / "allegati"))
    return tmp_path / "allegati"


def _attachments(session, network, referral_id):
    with context.acting_as(network.tenants["a"].id):
        return session.scalars(select(Attachment).where(Attachment.referral_id == referral_id)
                               .order_by(Attachment.id).execution_options(populate_existing=True)).all()


def _post_new_with_files(client, files):
    token, key = new_form(client)
    data = {**form_data(), "csrf_token": token, "submission_key": key,
            "files": [(io.BytesIO(content), name) for content, name in files]}
    return client.post("/segnalazioni/nuova", data=data, content_type="multipart/form-data"), key


def test_the_referral_form_takes_files(login, network, session, storage):
    response, key = _post_new_with_files(login("a_operator"), [(PDF, "contratto.pdf"), (PDF, "lettera.pdf")])
    assert response.status_code == 302
    referral = referral_by_key(session, network.tenants["a"], key)
    assert referral.state == ReferralState.SUBMITTED
    assert [a.filename for a in _attachments(session, network, referral.id)] == ["contratto.pdf", "lettera.pdf"]
    assert "contratto.pdf" in login("n1_coordinator").get(f"/segnalazioni/{referral.id}").get_data(as_text=True)


def test_a_refused_file_creates_nothing_and_keeps_the_input(login, network, session, storage):
    before = count_referrals(session, network.tenants["a"])
    response, _key = _post_new_with_files(login("a_operator"), [(PDF, "buono.pdf"), (EXE, "cattivo.pdf")])
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Sono ammessi solo file PDF, PNG o JPEG" in body and "cattivo.pdf" in body
    assert "Pellizzari" in body  # the typed input comes back
    assert count_referrals(session, network.tenants["a"]) == before
    assert not storage.exists() or list(storage.iterdir()) == []  # the good file stored first went with the rollback


def test_answer_with_files_keeps_the_first_sending(login, network, session, storage):
    referral = make_referral(network.tenants["a"], network.users["a_operator"])
    first = referral.submitted_at
    coordinator, operator = login("n1_coordinator"), login("a_operator")
    page = f"/segnalazioni/{referral.id}"
    assert post_on_page(coordinator, page, f"{page}/stato/request_info",
                        {"version": referral.version, "message": "Serve la lettera."}).status_code == 302
    referral = reload(session, network.tenants["a"], referral)
    token_page = operator.get(page).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in token_page
    from .helpers import csrf_from

    response = operator.post(f"{page}/stato/resubmit", data={
        "csrf_token": csrf_from(token_page), "version": referral.version, "message": "Ecco la lettera.",
        "files": [(io.BytesIO(PDF), "lettera.pdf")],
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    referral = reload(session, network.tenants["a"], referral)
    assert referral.state == ReferralState.SUBMITTED
    def naive(moment):  # SQLite gives back naive UTC, PostgreSQL aware
        return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment

    assert naive(referral.submitted_at) == naive(first)
    assert referral.resubmitted_at is not None and naive(referral.resubmitted_at) >= naive(first)
    assert [a.filename for a in _attachments(session, network, referral.id)] == ["lettera.pdf"]
    with context.acting_as(network.tenants["a"].id):
        events = session.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == referral.id)
                                 .order_by(ReferralEvent.id)).all()
    assert [(e.to_state, e.message) for e in events][-2:] == [
        ("info_requested", "Serve la lettera."), ("submitted", "Ecco la lettera.")]
    body = coordinator.get(page).get_data(as_text=True)
    assert "Inviata di nuovo il" in body and "lettera.pdf" in body


def test_the_wait_restarts_with_the_answer(app, network, session):
    referral = make_referral(network.tenants["a"], network.users["a_operator"])
    with context.acting_as(network.tenants["a"].id):
        referral.submitted_at = utcnow() - timedelta(days=30)
        session.flush()
    with app.app_context():
        assert is_stale(referral)
        referral.resubmitted_at = utcnow()
        assert not is_stale(referral)


def test_the_edit_form_answers_with_files(login, network, session, storage):
    from .helpers import csrf_from

    response, key = _post_new_with_files(login("a_operator"), [])
    referral = referral_by_key(session, network.tenants["a"], key)
    first = referral.submitted_at
    page = f"/segnalazioni/{referral.id}"
    assert post_on_page(login("n1_coordinator"), page, f"{page}/stato/request_info",
                        {"version": referral.version, "message": "Serve il contratto."}).status_code == 302
    referral = reload(session, network.tenants["a"], referral)
    operator = login("a_operator")
    edit = f"/segnalazioni/{referral.id}/modifica"
    form_page = operator.get(edit).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form_page and 'name="files"' in form_page
    response = operator.post(edit, data={
        **form_data(action="resubmit", message="Ecco il contratto."), "csrf_token": csrf_from(form_page),
        "version": referral.version, "person_version": referral.person.version,
        "files": [(io.BytesIO(PDF), "contratto.pdf")],
    }, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    referral = reload(session, network.tenants["a"], referral)
    assert referral.state == ReferralState.SUBMITTED and referral.resubmitted_at is not None
    assert referral.submitted_at == first
    assert [a.filename for a in _attachments(session, network, referral.id)] == ["contratto.pdf"]


def test_the_undecided_alert_counts_from_the_latest_sending(network, session):
    from portal.alerts.models import Alert, Rule
    from portal.alerts.services import evaluate

    old = make_referral(network.tenants["a"], network.users["a_operator"])
    answered = make_referral(network.tenants["a"], network.users["a_operator"])
    with context.acting_as(network.tenants["a"].id):
        for referral in (old, answered):
            referral.submitted_at = utcnow() - timedelta(days=20)
        answered.resubmitted_at = utcnow()  # the antenna answered today: the node's wait starts again
        session.flush()
    with context.acting_as(network.tenants["n1"].id):
        evaluate(network.tenants["n1"].id, today=utcnow().date())
        found = session.scalars(select(Alert).where(Alert.rule == Rule.REFERRAL_UNDECIDED)).all()
    assert [a.object_id for a in found] == [old.id]
