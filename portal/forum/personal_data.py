"""The personal-data rule of the forum, applied by every service that publishes text (threads, replies,
cards, file names, edits), and the moderators' list of what authors confirmed.

Identifying findings (codici fiscali, pseudonym codes) refuse the post whatever the form says; each
contact (phone, e-mail) needs its own confirmation, by key (``privacy.Finding.key``), which is stored with
who confirmed it and audited (field names only).
"""
from flask_login import current_user
from sqlalchemy import select

from ..audit.services import record
from ..extensions import db
from ..models_base import utcnow
from ..tenancy.models import Tenant
from . import privacy
from .models import ForumPost, PersonalDataConfirmation


class PersonalDataFound(Exception):
    """Something identifying, or a contact not confirmed yet: nothing was published."""

    def __init__(self, findings: list[privacy.Finding]):
        super().__init__(", ".join(privacy.kinds(findings)))
        self.findings = findings
        self.kinds = privacy.kinds(findings)


def pseudonym_prefixes() -> list[str]:
    """The organisations' codes that prefix pseudonyms (a node's code; "RT" when it has none)."""
    return list(db.session.scalars(select(Tenant.code).where(Tenant.code.is_not(None)).distinct()))


def check(fields: dict, confirmed=(), already=frozenset()) -> list[privacy.Finding]:
    """The contacts to publish (all confirmed); raise :class:`PersonalDataFound` otherwise.

    ``confirmed`` are the keys ticked in this request, ``already`` those confirmed earlier for the same post
    (an edit). Identifying findings refuse the post: no key can confirm them."""
    findings = privacy.scan(fields, prefixes=pseudonym_prefixes())
    accepted = set(confirmed) | set(already)
    if any(f.identifying or f.key not in accepted for f in findings):
        raise PersonalDataFound([f for f in findings if f.identifying or f.key not in already])
    return findings


def store(post: ForumPost, findings: list[privacy.Finding], keep_kinds=()) -> None:
    """Record the contacts confirmed for ``post`` (those not recorded before) and the post's flag."""
    known = set(db.session.scalars(select(PersonalDataConfirmation.item_key).where(PersonalDataConfirmation.post_id == post.id)))
    new = [f for f in findings if f.key not in known]
    for finding in new:
        db.session.add(PersonalDataConfirmation(
            post_id=post.id, kind=finding.kind, field=finding.field, value=finding.value[:320], item_key=finding.key,
            confirmed_by_id=current_user.id, confirmed_at=utcnow(),
        ))
    post.personal_data_flags = sorted(set(privacy.kinds(findings)) | set(keep_kinds))
    db.session.flush()
    if new:
        record("forum.post.personal_data_confirmed", "forum_post", post.id,
               sorted({f"{f.kind}:{f.field}" for f in new}))


def confirmed_keys(post: ForumPost, fields=None) -> set[str]:
    query = select(PersonalDataConfirmation.item_key).where(PersonalDataConfirmation.post_id == post.id)
    if fields is not None:
        query = query.where(PersonalDataConfirmation.field.in_(fields))
    return set(db.session.scalars(query))


def kinds_outside(post: ForumPost, fields) -> set[str]:
    """Kinds confirmed in the post's other fields (an edit changes the body only)."""
    return {str(k) for k in db.session.scalars(select(PersonalDataConfirmation.kind).where(
        PersonalDataConfirmation.post_id == post.id, PersonalDataConfirmation.field.not_in(fields)))}
