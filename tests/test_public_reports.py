"""The public report door: anonymous report with a receipt code, the thread, triage, conversion, lockout."""
import io
from email.header import decode_header, make_header

import pytest
from sqlalchemy import func, inspect, select, text

from portal.extensions import db
from portal.notifications.models import PRIVATE_RECIPIENT, OutboxMail
from portal.referrals.models import Referral, ReferralState
from portal.reports import receipt
from portal.reports.labels import NODE_STATE_LABELS
from portal.reports.models import PublicReport, PublicReportFile, PublicReportMessage, ReportState
from portal.tenancy import context

from .helpers import csrf_from, field_error
from .report_support import CODE_RE, PDF, WHAT, open_report, report_form, submit


@pytest.fixture
def storage(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path / "allegati"))
    return tmp_path / "allegati"


def _report(network, node="n1"):
    """The node's newest report, its thread and files loaded while acting as the node (lazy loads are scoped)."""
    for obj in list(db.session.identity_map.values()):  # requests ran in their own sessions
        if isinstance(obj, (PublicReport, PublicReportMessage, PublicReportFile)):
            db.session.expire(obj)
    with context.acting_as(network.tenants[node].id):
        report = db.session.scalars(select(PublicReport).order_by(PublicReport.id.desc())).first()
        if report is not None:
            for message in report.messages:
                list(message.files)
            list(report.files)
        return report


def test_anonymous_report_in_french_gets_a_code_and_the_state_page(client, network, session, storage):
    page = client.get("/segnala?lingua=fr").get_data(as_text=True)
    assert 'lang="fr"' in page and "Signaler une discrimination" in page
    response, code = submit(client, lang="fr", files=[("Zoraida_Quintavalle_certificato.pdf", PDF)])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert code is not None and len(code) == 16 and code.isdigit()
    assert "reçu" in response.get_data(as_text=True)
    report = _report(network)
    assert report.tenant_id == network.tenants["n1"].id and report.language == "fr"
    assert report.name is None and report.contact is None and len(report.files) == 1
    # A file's name can name someone and is kept in clear: the reporter's files get a neutral one.
    assert report.files[0].filename == "allegato-1.pdf"
    follow = open_report(client, " ".join(code[i:i + 4] for i in range(0, 16, 4)))
    assert follow.status_code == 302 and follow.headers["Location"].endswith("/segnala/segue/stato")
    status = client.get("/segnala/segue/stato").get_data(as_text=True)
    assert "Reçu, en attente d&#39;examen" in status or "Reçu, en attente d'examen" in status
    assert 'lang="fr"' in status


