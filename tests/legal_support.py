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
