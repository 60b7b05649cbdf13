"""Rules of the network groups, in one place.

- A group belongs to one network (``node_id``); its members are organisations of that network.
- Everyone in the network sees the groups and their member lists (institutional, public in the network).
- Meetings (date, place, agenda) and approved minutes: the members' users and the node's coordinators.
  Draft minutes: the node's coordinators only. Approved minutes stay with the members (not network-public):
  they record a body's deliberations and may name its referents; the group decides what to publish in the
  forum.
- The coordinators of the node manage groups, members, meetings and minutes; every change is audited.
Other networks' groups do not exist for a user (404); a non-member of the same network gets 403.
"""

from flask import current_app
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..accounts.permissions import Capability, can_in_node, current_membership
from ..audit.services import record
from ..core import files, storage
from ..core.changes import apply_changes
from ..core.errors import Conflict, Forbidden, ServiceError  # noqa: F401  (Forbidden re-exported: <domain>.Forbidden)
from ..core.locking import check_version
from ..core.rows import add_once, by_id
from ..extensions import db
from ..forum import text
from ..models_base import utcnow
from ..tenancy.models import Tenant
from .models import GroupKind, GroupMember, Meeting, Minutes, NetworkGroup


class GovernanceError(ServiceError):
    """A refused change, with a message for the user and the form field it is about."""


def _network_id() -> int | None:
    membership = current_membership()
    return membership.tenant.network_node_id if membership is not None else None


def may_manage(group: NetworkGroup | None = None) -> bool:
    """The coordinators of the node manage its network's groups."""
    membership = current_membership()
    return (
        can_in_node(Capability.GOVERN, membership)
        and (group is None or group.node_id == membership.tenant_id)
    )


def is_member(group: NetworkGroup) -> bool:
    membership = current_membership()
    return membership is not None and any(m.tenant_id == membership.tenant_id for m in group.members)


def may_see_meetings(group: NetworkGroup) -> bool:
    return may_manage(group) or is_member(group)


def network_organisations(node_id: int) -> list[Tenant]:
    """The active organisations a group of this network may have as members (the node included)."""
    return list(db.session.scalars(
        select(Tenant).where(or_(Tenant.id == node_id, Tenant.node_id == node_id), Tenant.active.is_(True))
        .order_by(Tenant.name)
    ))


# --- reading --------------------------------------------------------------------------------------

def groups() -> list[NetworkGroup]:
    network = _network_id()
    if network is None:
        return []
    return list(db.session.scalars(
        select(NetworkGroup).where(NetworkGroup.node_id == network).order_by(NetworkGroup.kind, NetworkGroup.name)
        .options(selectinload(NetworkGroup.members))
    ))


def get_group(group_id) -> NetworkGroup | None:
    """A group of the current user's network; None (404) for another network's or a wrong id."""
    group = by_id(NetworkGroup, group_id)
    return group if group is not None and group.node_id == _network_id() else None


def get_meeting(meeting_id) -> Meeting | None:
    """A meeting of one of the network's groups, or None; callers check :func:`may_see_meetings` (403)."""
    meeting = by_id(Meeting, meeting_id)
    return meeting if meeting is not None and meeting.group.node_id == _network_id() else None


def meetings(group: NetworkGroup) -> list[Meeting]:
    if not may_see_meetings(group):
        raise Forbidden()
    return list(db.session.scalars(
        select(Meeting).where(Meeting.group_id == group.id).order_by(Meeting.held_on.desc(), Meeting.id.desc())
    ))


def visible_minutes(meeting: Meeting) -> Minutes | None:
    """The minutes as the current user may read them: approved to members, drafts to managers only."""
    minutes = meeting.minutes
    if minutes is None or not may_see_meetings(meeting.group):
        return None
    return minutes if minutes.approved_at is not None or may_manage(meeting.group) else None


# --- groups ---------------------------------------------------------------------------------------

def _set_members(group: NetworkGroup, tenant_ids) -> bool:
    # Matched as text against the network's ids: nothing a form sends ("²", a huge number) is parsed or queried.
    allowed = {str(t.id): t.id for t in network_organisations(group.node_id)}
    wanted = {allowed[str(i)] for i in tenant_ids if str(i) in allowed}
    current = {m.tenant_id: m for m in group.members}
    for tenant_id, member in current.items():
        if tenant_id not in wanted:
            group.members.remove(member)
    for tenant_id in sorted(wanted - set(current)):
        group.members.append(GroupMember(tenant_id=tenant_id))
    return wanted != set(current)


def create_group(name: str, kind: GroupKind, description: str | None, member_ids) -> NetworkGroup:
    if not may_manage():
        raise Forbidden()
    group = NetworkGroup(node_id=current_membership().tenant_id, name=name.strip(), kind=kind,
                         description=description or None)
    db.session.add(group)
    db.session.flush()
    _set_members(group, member_ids)
    db.session.flush()
    record("governance.group.create", "governance_group", group.id, ["name", "kind", "description", "members"])
    return group


