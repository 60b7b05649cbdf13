"""A finished export of node N1 whose file holds the victim mark: the isolation matrix aims the export
routes at it."""
from datetime import timedelta

from portal.exports.models import ExportJob, ExportState
from portal.extensions import db
from portal.models_base import utcnow
from portal.tenancy import context

SECRET = b"VITTIMA-SEGRETO-7731;esportazione\n"


def victim_job(net) -> dict:
    if getattr(net, "_export_job_id", None) is None:
        membership = net.memberships["n1_coordinator"]
        with context.acting_as(membership.tenant_id):
            job = ExportJob(tenant_id=membership.tenant_id, kind="monitoring.open_data_csv",
                            params={"dal": "2026-01-01", "al": "2026-06-30"}, requested_by_id=membership.user_id,
                            membership_id=membership.id, role=str(membership.role), state=ExportState.DONE,
                            progress=100, filename="VITTIMA-SEGRETO-7731.csv", content_type="text/csv",
                            size=len(SECRET), storage_key="isolation-export", sha256="0" * 64, content=SECRET,
                            finished_at=utcnow(), expires_at=utcnow() + timedelta(hours=1))
            db.session.add(job)
            db.session.flush()
            net._export_job_id = job.id
    return {"job_id": net._export_job_id}
