"""Which memberships a sign-in opens: by password (unless the organisation switched it off) or through the
national digital identity (SPID/CIE via an OpenID Connect provider) at a level of assurance high enough for
the role.

The method and the level travel in the session; every request re-checks the chosen membership against them
(session.py), so switching password sign-in off takes effect on sessions already open.
"""
from flask import current_app, session

from .models import NODE_ROLES, Membership

PASSWORD = "password"
IDENTITY_PROVIDER = "oidc"
METHOD_KEY = "sign_in_method"
ACR_KEY = "sign_in_acr"


def identity_provider_enabled() -> bool:
    cfg = current_app.config
    return bool(cfg["OIDC_ISSUER"] and cfg["OIDC_CLIENT_ID"])


def acr_rank(acr: str | None) -> int:
    """Position of a level of assurance among the configured ones (0: unknown or none)."""
    levels = [level.strip() for level in current_app.config["OIDC_ACR_LEVELS"].split(",") if level.strip()]
    return levels.index(acr) + 1 if acr in levels else 0


def required_acr(membership: Membership) -> str:
    cfg = current_app.config
    return cfg["OIDC_NODE_ROLES_ACR"] if membership.role in NODE_ROLES else cfg["OIDC_OTHER_ROLES_ACR"]


def password_allowed(tenant) -> bool:
    # Without an identity provider the switch would lock everybody out: password stays the door.
    return not (tenant.password_sign_in_disabled and identity_provider_enabled())


def allows(membership: Membership, method: str | None, acr: str | None) -> bool:
    if method == IDENTITY_PROVIDER:
        return identity_provider_enabled() and acr_rank(acr) >= max(acr_rank(required_acr(membership)), 1)
    return password_allowed(membership.tenant)


def usable(memberships, method: str | None, acr: str | None) -> list[Membership]:
    return [m for m in memberships if allows(m, method, acr)]


def counts_as_second_factor(acr: str | None) -> bool:
    return acr_rank(acr) >= max(acr_rank(current_app.config["OIDC_SECOND_FACTOR_ACR"]), 1)


def remember(method: str, acr: str | None) -> None:
    session[METHOD_KEY] = method
    if acr:
        session[ACR_KEY] = acr


def session_method() -> tuple[str, str | None]:
    return session.get(METHOD_KEY, PASSWORD), session.get(ACR_KEY)


def session_allows(membership: Membership) -> bool:
    return allows(membership, *session_method())


def second_factor_by_identity_provider() -> bool:
    method, acr = session_method()
    return method == IDENTITY_PROVIDER and identity_provider_enabled() and counts_as_second_factor(acr)