def update_group(group: NetworkGroup, data: dict, member_ids, version) -> NetworkGroup:
    if not may_manage(group):
        raise Forbidden()
    check_version(group, version)
    changed = apply_changes(group, data, ("name", "kind", "description"))
    if _set_members(group, member_ids):
        changed.append("members")
        group.updated_at = utcnow()  # a members-only change still bumps the group's version
    db.session.flush()
    if changed:
        record("governance.group.update", "governance_group", group.id, changed)
    return group


# --- meetings and minutes -------------------------------------------------------------------------

MEETING_FIELDS = ("held_on", "starts_at", "place", "agenda")


def create_meeting(group: NetworkGroup, data: dict) -> Meeting:
    if not may_manage(group):
        raise Forbidden()
    meeting = Meeting(group_id=group.id, created_by_id=current_user.id, agenda_html=text.render(data["agenda"]),
                      **{k: data[k] for k in MEETING_FIELDS})
    db.session.add(meeting)
    db.session.flush()
    record("governance.meeting.create", "governance_meeting", meeting.id, list(MEETING_FIELDS))
    return meeting


def update_meeting(meeting: Meeting, data: dict, version) -> Meeting:
    if not may_manage(meeting.group):
        raise Forbidden()
    check_version(meeting, version)
    changed = apply_changes(meeting, data, MEETING_FIELDS)
    meeting.agenda_html = text.render(meeting.agenda)
    db.session.flush()
    if changed:
        record("governance.meeting.update", "governance_meeting", meeting.id, changed)
    return meeting


AREA = "governance"  # portal/core/storage.py; with FILE_STORAGE=local the folder GOVERNANCE_ATTACHMENT_DIR
_KEYS = {"key": "attachment_key", "content": "attachment_content"}


def save_minutes(meeting: Meeting, body: str, upload=None, version=None) -> Minutes:
    """Write (or rewrite) the draft minutes, with an optional file (PDF/office/image, checked by content)."""
    if not may_manage(meeting.group):
        raise Forbidden()
    minutes = meeting.minutes
    if minutes is not None:
        if minutes.approved_at is not None:
            raise Forbidden()  # approved minutes are final (the page says so with its 403 too)
        check_version(minutes, version)
    stored = _store_upload(upload) if upload is not None and getattr(upload, "filename", "") else None
    created = minutes is None
    if created:
        minutes = Minutes(meeting_id=meeting.id, body=body, body_html=text.render(body))
        # Another tab or coordinator wrote the first draft at the same instant: the 409 page keeps this text,
        # as when that draft was saved first (check_version above).
        if not add_once(minutes):
            raise Conflict()
    fields = ["body"] if created or minutes.body != body else []
    minutes.body, minutes.body_html = body, text.render(body)
    if stored:
        if minutes.attachment_key:  # the replaced file goes with this change
            storage.forget(minutes, AREA, key=_KEYS["key"])
        (minutes.attachment_name, minutes.attachment_type, minutes.attachment_size, minutes.attachment_key,
         minutes.attachment_sha256) = (stored.filename, stored.content_type, stored.size, stored.storage_key,
                                       stored.sha256)
        storage.save(minutes, stored, AREA, content=_KEYS["content"])
        fields.append("attachment")
    minutes.updated_at = utcnow()
    db.session.flush()
    record("governance.minutes.create" if created else "governance.minutes.update", "governance_minutes",
           minutes.id, fields)
    return minutes


def _store_upload(upload) -> files.StoredFile:
    from flask_babel import gettext as _

    try:
        return files.check_upload(upload, limit=current_app.config["ATTACHMENT_MAX_BYTES"],
                                  kind_of=files.sniff_document, default_name="verbale",
                                  refused=_("Sono ammessi solo PDF, immagini e documenti Office o OpenDocument."))
    except files.FileRejected as exc:
        raise GovernanceError(str(exc), "file") from exc


def approve_minutes(meeting: Meeting, version) -> Minutes:
    if not may_manage(meeting.group):
        raise Forbidden()
    minutes = meeting.minutes
    if minutes is None or minutes.approved_at is not None:
        raise Conflict()  # approved in between (another tab, another coordinator): the 409 page
    check_version(minutes, version)
    minutes.approved_at, minutes.approved_by_id = utcnow(), current_user.id
    db.session.flush()
    record("governance.minutes.approve", "governance_minutes", minutes.id, ["approved_at"])
    return minutes


def minutes_file(meeting: Meeting) -> bytes | None:
    """The bytes of the minutes' file if the current user may read it (audited as a read), else None."""
    minutes = visible_minutes(meeting)
    if minutes is None or not minutes.attachment_key:
        return None
    record("governance.minutes.attachment_read", "governance_minutes", minutes.id, ["attachment"])
    return storage.read(minutes, AREA, **_KEYS)
