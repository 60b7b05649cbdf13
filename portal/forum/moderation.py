"""Forum moderation: a member's report on a post, and what a node's coordinators do about their own network's
posts and threads (the open reports, the contacts authors confirmed, hide/restore, lock/unlock, move, the
validation of a good-practice card). Every step is audited.

Kept apart from forum/services.py, which holds what every member does (reading, writing): moderation is its
own topic with its own screens (the moderator's buttons on a thread, /forum/segnalazioni). The rules both
apply, who moderates whom (``services.may_moderate``) and what a moderator may still read
(``services._visible``), stay in services.py because every read needs them; they are imported here, never
restated.
"""
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select, update

from ..accounts.models import User
from ..accounts.permissions import current_membership
from ..audit.services import record
from ..core.errors import Forbidden
from ..extensions import db
from ..models_base import utcnow
from ..tenancy.models import Tenant
from .models import ForumCategory, ForumPost, ForumReport, ForumThread, PersonalDataConfirmation, ThreadKind
from .services import ForumError, _require_forum, _visible, is_moderator, may_moderate

CONFIRMATIONS_PER_PAGE = 50  # the moderators' list of confirmed contacts


def report(post: ForumPost, reason: str) -> ForumReport:
    _require_forum()
    row = ForumReport(
        post_id=post.id, reporter_user_id=current_user.id, reporter_tenant_id=current_membership().tenant_id,
        reason=reason.strip()[:500], created_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    record("forum.post.report", "forum_post", post.id, ["reason"])
    return row


def open_reports() -> list[tuple[ForumReport, ForumPost, ForumThread]]:
    """Unresolved reports on posts of the moderator's network."""
    if not is_moderator():
        raise Forbidden()
    node_id = current_membership().tenant_id
    rows = db.session.execute(
        select(ForumReport, ForumPost, ForumThread)
        .join(ForumPost, ForumPost.id == ForumReport.post_id)
        .join(ForumThread, ForumThread.id == ForumPost.thread_id)
        .join(Tenant, Tenant.id == ForumPost.author_tenant_id)
        .where(ForumReport.resolved_at.is_(None), (Tenant.node_id == node_id) | (Tenant.id == node_id),
               _visible(ForumThread))  # never the title of a thread another network hid
        .order_by(ForumReport.id)
        .limit(200)
    ).all()
    return [tuple(r) for r in rows]


def review_confirmations(page: int = 1) -> tuple[list[tuple[PersonalDataConfirmation, ForumPost, ForumThread, User]], bool]:
    """Every contact confirmed in posts of the moderator's network, newest first, a page at a time, and whether
    another page follows; as the reports, never in a thread another network hid."""
    if not is_moderator():
        raise Forbidden()
    node_id = current_membership().tenant_id
    rows = db.session.execute(
        select(PersonalDataConfirmation, ForumPost, ForumThread, User)
        .join(ForumPost, ForumPost.id == PersonalDataConfirmation.post_id)
        .join(ForumThread, ForumThread.id == ForumPost.thread_id)
        .join(Tenant, Tenant.id == ForumPost.author_tenant_id)
        .join(User, User.id == PersonalDataConfirmation.confirmed_by_id)
        .where((Tenant.node_id == node_id) | (Tenant.id == node_id), _visible(ForumThread))
        .order_by(PersonalDataConfirmation.confirmed_at.desc(), PersonalDataConfirmation.id.desc())
        .offset((page - 1) * CONFIRMATIONS_PER_PAGE).limit(CONFIRMATIONS_PER_PAGE + 1)
    ).all()
    return [tuple(r) for r in rows[:CONFIRMATIONS_PER_PAGE]], len(rows) > CONFIRMATIONS_PER_PAGE


def moderate_post(post: ForumPost, action: str) -> None:
    if not may_moderate(post.author_tenant):
        raise Forbidden()
    if action not in ("hide", "restore"):
        raise ForumError(_("Azione di moderazione non prevista."))
    post.hidden = action == "hide"
    db.session.execute(
        update(ForumReport).where(ForumReport.post_id == post.id, ForumReport.resolved_at.is_(None))
        .values(resolved_at=utcnow())
    )
    db.session.flush()
    record(f"forum.post.{action}", "forum_post", post.id, ["hidden"])


def moderate_thread(thread: ForumThread, action: str, category: ForumCategory | None = None) -> None:
    if not may_moderate(thread.author_tenant):
        raise Forbidden()
    if action in ("lock", "unlock"):
        thread.locked, fields = action == "lock", ["locked"]
    elif action in ("hide", "restore"):
        thread.hidden, fields = action == "hide", ["hidden"]
    elif action == "move" and category is not None:
        thread.category_id, fields = category.id, ["category_id"]
    else:
        raise ForumError(_("Azione di moderazione non prevista."))
    db.session.flush()
    record(f"forum.thread.{action}", "forum_thread", thread.id, fields)


def validate_practice(thread: ForumThread, validated: bool = True) -> None:
    """The node marks a good-practice card as a validated good practice ("buona prassi"), or withdraws it."""
    if thread.kind != ThreadKind.PRACTICE:
        raise ForumError(_("Solo una scheda di buona prassi si valida come buona prassi."))
    if not may_moderate(thread.author_tenant):
        raise Forbidden()
    thread.validated_at = utcnow() if validated else None
    thread.validated_by_id = current_user.id if validated else None
    db.session.flush()
    record("forum.practice.validate" if validated else "forum.practice.unvalidate", "forum_thread", thread.id,
           ["validated_at"])
