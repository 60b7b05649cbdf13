"""The isolation matrix: every route of the app, and how to aim it at another tenant's data.

Each endpoint in ``app.url_map`` must have an entry here (a meta-test fails otherwise), so a new
route cannot ship without saying how it is isolated:

- ``public``: reachable without a tenant (login, legal pages, static files);
- ``own``: works on the caller's own tenant only, takes no object id;
- ``foreign``: takes ids; aimed at the victim's objects it must answer 403 or 404.

In every case the response must not contain the victim's private strings.
"""
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    kind: str
    args: Callable | None = None  # network -> URL values (the victim's ids)
    form: Callable | None = None  # network -> POST body (without csrf_token)
    victim: str = "a"  # whose rows the ids point at: antenna "a" or node "n1"
    # An /api/v1 route: called with a key of the attacker's tenant (tests/api_support.py), the form as JSON.
    api: bool = False
    # network -> the victim's strings this route shows by design (never a person's)
    shows: Callable | None = None


def _membership(net):
    return {"membership_id": net.memberships["a_operator"].id}


def _story(net):
    return __import__("tests.story_support", fromlist=["diary_entry"])


def _victim_session(net):
    """A live login session of the victim's operator (created on demand)."""
    from portal.accounts.models import UserSession
    from portal.extensions import db
    from portal.models_base import utcnow

    row = UserSession(user_id=net.users["a_operator"].id, token_hash=__import__("secrets").token_hex(32), device="Firefox · Linux",
                      started_at=utcnow(), last_seen_at=utcnow())
    db.session.add(row)
    db.session.flush()
    return {"session_id": row.id}


def _legal(net):
    return __import__("tests.legal_support", fromlist=["victim_rows"]).victim_rows(net)
def _office(net):
    return __import__("tests.office_support", fromlist=["victim_referral"]).victim_referral(net)


def _transfer(net):
    return __import__("tests.transfer_support", fromlist=["victim_transfer"]).victim_transfer(net)


def _import_batch(net):
    return __import__("tests.imports_support", fromlist=["victim_batch"]).victim_batch(net)


def _api(net):
    return __import__("tests.api_support", fromlist=["victim_client"])


def _budget(net):
    return __import__("tests.budget_support", fromlist=["victim"]).victim(net)


