"""Helpers for the legal-path tests: drive the forms as the node's staff."""
from .case_support import post


def add_civil_action(client, case_id, counsel="Avv. Rossi-LEGALE-4417"):
    return post(client, f"/casi/{case_id}/tutela", {
        "version": "0", "action_type": "civil_action", "counsel": counsel, "started_on": "2026-02-10",
        "outcome": "pending", "outcome_on": "",
    })


def add_fund_request(client, case_id, **values):
    data = {"fund": "regional_victims", "requested": "1.500,00", "requested_on": "2026-02-15",
            "granted": "1.234,56", "granted_on": "2026-03-01", "paid": "", "paid_on": "", **values}
    return post(client, f"/casi/{case_id}/tutela/fondi", data)


def victim_rows(net):
    """A hearing and a fund request on the victim's case (node N1), created once per network."""
    if getattr(net, "_legal_rows", None) is None:
        from datetime import date
        from decimal import Decimal

        from portal.cases.legal import DeadlineKind, Fund, FundRequest, LegalDeadline
        from portal.extensions import db
        from portal.tenancy import context

        with context.acting_as(net.tenants["n1"].id):
            deadline = LegalDeadline(case_id=net.case.id, tenant_id=net.case.tenant_id, due_on=date(2026, 4, 1),
                                     kind=DeadlineKind.HEARING, note="Udienza della vittima")
            request = FundRequest(case_id=net.case.id, tenant_id=net.case.tenant_id, fund=Fund.LEGAL_SOLIDARITY,
                                  requested=Decimal("900.00"), requested_on=date(2026, 3, 1))
            db.session.add_all([deadline, request])
            db.session.flush()
        net._legal_rows = {"deadline_id": deadline.id, "request_id": request.id}
    return net._legal_rows
