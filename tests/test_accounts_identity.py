"""SPID/CIE sign-in through a real OpenID Connect provider (tests/oidc_provider.py): linking by the fiscal code,
refusals (no match, level of assurance), the second factor, the organisation's password switch, the admin page."""
from urllib.parse import urlsplit

import pyotp
import pytest
from sqlalchemy import select

from portal.accounts import identity, services
from portal.accounts.models import User, UserSession
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.tenancy import context
from portal.tenancy.models import Tenant

from .helpers import field_error, log_in, post_form
from .oidc_provider import SPID_L1, SPID_L2, SPID_L3, fiscal_code, provider_app, spid_sign_in

CODES = {key: fiscal_code(stem) for key, stem in {
    "n1_case_worker": "RSSMRA80A01F952", "a_operator": "BNCLCU85M41L219", "a_admin": "VRDGPP70C10F205",
    "b_operator": "NRELNE90D50H501"}.items()}


@pytest.fixture(scope="module")
def app(database, mail_server, oidc_provider):
    return provider_app(database, mail_server, oidc_provider)


@pytest.fixture
def linked(network):
    """Fiscal codes recorded for a few users, as their administrators would."""
    for key, code in CODES.items():
        with context.acting_as(network.tenants[key.split("_")[0]].id):
            identity.set_fiscal_code(network.users[key], code)
    db.session.flush()
    return network


@pytest.fixture(autouse=True)
def audited(monkeypatch):
    """Audit actions as the services record them (each call still writes its row). On PostgreSQL the app's
    role may insert the tenantless sign-in events but not read them back, hence the list."""
    calls = []
    for module in (identity, services):
        real = module.record
        monkeypatch.setattr(module, "record", lambda action, *a, _real=real, **k: (calls.append(action), _real(action, *a, **k))[1])
    return calls


def actions(audited, *names):
    return [action for action in audited if action in names]


def test_fiscal_code_claim_signs_in_the_linked_user_with_a_revocable_session(app, oidc_provider, linked, audited):
    client = app.test_client()
    response = spid_sign_in(client, oidc_provider, "mario", CODES["n1_case_worker"], next_url="/profilo/sessioni")
    assert response.status_code == 302 and response.location.endswith("/profilo/sessioni")
    page = client.get("/profilo/sessioni")
    assert page.status_code == 200 and linked.users["n1_case_worker"].full_name in page.get_data(as_text=True)
    user_id = linked.users["n1_case_worker"].id
    assert db.session.scalar(select(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None)))
    assert actions(audited, "login.identity_success", "login.success") == ["login.identity_success", "login.success"]
    if db.engine.dialect.name == "sqlite":  # the rows themselves (RLS keeps them from the app role on PostgreSQL)
        with context.system("test: read the audit"):
            assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login.identity_success",
                                                              AuditEvent.actor_user_id == user_id))


def test_no_matching_fiscal_code_is_refused_with_a_clear_message(app, oidc_provider, linked, audited):
    client = app.test_client()
    response = spid_sign_in(client, oidc_provider, "sconosciuto", fiscal_code("GLLPLA75B12L219"))
    assert response.status_code == 302 and response.location.endswith("/accesso")
    page = client.get("/accesso").get_data(as_text=True)
    assert "Non risulta un utente di Rete con il codice fiscale" in page
    assert client.get("/", follow_redirects=False).status_code == 302  # still signed out
    assert actions(audited, "login.identity_no_match") == ["login.identity_no_match"]
    # An identity without any fiscal code claim is refused the same way (never matched on something else).
    assert spid_sign_in(app.test_client(), oidc_provider, "senza-codice", None).location.endswith("/accesso")


def test_a_deactivated_user_is_refused(app, oidc_provider, linked, audited):
    linked.users["a_operator"].active = False
    db.session.flush()
    response = spid_sign_in(app.test_client(), oidc_provider, "lucia", CODES["a_operator"])
    assert response.location.endswith("/accesso")
    assert actions(audited, "login.identity_no_match") == ["login.identity_no_match"]


def test_node_roles_need_the_configured_level_of_assurance(app, oidc_provider, linked, audited):
    response = spid_sign_in(app.test_client(), oidc_provider, "mario", CODES["n1_case_worker"], acr=SPID_L1)
    client = app.test_client()
    assert response.location.endswith("/accesso")
    assert actions(audited, "login.identity_level_too_low") == ["login.identity_level_too_low"]
    # An antenna operator may use level 1 (OIDC_OTHER_ROLES_ACR); an unknown acr opens nothing.
    assert spid_sign_in(client, oidc_provider, "lucia", CODES["a_operator"], acr=SPID_L1).location.endswith("/")
    refused = spid_sign_in(app.test_client(), oidc_provider, "lucia2", CODES["a_operator"], acr="urn:sconosciuto")
    assert refused.location.endswith("/accesso")
    app.config["OIDC_NODE_ROLES_ACR"] = SPID_L3
    try:
        assert spid_sign_in(app.test_client(), oidc_provider, "m3", CODES["n1_case_worker"]).location.endswith("/accesso")
        assert spid_sign_in(app.test_client(), oidc_provider, "m4", CODES["n1_case_worker"], acr=SPID_L3).location.endswith("/")
    finally:
        app.config["OIDC_NODE_ROLES_ACR"] = SPID_L2


