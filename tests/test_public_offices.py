"""The Provincia's own offices (employment centres, education and orientation, labour) and the equality
adviser: antennas that refer to the node, and offices a pathway's action is addressed to."""
from datetime import date
from decimal import Decimal

import pytest
from flask import g
from flask_login import login_user
from sqlalchemy import select

from portal.cases.models import Action, Case
from portal.cases.pathway import plan_action
from portal.cases.services import CaseError
from portal.extensions import db
from portal.network.models import Application
from portal.referrals.models import ReferralState
from portal.tenancy import context
from portal.tenancy.models import KIND_LABELS, PUBLIC_OFFICE_KINDS, TenantKind

from .case_support import post
from .factories import TenantFactory
from .helpers import csrf_token
from .network_support import VALID_VAT, n1_rows
from .referral_support import post_new, referral_by_key


def _plan(client, case_id, **fields):
    data = {"service_type": "job_matching", "phase": "job_insertion", "provider": "", "office": "",
            "planned_start": "2026-04-01", "planned_end": "", "planned_hours": "6", "notes": ""}
    data.update(fields)
    return post(client, f"/casi/{case_id}/azioni/nuova", data)


def _actions(net):
    # populate_existing: fresh values without expiring the network's rows (under RLS they reload only
    # as their own tenant).
    with context.acting_as(net.tenants["n1"].id):
        return list(db.session.scalars(
            select(Action).execution_options(populate_existing=True).where(Action.case_id == net.case.id, Action.id != net.action.id).order_by(Action.id)))


def test_the_new_kinds_have_labels():
    for kind in (TenantKind.EMPLOYMENT_CENTRE, TenantKind.EDUCATION_GUIDANCE_OFFICE, TenantKind.LABOUR_OFFICE):
        assert kind in KIND_LABELS and kind in PUBLIC_OFFICE_KINDS
    assert str(KIND_LABELS[TenantKind.EMPLOYMENT_CENTRE]) == "Centro per l'impiego"


def test_an_employment_centre_refers_to_its_node(login, network, session):
    operator = login("e_operator")
    assert operator.get("/segnalazioni/nuova").status_code == 200
    response, key = post_new(operator)
    assert response.status_code == 302
    referral = referral_by_key(session, network.tenants["e"], key)
    assert referral.state == ReferralState.SUBMITTED and referral.tenant_id == network.tenants["e"].id
    # The node sees it, with the office named as the referrer; the other node does not.
    page = login("n1_coordinator").get(f"/segnalazioni/{referral.id}").get_data(as_text=True)
    assert "Centro per l&#39;impiego di prova" in page or "Centro per l'impiego di prova" in page
    assert login("n2_coordinator").get(f"/segnalazioni/{referral.id}").status_code in (403, 404)


def test_an_action_is_addressed_to_an_office(login, network):
    client = login("n1_case_worker")
    office = network.tenants["e"]
    form = client.get(f"/casi/{network.case.id}/azioni/nuova").get_data(as_text=True)
    assert "Ufficio pubblico coinvolto" in form and "Centro per l&#39;impiego di prova" in form
    assert "Antenna Alfa" not in form.split('name="office"')[1].split("</select>")[0]  # offices only
    response = _plan(client, network.case.id, office=str(office.id))
    assert response.status_code == 302
    [action] = _actions(network)
    assert action.office_id == office.id and action.provider_id is None
    page = client.get(f"/casi/{network.case.id}").get_data(as_text=True)
    assert "Con: Centro per l&#39;impiego di prova" in page
    # Changeable afterwards (nothing was shared with the office), and back to none.
    edit = f"/casi/azioni/{action.id}"
    assert post(client, edit, {"service_type": "job_matching", "phase": "job_insertion", "office": "",
                               "planned_start": "2026-04-01", "planned_end": "", "planned_hours": "6", "notes": "",
                               "version": str(action.version)}, page=edit).status_code == 302
    assert _actions(network)[0].office_id is None
    # The office itself sees nothing of the case.
    assert login("e_operator").get(f"/casi/{network.case.id}").status_code in (403, 404)


def test_an_action_is_not_addressed_to_anyone_else(app, login, network):
    client = login("n1_case_worker")
    other_nodes_office = TenantFactory(slug="cpi-altrove", name="CPI di un altro nodo", kind=TenantKind.EMPLOYMENT_CENTRE,
                                       node=network.tenants["n2"])
    db.session.flush()
    for tenant in (network.tenants["b"], network.tenants["p"], other_nodes_office):
        response = _plan(client, network.case.id, office=str(tenant.id))
        assert response.status_code == 200, tenant.slug
    assert _actions(network) == []
    # The service refuses them too, whatever the form let through.
    n1, worker = network.tenants["n1"], network.users["n1_case_worker"]
    with app.test_request_context(), context.acting_as(n1.id, worker.id):
        login_user(worker)
        g.membership = network.memberships["n1_case_worker"]
        case = db.session.get(Case, network.case.id)
        for tenant in (network.tenants["b"], other_nodes_office):
            with pytest.raises(CaseError):
                plan_action(case, {"service_type": "job_matching", "phase": "job_insertion", "office": str(tenant.id),
                                   "planned_start": date(2026, 4, 1), "planned_hours": Decimal("6")})


def test_no_one_applies_as_a_regional_centre(client, network):
    call = n1_rows(network)["call"]
    url = f"/rete/avvisi/{call.id}/candidatura"
    page = client.get(url).get_data(as_text=True)
    assert 'value="regional_centre"' not in page and 'value="employment_centre"' in page
    data = {"organisation_name": "Finta Regione", "kind": "regional_centre", "tax_code": VALID_VAT,
            "contact_name": "X Y", "contact_email": "x@finta.example", "points-0-name": "Sportello",
            "points-0-municipality_name": "Oleggio", "csrf_token": csrf_token(client, url)}
    assert client.post(url, data=data).status_code == 400
    with context.acting_as(network.tenants["n1"].id):
        assert db.session.scalar(select(Application).where(Application.organisation_name == "Finta Regione")) is None