MATRIX: dict[str, Route] = {
    "static": Route("public", args=lambda net: {"filename": "css/rete.css"}),
    "core.home": Route("own"),
    # A queue of the caller's own work ("vedi tutti"); a queue not theirs is a 404.
    "core.queue_list": Route("own", args=lambda net: {"key": "referrals.to_decide"}),
    "core.accessibility": Route("public"),
    "core.privacy": Route("public"),
    "core.feedback": Route("public", form=lambda net: {"message": "Prova di isolamento"}),
    "core.set_language": Route("public", form=lambda net: {"lang": "it", "next": "/"}),
    "core.health": Route("public"),
    "core.health_live": Route("public"),
    "core.health_ready": Route("public"),
    "guide.index": Route("own"),  # the same help for everyone; no tenant data
    "guide.page": Route("own", args=lambda net: {"slug": "segnalazione"}),
    "accounts.login": Route("public"),
    "accounts.choose_tenant": Route("own"),
    "accounts.logout": Route("own"),
    "accounts.forgot_password": Route("public", form=lambda net: {"email": "nessuno@x.example"}),
    "accounts.reset_password": Route("public", args=lambda net: {"token": "non-valido"}),
    "accounts.accept_invitation": Route("public", args=lambda net: {"token": "non-valido"}),
    "accounts.change_password": Route("own"),
    "accounts.users": Route("own"),
    "accounts.invite": Route("own"),
    "accounts.deactivate": Route(
        "foreign", args=_membership, form=lambda net: {"version": net.memberships["a_operator"].version}
    ),
    "accounts.sessions": Route("own"),
    "accounts.end_session": Route("foreign", args=_victim_session),  # another user's session: 404
    "accounts.end_other_sessions": Route("own"),
    # The caller's own session only (no id to aim): how long it has left, and "stay signed in".
    "accounts.session_time": Route("own"),
    "accounts.session_extend": Route("own", form=lambda net: {}),
    # SPID/CIE: the redirect to the identity provider and its return (without a provider configured: 404).
    "identity.start": Route("public"),
    "identity.callback": Route("public"),
    "identity.fiscal_code": Route("foreign", args=_membership, form=lambda net: {"fiscal_code": ""}),
    "identity.password_sign_in": Route("own", form=lambda net: {"disabled": "0"}),
    "two_factor.verify": Route("public"),  # without a pending login it sends back to /accesso
    "two_factor.setup": Route("own"),
    "two_factor.recovery": Route("own", form=lambda net: {"codes-password": "non-la-password"}),
    "two_factor.reset": Route(
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
    # --- bulk import (an antenna's own batches; another tenant's batch is a 404, other roles 403) ---
    "imports.index": Route("own"),
    "imports.columns": Route("foreign", args=_import_batch),
    "imports.detail": Route("foreign", args=_import_batch),
    "imports.progress": Route("foreign", args=_import_batch),
    "imports.start": Route("foreign", args=_import_batch, form=lambda net: {"version": 1}),
    "imports.undo": Route("foreign", args=_import_batch, form=lambda net: {"version": 1}),
    "imports.confirm": Route("foreign", args=_import_batch, form=lambda net: {"version": 1}),
    "imports.discard": Route("foreign", args=_import_batch, form=lambda net: {"version": 1}),
    # --- cases ---
    "cases.index": Route("own"),
    "cases.detail": Route("foreign", args=lambda net: {"case_id": net.case.id}, victim="n1"),
    "cases.diary_add": Route(
        "foreign", args=lambda net: {"case_id": net.case.id}, form=lambda net: {"text": "VITTIMA-SEGRETO-7731"}, victim="n1",
    ),
    # The victim's diary entry, document and delivery (created on demand by tests/story_support.py).
    "cases.diary_edit": Route(
        "foreign", args=lambda net: {"entry_id": _story(net).diary_entry(net).id},
        form=lambda net: {"version": 1, "text": "VITTIMA-SEGRETO-7731"}, victim="n1",
    ),
    "cases.document_upload": Route("foreign", args=lambda net: {"case_id": net.case.id}, victim="n1"),
    "cases.document_download": Route(
        "foreign", args=lambda net: {"document_id": _story(net).case_document(net).id}, victim="n1",
    ),
    "budget.delivery_documents": Route(
        "foreign", args=lambda net: {"delivery_id": _story(net).delivery(net).id}, victim="n1",
    ),
    # The old address of the page above: the same redirect for any id, existing or not (reveals nothing).
    "cases.delivery_documents_moved": Route("public", args=lambda net: {"delivery_id": _story(net).delivery(net).id}),
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
    "cases.order_action": Route("foreign", args=lambda net: {"action_id": net.action.id}, form=lambda net: {}, victim="n1"),
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
    # The legal path of the victim's case (its hearing and fund request: tests/legal_support.py).
    "cases.legal_edit": Route(
        "foreign", args=lambda net: {"case_id": net.case.id},
        form=lambda net: {"version": "0", "action_type": "complaint", "counsel": "VITTIMA-SEGRETO-7731", "outcome": "pending"},
        victim="n1",
    ),
    "cases.legal_deadline_add": Route(
        "foreign", args=lambda net: {"case_id": net.case.id},
        form=lambda net: {"due_on": "2026-04-02", "kind": "hearing", "note": "VITTIMA-SEGRETO-7731"}, victim="n1",
    ),
    "cases.legal_deadline_edit": Route(
        "foreign", args=lambda net: {"deadline_id": _legal(net)["deadline_id"]},
        form=lambda net: {"version": "1", "due_on": "2026-04-02", "kind": "other", "note": ""}, victim="n1",
    ),
    "cases.legal_fund_add": Route(
        "foreign", args=lambda net: {"case_id": net.case.id},
        form=lambda net: {"fund": "regional_victims", "requested": "10,00", "requested_on": "2026-03-02"}, victim="n1",
    ),
    "cases.legal_fund_edit": Route(
        "foreign", args=lambda net: {"request_id": _legal(net)["request_id"]},
        form=lambda net: {"version": "1", "fund": "regional_victims", "requested": "10,00", "requested_on": "2026-03-02"},
        victim="n1",
    ),
    # Transfers (tests/transfer_support.py): the victim's case proposed by N1 to a third node N3 of the
    # region, so N2 too is an outsider; the page and answers belong to the two nodes' coordinators only.
    "cases.transfer_propose": Route(
        "foreign", args=lambda net: {"case_id": net.case.id},
        form=lambda net: {"version": net.case.version, "target": net.tenants["n2"].id, "reason": "prova"}, victim="n1",
    ),
    "cases.transfer_list": Route("own"),
    "cases.transfer_detail": Route("foreign", args=lambda net: {"transfer_id": _transfer(net).id}, victim="n1"),
    "cases.transfer_accept": Route(
        "foreign", args=lambda net: {"transfer_id": _transfer(net).id}, form=lambda net: {"version": 1}, victim="n1",
    ),
    "cases.transfer_decline": Route(
        "foreign", args=lambda net: {"transfer_id": _transfer(net).id},
        form=lambda net: {"version": 1, "reason": "prova"}, victim="n1",
    ),
    "cases.transfer_withdraw": Route(
        "foreign", args=lambda net: {"transfer_id": _transfer(net).id}, form=lambda net: {"version": 1}, victim="n1",
    ),
    # Public offices (tests/office_support.py): N1's victim action referred to its office F, which no attacker
    # belongs to (E, another office of N1, included; F's note holds the victim mark). The list is the office's own.
    "cases.office_referrals": Route("own"),
    "cases.office_referral": Route(
        "foreign", args=lambda net: {"referral_id": _office(net).id},
        form=lambda net: {"version": 1, "note": "VITTIMA-SEGRETO-7731"}, victim="n1",
    ),
    "documents.analytical_record_pdf": Route("foreign", args=lambda net: {"case_id": net.case.id}, victim="n1"),
    "documents.new_letter": Route("foreign", args=lambda net: {"case_id": net.case.id}, victim="n1",
                                  form=lambda net: {"kind": "acceptance", "language": "it"}),
    # the node's own letter templates: every query is scoped to the current tenant (and RLS)
    "documents.letter_templates": Route("own"),
    "documents.edit_letter_template": Route("own", args=lambda net: {"kind": "acceptance", "language": "it"},
                                            form=lambda net: {"version": "0", "subject": "Intrusa", "body": "Intrusa"}),
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
    # Identity search aimed at the victim's person by codice fiscale (posted; lower case, since the form
    # echoes what was typed): others find nothing or get 403.
    "people.find": Route(
        "own", form=lambda net: {"tax_code": __import__("tests.network", fromlist=["x"]).VICTIM_TAX_CODE.lower()}
    ),
    "people.compare": Route("foreign", args=lambda net: {"person_id": net.person.id, "other_id": net.person.id}),
    "people.accesses": Route("foreign", args=lambda net: {"person_id": net.person.id}),
    "people.requests": Route(
        "foreign", args=lambda net: {"person_id": net.person.id}, form=lambda net: {"kind": "erasure", "reference": "X", "confirm_erasure": "y"}
    ),
    "people.close_request": Route("foreign", args=lambda net: {"person_id": net.person.id, "request_id": 1}),
    "people.export": Route("foreign", args=lambda net: {"person_id": net.person.id}),
    "people.export_html": Route("foreign", args=lambda net: {"person_id": net.person.id}),
    "people.export_pdf": Route("foreign", args=lambda net: {"person_id": net.person.id}),
    # --- budget ---
    "budget.index": Route("own"),
    "budget.settle": Route(
        "foreign", args=lambda net: {"budget_id": _budget(net)["budget"].id},
        form=lambda net: {"version": _budget(net)["budget"].version, "note": "VITTIMA-SEGRETO-7731"}, victim="n1",
    ),
    "budget.export_xlsx": Route("own"),
    "budget.export_csv": Route("own"),
    "budget.contracts": Route("own"),
    "budget.new_contract": Route("own"),
    "budget.internal_costs": Route("own"),
    "budget.orders": Route("own"),
    # Rows of N1 shared with another provider Q: the provider P is an attacker too (tests/budget_support.py).
    "budget.contract": Route("foreign", args=lambda net: {"contract_id": _budget(net)["contract"].id}, victim="n1"),
    "budget.statement_xlsx": Route("foreign", args=lambda net: {"contract_id": _budget(net)["contract"].id}, victim="n1"),
    "budget.statement_csv": Route("foreign", args=lambda net: {"contract_id": _budget(net)["contract"].id}, victim="n1"),
    "budget.new_order": Route(
        "foreign", args=lambda net: {"contract_id": _budget(net)["contract"].id},
        form=lambda net: {"action": _budget(net)["action"].id, "line": _budget(net)["contract"].lines[0].id, "quantity": "1"},
        victim="n1",
    ),
    "budget.new_invoice": Route(
        "foreign", args=lambda net: {"contract_id": _budget(net)["contract"].id},
        form=lambda net: {"number": "X-1", "issued_on": "2026-03-02", "amount": "1,00"}, victim="n1",
    ),
    "budget.invoice_step": Route(
        "foreign", args=lambda net: {"invoice_id": _budget(net)["invoice"].id},
        form=lambda net: {"version": _budget(net)["invoice"].version, "step": "verify"}, victim="n1",
    ),
    "budget.order": Route(
        "foreign", args=lambda net: {"order_id": _budget(net)["order"].id},
        form=lambda net: {"delivered_on": "2026-03-02", "units": "1", "attended": "y", "note": "VITTIMA-SEGRETO-7731"},
        victim="n1",
    ),
    "budget.review": Route(
        "foreign", args=lambda net: {"delivery_id": _budget(net)["delivery"].id},
        form=lambda net: {"version": _budget(net)["delivery"].version, "decision": "approve"}, victim="n1",
    ),
    # Budget controls: N1's rows shared with provider Q, N1's case, sample check and budget line.
    "budget.order_status": Route(
        "foreign", args=lambda net: {"order_id": _budget(net)["order"].id},
        form=lambda net: {"version": _budget(net)["order"].version, "step": "close", "reason": "VITTIMA-SEGRETO-7731"}, victim="n1",
    ),
    "budget.edit_delivery": Route(
        "foreign", args=lambda net: {"delivery_id": _budget(net)["delivery"].id},
        form=lambda net: {"version": _budget(net)["delivery"].version, "delivered_on": "2026-03-02", "units": "1"}, victim="n1",
    ),
    "budget.edit_contract": Route(
        "foreign", args=lambda net: {"contract_id": _budget(net)["contract"].id},
        form=lambda net: {"version": _budget(net)["contract"].version, "title": "VITTIMA-SEGRETO-7731"}, victim="n1",
    ),
    "budget.edit_line": Route(
        "foreign", args=lambda net: {"line_id": _budget(net)["budget"].lines[0].id},
        form=lambda net: {"version": "1", "title": "VITTIMA-SEGRETO-7731", "allocated": "1,00"}, victim="n1",
    ),
    "budget.identity_grants": Route(
        "foreign", args=lambda net: {"case_id": net.case.id},
        form=lambda net: {"provider": _budget(net)["q"].id, "reason": "VITTIMA-SEGRETO-7731"}, victim="n1",
    ),
    "budget.revoke_grant": Route(
        "foreign", args=lambda net: {"grant_id": _budget(net)["grant"].id}, form=lambda net: {"version": "1"}, victim="n1",
    ),
    "budget.controls_index": Route("own"),
    "budget.draw_sample": Route("own", form=lambda net: {"provider": _budget(net)["q"].id, "size": "1"}),
    "budget.sample_check": Route("foreign", args=lambda net: {"check_id": _budget(net)["check"].id}, victim="n1"),
    "budget.verify_item": Route(
        "foreign", args=lambda net: {"item_id": _budget(net)["item"].id},
        form=lambda net: {f"v{_budget(net)['item'].id}-version": "1", f"v{_budget(net)['item'].id}-outcome": "confirmed"},
        victim="n1",
    ),
    "budget.scorecards": Route("own"),
    "budget.provider_scorecard": Route("foreign", args=lambda net: {"provider_id": _budget(net)["q"].id}, victim="n1"),
    # --- alerts: node roles only; N1's alert and security alert are "foreign" to everyone else ---
    "alerts.index": Route("own"),
    "alerts.detail": Route("foreign", args=lambda net: _alerts("alert_args", net), victim="n1"),
    "alerts.move": Route(
        "foreign", args=lambda net: _alerts("alert_args", net), victim="n1",
        form=lambda net: {"res-version": _alerts("victim_alert", net).version, "azione": "resolve", "res-note": "VITTIMA-SEGRETO-7731"},
    ),
    "alerts.rules": Route("own"),
    "alerts.edit_rule": Route(
        "own", args=lambda net: {"rule": "referral_undecided"}, form=lambda net: {"referral_undecided-version": "1"},
    ),
    "alerts.security_list": Route("own"),
    "alerts.security_detail": Route("foreign", args=lambda net: _alerts("security_args", net), victim="n1"),
    "alerts.security_move": Route(
        "foreign", args=lambda net: _alerts("security_args", net), victim="n1",
        form=lambda net: {"ack-version": _alerts("victim_security_alert", net).version, "azione": "acknowledge"},
    ),
    # --- forum ---
    # The forum is the network's shared space: reading and posting are "own" (the pages must still never
    # show antenna A's users); editing, moderating and validating A's thread are "foreign" (403/404).
    "forum.index": Route("own"),
    "forum.new_thread": Route("own"),
    "forum.thread": Route("own", args=lambda net: _forum("thread_args", net)),
    "forum.reply": Route("own", args=lambda net: _forum("thread_args", net), form=lambda net: {"body": "Grazie"}),
    "forum.edit_post": Route(
        "foreign", args=lambda net: _forum("post_args", net), form=lambda net: {"body": "VITTIMA-SEGRETO-7731"}
    ),
    "forum.report": Route("own", args=lambda net: _forum("post_args", net), form=lambda net: {"reason": "Prova"}),
    "forum.moderate_post": Route("foreign", args=lambda net: _forum("post_args", net), form=lambda net: {"action": "hide"}),
    "forum.moderate_thread": Route(
        "foreign", args=lambda net: _forum("thread_args", net), form=lambda net: {"action": "hide"}
    ),
    "forum.validate": Route("foreign", args=lambda net: _forum("thread_args", net), form=lambda net: {"action": "validate"}),
    "forum.practices": Route("own"),
    "forum.search": Route("own", args=lambda net: {"q": "scheda"}),
    "forum.subscriptions": Route("own", form=lambda net: {"thread_id": _forum("thread_args", net)["thread_id"]}),
    "forum.reports": Route("own"),
    # A post's file: any member of the network may download it (the row points at no file: 404 to all).
    "forum.download": Route("own", args=lambda net: _forum("attachment_args", net)),
    # Network directory (/rete): shared reading; A's entry is edited only by A's admin or node N1.
    "directory.index": Route("own"),
    "directory.mine": Route("own"),
    "directory.detail": Route("own", args=lambda net: _forum("entry_args", net)),
    "directory.edit": Route(
        "foreign", args=lambda net: _forum("entry_args", net),
        form=lambda net: {"version": "1", "services": "VITTIMA-SEGRETO-7731"},
    ),
    "directory.add_point": Route("foreign", args=lambda net: _forum("entry_args", net), form=lambda net: {"name": "X"}),
    "directory.remove_point": Route("foreign", args=lambda net: _forum("point_args", net)),
    "directory.edit_point": Route("foreign", args=lambda net: _forum("point_args", net),
                                  form=lambda net: {"version": "1", "name": "VITTIMA-SEGRETO-7731"}),
    "directory.by_slug": Route("own", args=lambda net: {"slug": net.tenants["a"].slug}),
    # The node's network pages (/rete/punti, formazione, avvisi, candidature): N1's coordinator only.
    "network.points": Route("own"),
    "network.activation": Route("foreign", args=lambda net: _network("point_args", net),
                                form=lambda net: {"version": "1", "active": "1"}, victim="n1"),
    "network.add_agreement": Route("own", form=lambda net: {"organisation_id": str(net.tenants["a"].id)}),
    "network.agreement_document": Route("foreign", args=lambda net: _network("agreement_args", net), victim="n1"),
    "network.courses": Route("own"),
    "network.course": Route("foreign", args=lambda net: _network("course_args", net),
                            form=lambda net: {"email": net.users["a_operator"].email}, victim="n1"),
    "network.calls": Route("own"),
    "network.applications_list": Route("own"),
    "network.application": Route("foreign", args=lambda net: _network("application_args", net),
                                 form=lambda net: {"version": "1", "decision": "reject", "message": "X"}, victim="n1"),
    "network.application_attachment": Route("foreign", args=lambda net: _network("application_args", net), victim="n1"),
    # Public door of a call: anyone applies; following needs the application's token (a wrong one is 404).
    "network_public.apply": Route("public", args=lambda net: _network("call_args", net)),
    "network_public.follow": Route("public", args=lambda net: _network("follow_args", net)),
    # Network groups (/rete/gruppi): N1's cabina di regia with members N1 and A. The group page is the
    # network's; meetings and minutes (holding the victim mark) only members'; managing only N1's coordinator.
    "governance.index": Route("own"),
    "governance.new_group": Route("own", form=lambda net: {"name": "Gruppo di prova", "kind": "other"}),
    "governance.group": Route("own", args=lambda net: _forum("group_args", net)),
    "governance.edit_group": Route(
        "foreign", args=lambda net: _forum("group_args", net), form=lambda net: {"version": "1", "name": "X", "kind": "other"}
    ),
    "governance.new_meeting": Route(
        "foreign", args=lambda net: _forum("group_args", net),
        form=lambda net: {"held_on": "2026-03-02", "place": "X", "agenda": "VITTIMA-SEGRETO-7731"},
    ),
    "governance.meeting": Route("foreign", args=lambda net: _forum("meeting_args", net)),
    "governance.edit_meeting": Route(
        "foreign", args=lambda net: _forum("meeting_args", net),
        form=lambda net: {"version": "1", "held_on": "2026-03-02", "place": "X", "agenda": "Y"},
    ),
    "governance.minutes": Route("foreign", args=lambda net: _forum("meeting_args", net), form=lambda net: {"body": "X"}),
    "governance.approve": Route("foreign", args=lambda net: _forum("meeting_args", net), form=lambda net: {"version": "1"}),
    "governance.minutes_file": Route("foreign", args=lambda net: _forum("meeting_args", net)),
    # --- monitoring --- aggregates of the caller's own tenant only (the scoping layer); no object ids.
    "monitoring.node": Route("own"),
    "monitoring.antenna": Route("own"),
    "monitoring.report_page": Route("own"),
    "monitoring.report_xlsx": Route("own"),
    "monitoring.report_pdf": Route("own"),
    "monitoring.open_data": Route("own"),
    "monitoring.open_data_csv": Route("own"),
    "monitoring.open_data_schema": Route("public"),
    # --- exports on the job queue: asking is for the caller's own tenant; a job is its tenant's (same role).
    "exports.ask": Route("own", args=lambda net: {"kind": "monitoring.open_data_csv"},
                         form=lambda net: {"dal": "2026-01-01", "al": "2026-06-30"}),
    "exports.follow": Route("foreign", args=lambda net: _export(net), victim="n1"),
    "exports.status": Route("foreign", args=lambda net: _export(net), victim="n1"),
    "exports.download": Route("foreign", args=lambda net: _export(net), victim="n1"),
    # --- notifications --- the caller's own, in the current tenant; another user's or tenant's is 404.
    "notifications.index": Route("own"),
    "notifications.bell": Route("own"),
    "notifications.mark_all_read": Route("own"),
    "notifications.mark_read": Route("foreign", args=lambda net: _notifications("notification_args", net)),
    # The outbox: the system admin's, of their own tenant; N1's failed mail carries the victim mark.
    "notifications.outbox_index": Route("own"),
    "notifications.outbox_retry_failed": Route("own"),
    "notifications.outbox_retry": Route("foreign", args=lambda net: _notifications("outbox_args", net), victim="n1"),
    # --- public reports --- the public door needs no tenant; a file id of the victim's report without the
    # receipt code's session is 404. The node's pages: another node's report is 404, antennas get 403.
    "reports_public.index": Route("public"),
    "reports_public.new": Route("public", form=lambda net: {"what": "X", "context": "work", "reporter_kind": "victim"}),
    "reports_public.follow": Route("public", form=lambda net: {"code": "0000000000000000"}),
    "reports_public.status": Route("public", form=lambda net: {"body": "X"}),
    "reports_public.download": Route("public", args=lambda net: {"file_id": _reports(net)["file_id"]}),
    "reports_public.leave": Route("public"),
    "reports_node.index": Route("own"),
    "reports_node.detail": Route("foreign", args=lambda net: {"report_id": _reports(net)["report_id"]}, victim="n1"),
    "reports_node.message": Route(
        "foreign", args=lambda net: {"report_id": _reports(net)["report_id"]},
        form=lambda net: {"version": _reports(net)["version"], "body": "X"}, victim="n1",
    ),
    "reports_node.close": Route(
        "foreign", args=lambda net: {"report_id": _reports(net)["report_id"]},
        form=lambda net: {"version": _reports(net)["version"], "reason": "other"}, victim="n1",
    ),
    "reports_node.convert": Route(
        "foreign", args=lambda net: {"report_id": _reports(net)["report_id"]},
        form=lambda net: {"version": _reports(net)["version"]}, victim="n1",
    ),
    "reports_node.download": Route("foreign", args=lambda net: {"file_id": _reports(net)["file_id"]}, victim="n1"),
    # --- regional centre: its own nodes' suppressed summaries; everyone else 403 ---
    # The public lists: open calls and active information points (published text only).
    "network_lists.open_calls": Route("public"),
    "network_lists.public_points": Route("public"),
    "region.index": Route("own"),
    # The region's nodes with their coordinators' names and work addresses (by design), nothing else.
    "region.nodes": Route("own", victim="n1",
                          shows=lambda net: [net.users["n1_coordinator"].email, net.users["n1_coordinator"].full_name]),
    "region.export_csv": Route("own", args=lambda net: {"quarter": "2026-Q1"}),
    "region.export_xlsx": Route("own", args=lambda net: {"quarter": "2026-Q1"}),
    # --- API (portal/api): API routes are called with a client key of the attacker's tenant ---
    "api-docs.openapi_json": Route("public"),
    "api_admin.docs": Route("public"),
    "api_admin.index": Route("own"),
    "api_admin.deliveries": Route("own"),
    "api_admin.revoke": Route("foreign", args=lambda net: {"client_id": _api(net).victim_client(net).id}),
    "api_admin.subscriptions": Route("foreign", args=lambda net: {"client_id": _api(net).victim_client(net).id},
                                     form=lambda net: {"url": "https://x.example/h", "events": "order.created"}),
    "api_admin.unsubscribe": Route("foreign", args=lambda net: {
        "client_id": _api(net).victim_client(net).id, "subscription_id": _api(net).victim_subscription(net).id}),
    "api.open_data": Route("own", api=True),
    "api.referral_list": Route("own", api=True),
    "api.referral_create": Route("own", api=True, form=lambda net: {"context": "work"}),
    "api.referral": Route("foreign", api=True, args=lambda net: {"referral_id": net.referral.id}),
    "api.referral_identity": Route("foreign", api=True, args=lambda net: {"referral_id": net.referral.id}),
    "api.referral_submit": Route("foreign", api=True, args=lambda net: {"referral_id": net.referral.id},
                                 form=lambda net: {"version": net.referral.version}),
    "api.referral_attachments": Route("foreign", api=True, args=lambda net: {"referral_id": net.referral.id}),
    "api.directory_list": Route("own", api=True),
    "api.case_list": Route("own", api=True),
    "api.case": Route("foreign", api=True, args=lambda net: {"case_id": net.case.id}, victim="n1"),
    "api.order_list": Route("own", api=True),
    # An order of N1 with another provider Q: provider P's system must not log on it.
    "api.delivery_create": Route(
        "foreign", api=True, args=lambda net: {"order_id": _budget(net)["order"].id},
        form=lambda net: {"delivered_on": "2026-03-02", "units": "1"}, victim="n1"),
    "api.webhook_list": Route("own", api=True),
    "api.webhook_create": Route("own", api=True, form=lambda net: {"url": "ftp://x", "events": []}),
    "api.webhook_delete": Route(
        "foreign", api=True, args=lambda net: {"subscription_id": _api(net).victim_subscription(net).id}),
}


def _export(net):
    return __import__("tests.export_support", fromlist=["victim_job"]).victim_job(net)


def _reports(net):
    return __import__("tests.report_support", fromlist=["victim_report"]).victim_report(net)


def _forum(name, net):
    return getattr(__import__("tests.forum_support", fromlist=[name]), name)(net)


def _network(name, net):
    return getattr(__import__("tests.network_support", fromlist=[name]), name)(net)


def _alerts(name, net):
    return getattr(__import__("tests.alerts_support", fromlist=[name]), name)(net)


def _notifications(name, net):
    return getattr(__import__("tests.notifications_support", fromlist=[name]), name)(net)