def test_level_two_counts_as_the_second_factor(app, oidc_provider, linked):
    user = linked.users["a_operator"]
    user.totp_secret = pyotp.random_base32()
    db.session.flush()
    # Level 2: no code asked although the user enrolled TOTP.
    assert spid_sign_in(app.test_client(), oidc_provider, "lucia", CODES["a_operator"]).location.endswith("/")
    # Level 1: the code step comes next, still signed out.
    client = app.test_client()
    response = spid_sign_in(client, oidc_provider, "lucia1", CODES["a_operator"], acr=SPID_L1)
    assert response.location.endswith("/accesso/codice")
    assert client.get("/").status_code == 302
    # With TOTP required, node staff signed in at level 2 are not sent to enrol one.
    app.config["TOTP_REQUIRED"] = True
    try:
        client = app.test_client()
        spid_sign_in(client, oidc_provider, "mario", CODES["n1_case_worker"])
        assert client.get("/").status_code == 200
        by_password = app.test_client()
        log_in(by_password, linked.users["n1_coordinator"].email)
        assert by_password.get("/").location.endswith("/profilo/verifica-due-passaggi")
    finally:
        app.config["TOTP_REQUIRED"] = False


def test_the_organisation_can_switch_password_sign_in_off(app, oidc_provider, linked, audited):
    operator = app.test_client()
    assert log_in(operator, linked.users["a_operator"].email).status_code == 302
    assert operator.get("/").status_code == 200
    # An administrator signed in with a password may not close that door (prove SPID works first).
    by_password = app.test_client()
    log_in(by_password, linked.users["a_admin"].email)
    users_page = by_password.get("/utenti").get_data(as_text=True)
    assert "accesso con SPID/CIE</button>" in users_page
    refused = post_form(by_password, "/utenti/accesso-con-password", {"disabled": "1"}, page="/utenti")
    assert "entra prima con SPID o CIE" in by_password.get(refused.location).get_data(as_text=True)
    tenant = db.session.get(Tenant, linked.tenants["a"].id)
    db.session.refresh(tenant)
    assert not tenant.password_sign_in_disabled
    admin = app.test_client()
    spid_sign_in(admin, oidc_provider, "giuseppe", CODES["a_admin"])
    response = post_form(admin, "/utenti/accesso-con-password", {"disabled": "1"}, page="/utenti")
    assert response.status_code == 302
    tenant = db.session.get(Tenant, linked.tenants["a"].id)
    db.session.refresh(tenant)
    assert tenant.password_sign_in_disabled
    assert actions(audited, "tenant.password_sign_in_disabled") == ["tenant.password_sign_in_disabled"]
    # The operator's password session no longer opens the organisation; a new password sign-in is refused.
    assert operator.get("/").status_code != 200
    fresh = app.test_client()
    refused = log_in(fresh, linked.users["a_operator"].email)
    assert "accesso con SPID o CIE: usa il pulsante" in refused.get_data(as_text=True)
    assert fresh.get("/").status_code == 302
    assert actions(audited, "login.password_disabled") == ["login.password_disabled"]
    # Other organisations are untouched; SPID still works for antenna A.
    other = app.test_client()
    log_in(other, linked.users["b_operator"].email)
    assert other.get("/").status_code == 200
    assert spid_sign_in(app.test_client(), oidc_provider, "lucia", CODES["a_operator"]).location.endswith("/")


def test_without_an_identity_provider_the_switch_cannot_lock_anyone_out(app, linked):
    linked.tenants["a"].password_sign_in_disabled = True
    db.session.flush()
    issuer, app.config["OIDC_ISSUER"] = app.config["OIDC_ISSUER"], ""
    try:
        client = app.test_client()
        assert "Entra con SPID/CIE" not in client.get("/accesso").get_data(as_text=True)
        assert client.get("/accesso/spid").status_code == 404
        log_in(client, linked.users["a_operator"].email)
        assert client.get("/").status_code == 200
    finally:
        app.config["OIDC_ISSUER"] = issuer


