"""Hearings and deadlines of the legal path in the case worker's work queue (portal/core/queue.py): those
due within ``legal_services.DEADLINE_WINDOW_DAYS`` or overdue, on their open cases, soonest first. One
statement (``legal_services.upcoming_deadlines``, the same query the alert rule's page uses)."""
from flask import url_for
from flask_babel import gettext as _

from ..accounts.models import Role
from ..core import queue
from ..core.queue import Item
from ..i18n import lazy_gettext as _l
from .legal import DEADLINE_KIND_LABELS, DeadlineKind
from .legal_services import DEADLINE_WINDOW_DAYS, upcoming_deadlines


def _case_worker(membership) -> bool:
    return membership.role == Role.CASE_WORKER and membership.tenant.is_node


@queue.source("cases.legal_deadlines", _l("Udienze e scadenze legali"), applies=_case_worker, order=23,
              hint=_l("Entro %(days)s giorni o già passate.", days=DEADLINE_WINDOW_DAYS))
def legal_deadlines(membership, limit, offset):
    statement = upcoming_deadlines(membership.user, today=queue.today())

    def item(row):
        late = row.due_on < queue.today()
        return Item(f"{row.pseudonym} – {DEADLINE_KIND_LABELS[DeadlineKind(row.kind)]}",
                    url_for("cases.detail", case_id=row.case_id) + "#tutela", row.due_on,
                    note=_("scaduta") if late else None, late=late)

    return queue.page_of(statement, limit, offset, item)
