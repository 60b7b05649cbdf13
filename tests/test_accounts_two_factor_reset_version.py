"""Resetting a user's second factor checks the version the user list was rendered with: a list gone stale (the
access changed meanwhile) is the conflict page (409), nothing reset; the version was posted and ignored."""
from portal.accounts.models import User
from portal.extensions import db

from .helpers import post_form
from .test_accounts_two_factor import enrol, frozen_clock  # noqa: F401 - the autouse clock


def _has_factor(network, name):
    user = db.session.get(User, network.users[name].id)
    db.session.refresh(user)
    return user.has_second_factor


def test_a_reset_from_a_stale_user_list_is_a_conflict(login, network):
    enrol(login("n1_case_worker"))
    target = network.memberships["n1_case_worker"]
    admin = login("n1_coordinator")
    url = f"/utenti/{target.id}/azzera-verifica"
    stale = post_form(admin, url, {"version": target.version + 7}, page="/utenti")
    assert stale.status_code == 409
    assert _has_factor(network, "n1_case_worker")
    ok = post_form(admin, url, {"version": target.version}, page="/utenti")
    assert ok.status_code == 302
    assert not _has_factor(network, "n1_case_worker")