def test_login_page_offers_the_spid_button_as_a_plain_link(app):
    page = app.test_client().get("/accesso").get_data(as_text=True)
    assert '<a class="btn btn-primary btn-icon rete-spid-button" href="/accesso/spid"' in page
    assert "Entra con SPID/CIE" in page


def test_a_tampered_or_denied_return_is_refused_without_error(app, oidc_provider, linked):
    client = app.test_client()
    oidc_provider.put("mario", CODES["n1_case_worker"], SPID_L2)
    start = client.get("/accesso/spid")
    back = urlsplit(oidc_provider.authorize(start.location, "mario"))
    forged = back.query.replace("state=", "state=x")
    response = client.get(f"{back.path}?{forged}")
    assert response.status_code == 302 and response.location.endswith("/accesso")
    assert "Accesso con SPID/CIE non completato" in client.get("/accesso").get_data(as_text=True)
    denied = client.get("/accesso/spid/ritorno?error=access_denied&state=abc")
    assert denied.status_code == 302 and client.get("/").status_code == 302
    # A code replayed after a successful sign-in is refused by the provider (single use).
    good = app.test_client()
    start = good.get("/accesso/spid")
    back = urlsplit(oidc_provider.authorize(start.location, "mario"))
    assert good.get(f"{back.path}?{back.query}").location.endswith("/")
    assert app.test_client().get(f"{back.path}?{back.query}").location.endswith("/accesso")


def test_admin_records_fiscal_codes_encrypted_and_unique(app, linked, audited):
    admin = app.test_client()
    log_in(admin, linked.users["a_admin"].email)
    membership = linked.memberships["a_dpo"]
    url = f"/utenti/{membership.id}/codice-fiscale"
    bad = post_form(admin, url, {"fiscal_code": "RSSMRA80A01F952A"})
    assert bad.status_code == 200 and "non è valido" in bad.get_data(as_text=True)
    assert 'value="RSSMRA80A01F952A"' in bad.get_data(as_text=True)  # the input is kept
    taken = post_form(admin, url, {"fiscal_code": CODES["b_operator"].lower()})
    assert "già associato a un altro utente" in taken.get_data(as_text=True)
    code = fiscal_code("CSTFNC60T10F952")
    assert post_form(admin, url, {"fiscal_code": f"TINIT-{code}"}).status_code == 302
    user = db.session.get(User, linked.users["a_dpo"].id)
    db.session.refresh(user)
    assert user.fiscal_code == code and code not in user.fiscal_code_enc and user.fiscal_code_bidx
    assert identity.user_by_fiscal_code(code.lower()).id == user.id
    assert actions(audited, "user.fiscal_code_set")[-1] == "user.fiscal_code_set"
    # Another organisation's membership is not found; an operator may not edit codes.
    assert admin.get(f"/utenti/{linked.memberships['b_operator'].id}/codice-fiscale").status_code == 404
    operator = app.test_client()
    log_in(operator, linked.users["a_operator"].email)
    assert operator.get(url).status_code == 403


def test_a_user_of_several_organisations_is_recorded_only_by_their_node(app, linked):
    from .factories import MembershipFactory

    MembershipFactory(user=linked.users["a_operator"], tenant=linked.tenants["n2"],
                      role=linked.memberships["n2_case_worker"].role)
    db.session.flush()
    admin = app.test_client()
    log_in(admin, linked.users["a_admin"].email)
    response = post_form(admin, f"/utenti/{linked.memberships['a_operator'].id}/codice-fiscale", {"fiscal_code": ""})
    html = response.get_data(as_text=True)
    # Not the code typed but the person: said at the top of the form, not under the field.
    assert "<li>Questa persona ha accesso anche ad altre organizzazioni" in html
    assert field_error(html, "fiscal_code") is None
    assert db.session.get(User, linked.users["a_operator"].id).fiscal_code == CODES["a_operator"]


def test_fiscal_code_normalisation():
    assert identity.normalise_fiscal_code(" tinit-rssmra80a01f952x ") == "RSSMRA80A01F952X"
    assert identity.normalise_fiscal_code("RSSMRA80A01F952X") == "RSSMRA80A01F952X"
    assert identity.normalise_fiscal_code("") is None


def test_production_needs_an_https_identity_provider(monkeypatch):
    from portal.config import ConfigError, load_config

    from .test_config_security import _production

    _production(monkeypatch, RETE_OIDC_ISSUER="http://proxy.example")
    with pytest.raises(ConfigError, match="RETE_OIDC_ISSUER"):
        load_config()
    monkeypatch.setenv("RETE_OIDC_ISSUER", "https://proxy.example")
    assert load_config()["OIDC_ISSUER"] == "https://proxy.example"
