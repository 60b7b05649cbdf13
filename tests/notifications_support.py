"""Victim rows for the isolation matrix: a notification of antenna A's operator, an outbox mail of N1."""
from portal.extensions import db
from portal.notifications import outbox, services
from portal.tenancy import context

MARK = "VITTIMA-SEGRETO-7731"  # the matrix's victim mark (tests/test_isolation_matrix.py)


def notification_args(net):
    with context.acting_as(net.tenants["a"].id):
        row = services.notify(net.users["a_operator"].id, "referral.moved", {"code": MARK, "state": "submitted"},
                              f"/segnalazioni/{net.referral.id}?{MARK}", tenant_id=net.tenants["a"].id)
        db.session.flush()
    return {"notification_id": row.id}


def outbox_args(net):
    with context.acting_as(net.tenants["n1"].id):
        row = outbox.queue("vittima@prova.example", f"Oggetto {MARK}", MARK, tenant_id=net.tenants["n1"].id)
        db.session.flush()
    return {"mail_id": row.id}
