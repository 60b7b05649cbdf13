"""The scheduled jobs behind ``flask rete evaluate-alerts`` and ``flask rete alerts-digest``.

Node by node, acting as that node (PostgreSQL row-level security applies as for its users); each node
commits on its own so one node's failure does not undo another's.
"""
import time
from datetime import date

from flask import current_app
from flask_babel import force_locale, gettext, ngettext
from sqlalchemy import select

from ..extensions import db
from ..tenancy import context
from ..tenancy.models import Tenant, TenantKind


def _nodes() -> list[int]:
    with context.system("alerts: list nodes"):
        return list(db.session.scalars(
            select(Tenant.id).where(Tenant.kind == TenantKind.NODE, Tenant.active.is_(True)).order_by(Tenant.id)
        ))


def evaluate_node(node_id: int, today: date | None = None, *, notify: bool = True) -> dict:
    from . import notify as mail
    from .security import scan
    from .services import evaluate

    with context.acting_as(node_id):
        counts = evaluate(node_id, today=today)
        counts["security"] = scan(node_id)
        counts["emails"] = mail.notify_new(node_id) if notify else 0
        db.session.commit()
    return counts


def evaluate_all(today: date | None = None) -> list[str]:
    lines = []
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):  # no request: no user's language
        for node_id in _nodes():
            started = time.perf_counter()
            counts = evaluate_node(node_id, today)
            seconds = time.perf_counter() - started
            lines.append(gettext("nodo %(node)s: %(opened)s, %(resolved)s, %(security)s, %(emails)s (%(seconds).2f s)",
                                 node=node_id, seconds=seconds,
                                 opened=ngettext("%(num)d allerta aperta", "%(num)d allerte aperte", counts["opened"]),
                                 resolved=ngettext("%(num)d risolta automaticamente", "%(num)d risolte automaticamente",
                                                   counts["resolved"]),
                                 security=ngettext("%(num)d di sicurezza", "%(num)d di sicurezza", counts["security"]),
                                 emails=ngettext("%(num)d e-mail", "%(num)d e-mail", counts["emails"])))
    return lines


def digest_all() -> int:
    from .notify import send_digest

    sent = 0
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        for node_id in _nodes():
            with context.acting_as(node_id):
                sent += send_digest(node_id)
                db.session.commit()
    return sent
