"""The isolation matrix: every route of the app, and how to aim it at another tenant's data.

Each endpoint in ``app.url_map`` must have an entry here (a meta-test fails otherwise), so a new
route cannot ship without saying how it is isolated:

- ``public``: reachable without a tenant (login, legal pages, static files);
- ``own``: works on the caller's own tenant only, takes no object id;
- ``foreign``: takes ids; aimed at the victim's objects it must answer 403 or 404.

In every case the response must not contain the victim's private strings.
"""
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Route:
    kind: str
    args: Callable | None = None  # network -> URL values (the victim's ids)
    form: Callable | None = None  # network -> POST body (without csrf_token)
    victim: str = "a"  # whose rows the ids point at: antenna "a" or node "n1"


def _membership(net):
    return {"membership_id": net.memberships["a_operator"].id}


MATRIX: dict[str, Route] = {
    "static": Route("public", args=lambda net: {"filename": "css/rete.css"}),
    "core.home": Route("own"),
    "core.accessibility": Route("public"),
    "core.privacy": Route("public"),
    "core.feedback": Route("public", form=lambda net: {"message": "Prova di isolamento"}),
    "core.set_language": Route("public", form=lambda net: {"lang": "it", "next": "/"}),
    "core.health": Route("public"),
    "accounts.login": Route("public"),
    "accounts.choose_tenant": Route("own"),
    "accounts.logout": Route("own"),
    "accounts.forgot_password": Route("public", form=lambda net: {"email": "nessuno@x.example"}),
    "accounts.reset_password": Route("public", args=lambda net: {"token": "non-valido"}),
    "accounts.change_password": Route("own"),
    "accounts.users": Route("own"),
    "accounts.invite": Route("own"),
    "accounts.deactivate": Route(
        "foreign", args=_membership, form=lambda net: {"version": net.memberships["a_operator"].version}
    ),
    "audit.index": Route("own"),
    # --- referrals ---
    "referrals.detail": Route("foreign", args=lambda net: {"referral_id": net.referral.id}),
    "referrals.index": Route("own"),
    "referrals.new": Route("own"),
    "referrals.edit": Route(
        "foreign", args=lambda net: {"referral_id": net.referral.id},
        form=lambda net: {"version": net.referral.version, "person_version": net.person.version,
                          "first_name": "X", "last_name": "Y", "context": "work", "action": "save"},
    ),
    "referrals.move": Route(
        "foreign", args=lambda net: {"referral_id": net.referral.id, "name": "accept"},
        form=lambda net: {"version": net.referral.version, "case_worker_id": net.users["n1_case_worker"].id},
    ),
    "referrals.legal_basis": Route(
        "foreign", args=lambda net: {"referral_id": net.referral.id},
        form=lambda net: {"version": net.referral.version, "legal_basis": "public_interest"},
    ),
    "referrals.upload": Route("foreign", args=lambda net: {"referral_id": net.referral.id}),
    # An attachment of the victim's referral (created on demand by tests/referral_support.py).
    "referrals.download": Route(
        "foreign", args=lambda net: __import__("tests.referral_support", fromlist=["download_args"]).download_args(net)
    ),
    # --- cases ---
    "cases.index": Route("own"),
    "cases.detail": Route("foreign", args=lambda net: {"case_id": net.case.id}, victim="n1"),
    "cases.notes": Route(
        "foreign", args=lambda net: {"case_id": net.case.id},
        form=lambda net: {"version": net.case.version, "internal_notes": "VITTIMA-SEGRETO-7731"}, victim="n1",
    ),
    "cases.assign": Route(
        "foreign", args=lambda net: {"case_id": net.case.id}, form=lambda net: {"version": net.case.version, "case_worker": ""},
        victim="n1",
    ),
    "cases.transition": Route(
        "foreign", args=lambda net: {"case_id": net.case.id},
        form=lambda net: {"version": net.case.version, "transition": "start_phase_1"}, victim="n1",
    ),
    "cases.close": Route(
        "foreign", args=lambda net: {"case_id": net.case.id},
        form=lambda net: {"version": net.case.version, "outcome": "other", "reason": "prova"}, victim="n1",
    ),
    "cases.new_action": Route(
        "foreign", args=lambda net: {"case_id": net.case.id},
        form=lambda net: {"service_type": "counselling", "phase": "preparatory", "planned_start": "2026-03-02", "planned_hours": "5"},
        victim="n1",
    ),
    "cases.edit_action": Route(
        "foreign", args=lambda net: {"action_id": net.action.id},
        form=lambda net: {"version": net.action.version, "service_type": "training", "phase": "preparatory",
                          "planned_start": "2026-03-02", "planned_hours": "5"},
        victim="n1",
    ),
    "cases.record_action": Route(
        "foreign", args=lambda net: {"action_id": net.action.id},
        form=lambda net: {"version": net.action.version, "status": "done", "delivered_hours": "5", "delivered_on": "2026-03-02"},
        victim="n1",
    ),
    "cases.job_outcome": Route(
        "foreign", args=lambda net: {"case_id": net.case.id},
        form=lambda net: {"version": "0", "job_outcome": "not_yet", "done_on": "2026-03-02"}, victim="n1",
    ),
    "cases.follow_up": Route(
        "foreign", args=lambda net: {"case_id": net.case.id, "months": 3},
        form=lambda net: {"version": "1", "still_in_work": "si", "done_on": "2026-03-02"}, victim="n1",
    ),
    "cases.analytical_record": Route("foreign", args=lambda net: {"case_id": net.case.id}, victim="n1"),
    "cases.analytical_record_csv": Route("foreign", args=lambda net: {"case_id": net.case.id}, victim="n1"),
    "cases.analytical_record_xlsx": Route("foreign", args=lambda net: {"case_id": net.case.id}, victim="n1"),
    # --- people ---
    "people.detail": Route("foreign", args=lambda net: {"person_id": net.person.id}),
    "people.identity": Route("foreign", args=lambda net: {"person_id": net.person.id}),
    "people.rectify": Route(
        "foreign", args=lambda net: {"person_id": net.person.id},
        form=lambda net: {"version": net.person.version, "first_name": "Intrusa", "last_name": "Intrusa"},
    ),
    "people.duplicates": Route("own"),
    "people.link": Route(
        "foreign", args=lambda net: {"person_id": net.person.id, "other_id": net.person.id},
        form=lambda net: {"version": net.person.version},
    ),
    "people.dismiss": Route("foreign", args=lambda net: {"person_id": net.person.id, "other_id": net.person.id}),
    "people.accesses": Route("foreign", args=lambda net: {"person_id": net.person.id}),
    "people.requests": Route(
        "foreign", args=lambda net: {"person_id": net.person.id}, form=lambda net: {"kind": "erasure", "reference": "X"}
    ),
    "people.close_request": Route("foreign", args=lambda net: {"person_id": net.person.id, "request_id": 1}),
    "people.export": Route("foreign", args=lambda net: {"person_id": net.person.id}),
}
