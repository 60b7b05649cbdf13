"""Converting a public report copies its files into the referral's attachments (checked by content again,
kept under keys of their own, audited), so the node finds them on the referral."""
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.referrals.models import Attachment
from portal.tenancy import context

from .helpers import csrf_from
from .report_support import PDF, submit
from .test_public_reports import _report

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_conversion_copies_the_reports_files_onto_the_referral(client, login, network, session):
    submit(client, files=[("ricevuta.pdf", PDF), ("foto.png", PNG)])
    report = _report(network)
    originals = sorted((f.filename, f.sha256, f.storage_key) for f in report.files)
    assert [name for name, _, _ in originals] == ["allegato-1.pdf", "allegato-2.png"]  # neutral names
    node = login("n1_coordinator")
    page = node.get(f"/segnalazioni-pubbliche/{report.id}").get_data(as_text=True)
    response = node.post(f"/segnalazioni-pubbliche/{report.id}/converti",
                         data={"csrf_token": csrf_from(page), "version": report.version})
    assert response.status_code == 302
    referral_id = _report(network).referral_id
    n1 = network.tenants["n1"].id
    with context.acting_as(n1):
        copies = list(db.session.scalars(select(Attachment).where(Attachment.referral_id == referral_id)
                                         .order_by(Attachment.id)))
        events = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
    assert sorted((a.filename, a.sha256) for a in copies) == sorted((name, sha) for name, sha, _ in originals)
    assert not {a.storage_key for a in copies} & {key for _, _, key in originals}  # copies, not shared bytes
    assert all(a.node_id == n1 and a.tenant_id == n1 for a in copies)
    assert events.count("public_report.file_copied") == 2 and events.count("referral.attachment_added") == 2
    # The node sees and downloads them on the referral.
    detail = node.get(f"/segnalazioni/{referral_id}").get_data(as_text=True)
    assert "allegato-1.pdf" in detail and "allegato-2.png" in detail
    pdf = next(a for a in copies if a.filename == "allegato-1.pdf")
    download = node.get(f"/segnalazioni/{referral_id}/allegati/{pdf.id}")
    assert download.status_code == 200 and download.data == PDF
