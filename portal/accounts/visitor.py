"""The public doors (a public report, an application to a call) as an anonymous visitor, whoever is signed in.

A browser may carry a session of Rete while its user reports discrimination or applies for an organisation:
those doors take no account by design, so nothing they write may name the user. Flask-Login's ``current_user``
(which the audit reads for the actor) is the anonymous user for the step, and the tenancy context acts for the
door's node with no user; the step's rows, audit events and mail are an anonymous visitor's, as when nobody is
signed in. The request's own state is put back afterwards.
"""
import contextlib

from flask import g

from ..extensions import login_manager
from ..tenancy import context

_UNSET = object()


@contextlib.contextmanager
def as_visitor(node_id: int):
    signed_in = g.get("_login_user", _UNSET)
    g._login_user = login_manager.anonymous_user()
    try:
        with context.acting_as(node_id, user_id=None):
            yield
    finally:
        if signed_in is _UNSET:
            g.pop("_login_user", None)
        else:
            g._login_user = signed_in
