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
    # --- cases ---
    # --- people ---
}
