"""Who accessed a person: the audit events about the person and everything of theirs, in readable Italian.

The data protection officer reads lines such as "ha visualizzato la scheda" with the fields' names
(``audit.labels``); repeated reads by the same user of the same thing within a minute are one line with a
count, so a page reloaded ten times does not bury the rest.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select

from ..audit.labels import action_label, field_labels, object_label
from ..extensions import db
from ..tenancy.models import Tenant
from .models import Person
from .signals import person_objects

# Reads that collapse when repeated; changes are always one line each.
READ_ACTIONS = frozenset({
    "person.viewed", "person.identity_read", "person.accesses_viewed", "referral.read", "referral.attachment_read",
    "case.read", "case.record_read", "case_transfer.read", "case_transfer.identity_read",
})
COLLAPSE_WINDOW = timedelta(minutes=1)


def related_objects(person: Person) -> list[tuple[str, str]]:
    """(object_type, object_id) of the person and what hangs off them: their data-subject requests, and
    what each domain answers ``person_objects`` with (referrals and their attachments, cases with their
    actions, verifications and transfers, identity grants)."""
    from .models import DataSubjectRequest

    objects = [("person", str(person.id))]
    objects += [("data_subject_request", str(i)) for i in db.session.scalars(
        select(DataSubjectRequest.id).where(DataSubjectRequest.person_id == person.id).order_by(DataSubjectRequest.id))]
    for _receiver, answer in person_objects.send(person):
        objects += answer
    return objects


def access_events(person: Person, *, limit: int | None = None, offset: int = 0):
    """Audit events about the person and their objects, newest first: (event, user, tenant)."""
    from ..accounts.models import User
    from ..audit.models import AuditEvent

    by_type: dict[str, list[str]] = {}
    for object_type, object_id in related_objects(person):
        by_type.setdefault(object_type, []).append(object_id)
    condition = or_(*[
        and_(AuditEvent.object_type == object_type, AuditEvent.object_id.in_(ids)) for object_type, ids in by_type.items()
    ])
    query = (
        select(AuditEvent, User, Tenant)
        .outerjoin(User, User.id == AuditEvent.actor_user_id)
        .outerjoin(Tenant, Tenant.id == AuditEvent.tenant_id)
        .where(condition)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return db.session.execute(query).all()


@dataclass
class LogLine:
    at: datetime  # the latest of the collapsed events
    first_at: datetime
    user: object
    tenant: object
    action: str
    description: str
    object_type: str | None
    object_id: str | None
    object_description: str
    fields: list[str] = field(default_factory=list)  # labels
    field_codes: list[str] = field(default_factory=list)
    count: int = 1


def _same_burst(line: LogLine, event) -> bool:
    return (
        event.action in READ_ACTIONS and line.action == event.action and line.object_type == event.object_type
        and line.object_id == event.object_id and line.user is not None and line.user.id == event.actor_user_id
        and line.at - event.at <= COLLAPSE_WINDOW
    )


def readable(rows) -> list[LogLine]:
    """(event, user, tenant) rows, newest first, as readable lines; repeated reads collapse."""
    lines: list[LogLine] = []
    for event, user, tenant in rows:
        if lines and _same_burst(lines[-1], event):
            lines[-1].count += 1
            lines[-1].first_at = event.at
            continue
        lines.append(LogLine(
            at=event.at, first_at=event.at, user=user, tenant=tenant, action=event.action,
            description=action_label(event.action, event.fields), object_type=event.object_type,
            object_id=event.object_id,
            object_description="" if event.object_type == "person" else f"{object_label(event.object_type)} n. {event.object_id}",
            fields=field_labels(event.fields), field_codes=list(event.fields or []),
        ))
    return lines


def access_log(person: Person, *, page: int, page_size: int) -> tuple[list[LogLine], bool]:
    """One page of readable lines (a page is ``page_size`` events before collapsing) and whether more follow."""
    rows = access_events(person, limit=page_size + 1, offset=(page - 1) * page_size)
    return readable(rows[:page_size]), len(rows) > page_size