def test_arabic_page_is_right_to_left(client, session, network):
    page = client.get("/segnala?lingua=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page


def test_login_page_links_to_the_public_door(client, session):
    assert 'href="/segnala"' in client.get("/accesso").get_data(as_text=True)


def test_nothing_identifying_is_required_and_the_form_keeps_input(client, session, network):
    response, code = submit(client, what="", consent=None)
    assert response.status_code == 200 and code is None
    html = response.get_data(as_text=True)
    assert "Racconta che cosa è successo." in html and "Per inviare la segnalazione serve il consenso." in html


def test_a_form_sent_back_with_errors_keeps_the_time_it_was_first_shown(client, session, network):
    """Fixing two fields within seconds of the errors is a person: the time the form was first shown stays,
    so the second post is not refused as "too fast" (a new time on every error page did that)."""
    import re

    response, code = submit(client, what="", consent=None)  # report_form's time: 30 s ago
    assert response.status_code == 200 and code is None
    issued = re.search(r'name="issued"[^>]*value="([^"]+)"', response.get_data(as_text=True)).group(1)
    page = response.get_data(as_text=True)
    again = client.post("/segnala/modulo", data={**report_form(issued=issued), "csrf_token": csrf_from(page)},
                        content_type="multipart/form-data")
    assert again.status_code == 200 and CODE_RE.search(again.get_data(as_text=True))


def test_too_fast_and_honeypot_are_refused(client, session, network):
    import time

    from portal.reports import abuse

    response, code = submit(client, issued=abuse.form_token(time.time()))
    assert response.status_code == 400 and code is None
    assert response.get_data(as_text=True).count("troppo in fretta") == 1  # once in the summary, not twice
    assert WHAT in response.get_data(as_text=True)  # the input is kept
    response, code = submit(client, website="http://spam.example")
    assert response.status_code == 400 and code is None
    response, code = submit(client, issued="forged")
    assert response.status_code == 400 and code is None
    assert _report(network) is None


def test_the_database_holds_no_receipt_code_in_clear(client, network, session, storage):
    _, code = submit(client, wants_contact="y", name="Amina Haddad", contact="333 1234567",
                     notify_email="amina@example.org", files=[("a.pdf", PDF)])
    report = _report(network)
    assert report.name == "Amina Haddad"
    grouped = receipt.grouped(code)
    found = []
    with context.acting_as(network.tenants["n1"].id):
        tables = [t for t in inspect(db.session.connection()).get_table_names() if t.startswith("public_report")]
        tables.append("audit_events")
        assert {"public_reports", "public_report_messages", "public_report_files", "public_report_keys"} <= set(tables)
        for table in tables:
            for row in db.session.execute(text(f"SELECT * FROM {table}")).mappings():
                for column, value in row.items():
                    if value is not None and (code in str(value) or grouped in str(value)):
                        found.append(f"{table}.{column}")
                    if table == "public_reports" and isinstance(value, str):
                        assert "Amina" not in value and "333 1234567" not in value and "velo" not in value
        ips = db.session.execute(text("SELECT ip FROM audit_events WHERE action LIKE 'public_report.%'")).scalars().all()
    assert not found, found
    assert ips and all(ip is None for ip in ips)  # the reporter's address is never stored


def test_node_asks_reporter_answers_with_a_file(app, client, login, network, session, storage, mailbox):
    _, code = submit(client, notify_email="segnalante@example.org")
    report = _report(network)
    node = login("n1_case_worker")
    detail = node.get(f"/segnalazioni-pubbliche/{report.id}")
    assert detail.status_code == 200 and WHAT in detail.get_data(as_text=True)
    assert f">{report.id}<" in node.get("/segnalazioni-pubbliche/").get_data(as_text=True)
    mailbox.messages.clear()
    response = node.post(f"/segnalazioni-pubbliche/{report.id}/messaggio", data={
        "csrf_token": csrf_from(detail.get_data(as_text=True)), "version": report.version,
        "body": "In quale azienda è successo?"})
    assert response.status_code == 302
    # The node's user is told the message left (and how the reporter reads it).
    assert "Messaggio inviato" in node.get(response.headers["Location"]).get_data(as_text=True)
    messages = mailbox.wait_for(1)
    notice = [m for m in messages if m["To"] == "segnalante@example.org"]
    assert notice and str(make_header(decode_header(notice[0]["Subject"]))) == "C'è un nuovo messaggio"
    assert "azienda" not in mailbox.body(notice[0]) and WHAT[:20] not in mailbox.body(notice[0])

    assert open_report(client, code).status_code == 302
    status = client.get("/segnala/segue/stato").get_data(as_text=True)
    assert "In quale azienda è successo?" in status and "Il nodo ti ha chiesto altre informazioni" in status
    # The node's pages say the same state in the node's words, not the words addressed to the reporter
    for page in (node.get("/segnalazioni-pubbliche/"), node.get(f"/segnalazioni-pubbliche/{report.id}")):
        text = page.get_data(as_text=True)
        assert "In attesa di risposta" in text and "ti ha chiesto" not in text
    assert set(NODE_STATE_LABELS) == set(ReportState)  # the node's words for every state, none left to drift
    assert '<dd class="col-sm-9">Italiano</dd>' in text  # the report's language by its name, not its code
    response = client.post("/segnala/segue/stato", data={
        "csrf_token": csrf_from(status), "body": "Alla ditta Esempio, in via Roma.",
        "file": (io.BytesIO(PDF), "lettera.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    report = _report(network)
    assert report.state == ReportState.ANSWERED
    page = node.get(f"/segnalazioni-pubbliche/{report.id}").get_data(as_text=True)
    assert "Alla ditta Esempio" in page and "allegato-1.pdf" in page and "lettera.pdf" not in page
    file_id = report.messages[-1].files[0].id if report.messages[-1].files else None
    assert file_id is not None
    download = node.get(f"/segnalazioni-pubbliche/file/{file_id}")
    assert download.status_code == 200 and download.data == PDF
    assert client.get(f"/segnala/segue/file/{file_id}").data == PDF
    # A file that is not a PDF/PNG/JPEG is refused with a message, nothing stored.
    status = client.get("/segnala/segue/stato").get_data(as_text=True)
    refused = client.post("/segnala/segue/stato", data={
        "csrf_token": csrf_from(status), "body": "altro", "file": (io.BytesIO(b"MZ\x90\x00"), "x.exe")},
        content_type="multipart/form-data")
    assert refused.status_code == 400 and "Sono ammessi solo file PDF, PNG o JPEG." in refused.get_data(as_text=True)


def test_a_refused_file_type_is_shown_on_its_field_with_the_message_kept(client, network, session, storage):
    """The reporter's follow-up and the report form itself: the file's refusal under the file field, not
    only in the summary at the top; what was written stays."""
    refused, _ = submit(client, files=[("x.exe", b"MZ\x90\x00")])
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "«x.exe»" in (field_error(html, "files") or "")
    assert "Sono ammessi solo file PDF, PNG o JPEG." in field_error(html, "files") and WHAT in html
    _, code = submit(client)
    assert open_report(client, code).status_code == 302
    status = client.get("/segnala/segue/stato").get_data(as_text=True)
    answer = client.post("/segnala/segue/stato", data={
        "csrf_token": csrf_from(status), "body": "Ecco la lettera del datore di lavoro.",
        "file": (io.BytesIO(b"MZ\x90\x00"), "lettera.exe")}, content_type="multipart/form-data")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "Sono ammessi solo file PDF, PNG o JPEG." in (field_error(html, "file") or "")
    assert "Ecco la lettera del datore di lavoro.</textarea>" in html


def test_a_message_page_sent_twice_while_the_report_waits_is_a_conflict(client, login, network, session):
    """The report already waits for the reporter, so the message leaves its state as it was: every message still
    changes the report's version, and the same page sent again is a conflict (the text kept), not a second
    message and a second mail."""
    submit(client, notify_email="segnalante@example.org")
    report = _report(network)
    node = login("n1_case_worker")
    detail, url = f"/segnalazioni-pubbliche/{report.id}", f"/segnalazioni-pubbliche/{report.id}/messaggio"
    assert node.post(url, data={"csrf_token": csrf_from(node.get(detail).get_data(as_text=True)),
                                "version": report.version, "body": "Prima domanda"}).status_code == 302
    report = _report(network)
    assert report.state == ReportState.INFO_REQUESTED
    data = {"csrf_token": csrf_from(node.get(detail).get_data(as_text=True)), "version": report.version,
            "body": "Seconda domanda"}
    assert node.post(url, data=data).status_code == 302
    again = node.post(url, data=data)
    assert again.status_code == 409 and "Seconda domanda" in again.get_data(as_text=True)
    assert [m.body for m in _report(network).messages] == ["Prima domanda", "Seconda domanda"]
    with context.acting_as(network.tenants["n1"].id):  # the reporter's mails (their address blanked once sent)
        mails = db.session.scalar(select(func.count(OutboxMail.id)).where(OutboxMail.kind == PRIVATE_RECIPIENT))
    assert mails == 2  # one per message


def test_close_with_a_reason_the_reporter_sees(client, login, network, session):
    _, code = submit(client)
    report = _report(network)
    node = login("n1_coordinator")
    page = node.get(f"/segnalazioni-pubbliche/{report.id}").get_data(as_text=True)
    response = node.post(f"/segnalazioni-pubbliche/{report.id}/chiudi", data={
        "csrf_token": csrf_from(page), "version": report.version, "reason": "referred_elsewhere", "message": ""})
    assert response.status_code == 302
    assert "Segnalazione pubblica chiusa" in node.get(response.headers["Location"]).get_data(as_text=True)
    open_report(client, code)
    status = client.get("/segnala/segue/stato").get_data(as_text=True)
    assert "Indirizzata a un altro servizio" in status and "Scrivi al nodo" not in status


def test_conversion_into_person_and_referral(client, login, network, session):
    submit(client, wants_contact="y", name="Amina Haddad", contact="333 1234567")
    report = _report(network)
    node = login("n1_coordinator")
    page = node.get(f"/segnalazioni-pubbliche/{report.id}").get_data(as_text=True)
    response = node.post(f"/segnalazioni-pubbliche/{report.id}/converti",
                         data={"csrf_token": csrf_from(page), "version": report.version})
    assert response.status_code == 302
    report = _report(network)
    assert report.state == ReportState.CONVERTED
    n1 = network.tenants["n1"].id
    with context.acting_as(n1):
        referral = db.session.get(Referral, report.referral_id)
        assert referral.tenant_id == n1 and referral.node_id == n1 and referral.state == ReferralState.SUBMITTED
        assert referral.situation.startswith(WHAT) and sorted(referral.grounds) == ["gender", "religion"]
        assert "Data dei fatti: 20/11/2026" in referral.situation  # the facts come along (the report is erased later)
        assert referral.person.first_name == "Amina" and referral.person.last_name == "Haddad"
        assert referral.person.contact == "333 1234567"
    assert response.headers["Location"].endswith(f"/segnalazioni/{referral.id}")
    landing = node.get(f"/segnalazioni/{referral.id}")
    landing = landing.get_data(as_text=True)
    assert "è ora una segnalazione da decidere" in landing
    # The node is its own sender: no antenna to ask for information, nor to write a message to
    assert "Il nodo stesso" in landing and "Antenna inviante" not in landing
    assert "Chiedi informazioni all&#39;antenna" not in landing and "Messaggio per l&#39;antenna" not in landing
    assert "Nota per la cronologia (facoltativa)" in landing
    inbox = node.get("/segnalazioni/").get_data(as_text=True)
    assert '<td data-label="Antenna">Il nodo stesso</td>' in inbox
    asked = node.post(f"/segnalazioni/{referral.id}/stato/request_info", data={
        "csrf_token": csrf_from(landing), "version": referral.version, "message": "Chi è l'antenna?"})
    assert asked.status_code == 200 and "non c&#39;è un&#39;antenna" in asked.get_data(as_text=True)  # refused, said
    with context.acting_as(n1):
        assert db.session.get(Referral, referral.id).state == ReferralState.SUBMITTED
    # The antenna of the node's network never sees the report (nor the node's own referral).
    antenna = login("a_operator")
    assert antenna.get(f"/segnalazioni-pubbliche/{report.id}").status_code == 403
    with context.acting_as(network.tenants["a"].id):
        assert db.session.scalar(select(PublicReport).where(PublicReport.id == report.id)) is None


def test_wrong_code_twenty_times_locks_out(client, network, session):
    _, code = submit(client)
    wrong = "1234" + ("0" * 12 if code != "1234" + "0" * 12 else "1" * 12)
    for _ in range(20):
        assert open_report(client, wrong).status_code == 400
    locked = open_report(client, code)
    assert locked.status_code == 429


def test_wrong_codes_with_one_prefix_lock_that_prefix_from_any_address(app, network, session):
    clients = [app.test_client() for _ in range(2)]
    for n in range(20):
        client = clients[0]
        client.environ_base["REMOTE_ADDR"] = f"10.0.{n}.1"
        assert open_report(client, f"9999{n:012d}").status_code == 400
    other = clients[1]
    other.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    assert open_report(other, "9999" + "5" * 12).status_code == 429
    assert open_report(other, "8888" + "5" * 12).status_code == 400


def test_the_right_code_opens_its_report_past_its_prefixs_limit(app, network, session):
    """Whoever knew a reporter's first four digits locked them out for a day with 20 wrong codes from 20
    addresses: the right code still opens the report."""
    reporter = app.test_client()
    _, code = submit(reporter)
    attacker = app.test_client()
    for n in range(20):
        attacker.environ_base["REMOTE_ADDR"] = f"10.1.{n}.1"
        wrong = code[:4] + f"{(int(code[4:]) + n + 1) % 10**12:012d}"
        assert open_report(attacker, wrong).status_code == 400
    attacker.environ_base["REMOTE_ADDR"] = "10.1.99.1"
    assert open_report(attacker, code[:4] + f"{(int(code[4:]) + 99) % 10**12:012d}").status_code == 429
    reporter.environ_base["REMOTE_ADDR"] = "10.2.0.1"
    assert open_report(reporter, code).status_code == 302


def test_routing_by_province_or_default(client, network, session, login):
    from portal.directory.models import DirectoryEntry

    db.session.add(DirectoryEntry(organisation_id=network.tenants["n2"].id, municipality_code="F952"))
    db.session.flush()
    submit(client, municipality_code="A429")  # Arona, province of Novara: node n2's province
    assert _report(network, "n2") is not None and _report(network, "n2").routed_by_default is False
    assert _report(network, "n1") is None
    response, code = submit(client, municipality_code="")  # not said: the default node, and it says so
    fallback = _report(network, "n1")
    assert fallback is not None and fallback.routed_by_default is True
    page = response.get_data(as_text=True)
    # ... in words that fit: no comune was given, so none was "indicated" (the status page says the same)
    assert "Non hai indicato il comune" in page and "nodo provinciale di riferimento" in page
    assert "Per il comune indicato" not in page
    assert open_report(client, code).status_code == 302
    status = client.get("/segnala/segue/stato").get_data(as_text=True)
    assert "Non hai indicato il comune" in status and "Per il comune indicato" not in status
    detail = login("n1_case_worker").get(f"/segnalazioni-pubbliche/{fallback.id}").get_data(as_text=True)
    assert "Chi ha segnalato non ha indicato il comune" in detail and "copre il comune indicato" not in detail
    response, _ = submit(client, municipality_code="L219")  # Turin: a province without a node of this network
    page = response.get_data(as_text=True)
    assert "Per il comune indicato non c'è un nodo della rete" in page and "Non hai indicato" not in page


def test_node_is_told_without_content_and_access_expires(app, client, network, session, mailbox, monkeypatch):
    mailbox.messages.clear()
    _, code = submit(client, lang="en", wants_contact="y", name="Amina Haddad", contact="333 1234567")
    mails = [m for m in mailbox.wait_for(1) if m["To"] == network.tenants["n1"].email]
    assert mails, "the node's address is told of a new report"
    body = mailbox.body(mails[0])
    assert "/segnalazioni-pubbliche/" in body
    assert "È arrivata la segnalazione pubblica" in body  # the node's language, not the reporter's English
    for secret in ("Amina", "333 1234567", WHAT[:20], code):
        assert secret not in body
    assert open_report(client, code).status_code == 302
    assert client.get("/segnala/segue/stato").status_code == 200
    monkeypatch.setitem(app.config, "PUBLIC_REPORT_SESSION_MINUTES", 0)
    expired = client.get("/segnala/segue/stato")
    assert expired.status_code == 302 and expired.headers["Location"].endswith("/segnala/segue")


def test_audit_log_reads_the_public_report_events_in_words(app):
    from portal.audit.labels import action_label

    with app.test_request_context():
        assert action_label("public_report.converted", []).startswith("ha convertito la segnalazione pubblica")
        assert action_label("public_report.burst", []) == "molte segnalazioni pubbliche in poco tempo"


def test_a_session_lost_while_writing_keeps_the_report_in_the_form(app, network, session):
    """A phone's browser may drop the session cookie while the reporter writes: the page's token then matches
    nothing. The form says so and keeps the report (a fresh token with it), nothing is received until it is
    sent again; a 400 page would have lost what was written."""
    page = app.test_client().get("/segnala/modulo").get_data(as_text=True)
    browser = app.test_client()  # the same page, sent without the session it was rendered in
    response = browser.post("/segnala/modulo", data={**report_form(), "csrf_token": csrf_from(page)})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and CODE_RE.search(html) is None
    assert "La sessione è scaduta o la pagina è rimasta aperta troppo a lungo" in html and WHAT in html
    assert _report(network) is None
    again = browser.post("/segnala/modulo", data={**report_form(), "csrf_token": csrf_from(html)})
    assert CODE_RE.search(again.get_data(as_text=True)) and _report(network) is not None
