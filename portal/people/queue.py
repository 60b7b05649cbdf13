"""The data protection officer's part of the home page's work queue (portal/core/queue.py): open
data-subject requests with their legal deadline (``RESPONSE_DAYS`` from receipt, art. 12(3) GDPR), the
nearest deadline first, overdue ones marked. One statement; the node's own rows (scoping, RLS).
"""
from datetime import timedelta

from flask import url_for
from sqlalchemy import select

from ..accounts.models import Role
from ..core import queue
from ..core.queue import Item
from ..i18n import lazy_gettext as _l
from .labels import REQUEST_KIND_LABELS
from .models import DataSubjectRequest, Person, RequestKind, RequestStatus

RESPONSE_DAYS = 30


def _node_dpo(membership) -> bool:
    return membership.role == Role.DATA_PROTECTION_OFFICER and membership.tenant.is_node


@queue.source("people.open_requests", _l("Richieste degli interessati aperte"), applies=_node_dpo, order=40,
              hint=_l("Termine di risposta: %(days)s giorni dal ricevimento.", days=RESPONSE_DAYS))
def open_requests(membership, limit, offset):
    statement = (
        select(DataSubjectRequest.id, DataSubjectRequest.person_id, DataSubjectRequest.kind, DataSubjectRequest.opened_at,
               Person.pseudonym)
        .join(Person, Person.id == DataSubjectRequest.person_id)
        .where(DataSubjectRequest.tenant_id == membership.tenant_id, DataSubjectRequest.status == RequestStatus.OPEN)
        .order_by(DataSubjectRequest.opened_at, DataSubjectRequest.id)
    )

    def item(row):
        deadline = queue.as_day(row.opened_at) + timedelta(days=RESPONSE_DAYS)
        left = (deadline - queue.today()).days
        note = queue.due_in(deadline)
        return Item(
            f"{row.pseudonym or '–'} – {REQUEST_KIND_LABELS[RequestKind(row.kind)]}",
            url_for("people.requests", person_id=row.person_id), deadline, note=note, late=left < 0,
        )

    return queue.page_of(statement, limit, offset, item)
