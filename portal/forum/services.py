"""Forum rules for every member: who may read what, reading (lists, pages, read markers, good practices),
and writing (threads, replies, edits) with the personal-data check and the audit of changes.

The forum is Shared (no tenant filter): what keeps it clean of case data is the check before publishing
(forum/personal_data.py) and the node's moderation. Moderators are the coordinators of a node, and
they moderate the posts of their own network (authors whose organisation belongs to their node): the rule
(``may_moderate``) and the visibility it gives (``may_read``, ``_visible``) stay here, because every read
applies them; what only moderators do (reports, hiding, locking, moving, validating, reviewing confirmed
contacts) is forum/moderation.py.
"""
from datetime import timedelta
from math import ceil

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select, update

from ..accounts.permissions import Capability, can, can_in_node, current_membership
from ..audit.services import record
from ..core.errors import Forbidden, ServiceError  # noqa: F401  (Forbidden re-exported: <domain>.Forbidden)
from ..core.locking import check_version
from ..core.rows import add_form_row, add_once, by_id, by_submission_key
from ..extensions import db
from ..models_base import utcnow
from ..tenancy.models import Tenant
from . import attachments, mentions, personal_data, text
from .models import (
    PRACTICE_FIELDS,
    ForumCategory,
    ForumPost,
    ForumPostRevision,
    ForumReadMarker,
    ForumSubscription,
    ForumThread,
    ThreadKind,
)

THREADS_PER_PAGE = 25
POSTS_PER_PAGE = 20


class ForumError(ServiceError):
    """A forum step refused (a reply to a closed discussion, an action no button sends)."""


PersonalDataFound = personal_data.PersonalDataFound


def _require_forum() -> None:
    if not current_user.is_authenticated or not can(Capability.FORUM):
        raise Forbidden()


def is_moderator() -> bool:
    return can_in_node(Capability.MODERATE)


def may_moderate(author_tenant: Tenant) -> bool:
    """A node coordinator moderates what the organisations of their own network publish."""
    return is_moderator() and author_tenant.network_node_id == current_membership().tenant_id


def _visible(model):
    """The rows of ``model`` (thread or post) the current user may read: every one not hidden, and the hidden
    ones they may moderate (their author's organisation is of the moderator's network), never another
    network's: a coordinator of another node is a reader like any other there."""
    if not is_moderator():
        return model.hidden.is_(False)
    node_id = current_membership().tenant_id
    network = select(Tenant.id).where(or_(Tenant.id == node_id, Tenant.node_id == node_id))
    return or_(model.hidden.is_(False), model.author_tenant_id.in_(network))


def may_read(row) -> bool:
    """A thread or post the current user may read: not hidden, or hidden and theirs to moderate."""
    return not row.hidden or may_moderate(row.author_tenant)


# --- reading --------------------------------------------------------------------------------------

def categories() -> list[ForumCategory]:
    return list(db.session.scalars(select(ForumCategory).order_by(ForumCategory.position, ForumCategory.name)))


def category_by_slug(slug: str) -> ForumCategory | None:
    return db.session.scalar(select(ForumCategory).where(ForumCategory.slug == slug))


def list_threads(category: ForumCategory | None = None, page: int = 1) -> tuple[list[ForumThread], bool]:
    _require_forum()
    query = select(ForumThread)
    if category is not None:
        query = query.where(ForumThread.category_id == category.id)
    query = query.where(_visible(ForumThread)).order_by(ForumThread.last_post_at.desc(), ForumThread.id.desc())
    rows = list(db.session.scalars(query.offset((page - 1) * THREADS_PER_PAGE).limit(THREADS_PER_PAGE + 1)))
    return rows[:THREADS_PER_PAGE], len(rows) > THREADS_PER_PAGE


def unread_ids(threads: list[ForumThread]) -> set[int]:
    """The threads with posts newer than the current user last saw (never seen counts as unread)."""
    if not threads:
        return set()
    seen = dict(db.session.execute(
        select(ForumReadMarker.thread_id, ForumReadMarker.seen_at).where(
            ForumReadMarker.user_id == current_user.id, ForumReadMarker.thread_id.in_([t.id for t in threads])
        )
    ).all())
    return {t.id for t in threads if t.id not in seen or _aware(seen[t.id]) < _aware(t.last_post_at)}


def _aware(value):
    from datetime import UTC

    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def get_thread(thread_id) -> ForumThread | None:
    _require_forum()
    thread = by_id(ForumThread, thread_id)
    if thread is None or not may_read(thread):
        return None
    return thread


def get_post(post_id) -> ForumPost | None:
    _require_forum()
    post = by_id(ForumPost, post_id)
    if post is None or get_thread(post.thread_id) is None or not may_read(post):
        return None
    return post


def thread_posts(thread: ForumThread, page: int = 1) -> tuple[list[ForumPost], int]:
    """One page of posts (oldest first) and the number of pages."""
    query = select(ForumPost).where(ForumPost.thread_id == thread.id, _visible(ForumPost))
    total = thread.post_count
    pages = max(ceil(total / POSTS_PER_PAGE), 1)
    rows = db.session.scalars(query.order_by(ForumPost.id).offset((page - 1) * POSTS_PER_PAGE).limit(POSTS_PER_PAGE))
    return list(rows), pages


def reader_state(thread: ForumThread):
    """When the current user last saw the thread and how they follow it, in one query (the thread page).
    Returns (seen_at or None, subscription mode or None)."""
    seen = select(ForumReadMarker.seen_at).where(
        ForumReadMarker.user_id == current_user.id, ForumReadMarker.thread_id == thread.id
    ).scalar_subquery()
    mode = select(ForumSubscription.mode).where(
        ForumSubscription.user_id == current_user.id, ForumSubscription.thread_id == thread.id
    ).scalar_subquery()
    seen_at, subscribed = db.session.execute(select(seen, mode)).one()
    return seen_at, subscribed


def mark_read(thread: ForumThread, seen_at=False) -> None:
    """Move the user's read marker to now; nothing to write when it is already past the last post
    (``seen_at`` as read by :func:`reader_state`; False means "not read yet": look it up)."""
    if seen_at is False:
        seen_at = db.session.scalar(select(ForumReadMarker.seen_at).where(
            ForumReadMarker.user_id == current_user.id, ForumReadMarker.thread_id == thread.id
        ))
    if seen_at is None:
        # False when the user's other tab (or a reload) marked it at the same instant: read now all the same.
        add_once(ForumReadMarker(user_id=current_user.id, thread_id=thread.id, seen_at=utcnow()))
    elif _aware(seen_at) < _aware(thread.last_post_at):
        db.session.execute(update(ForumReadMarker).where(
            ForumReadMarker.user_id == current_user.id, ForumReadMarker.thread_id == thread.id
        ).values(seen_at=utcnow()))


def edit_minutes() -> int:
    return current_app.config.get("FORUM_EDIT_MINUTES", 30)


def is_author(post: ForumPost) -> bool:
    return current_user.is_authenticated and post.author_user_id == current_user.id


def may_edit(post: ForumPost) -> bool:
    return is_author(post) and _aware(post.created_at) + timedelta(minutes=edit_minutes()) >= utcnow()


def practices(ground: str | None = None, category_id: int | None = None, author_tenant_id: int | None = None,
              page: int = 1) -> tuple[list[ForumThread], bool]:
    """Validated good practices, newest validation first."""
    _require_forum()
    query = select(ForumThread).where(
        ForumThread.kind == ThreadKind.PRACTICE, ForumThread.validated_at.is_not(None), ForumThread.hidden.is_(False)
    )
    if ground:
        query = query.where(ForumThread.ground == ground)
    if category_id:
        query = query.where(ForumThread.category_id == category_id)
    if author_tenant_id:
        query = query.where(ForumThread.author_tenant_id == author_tenant_id)
    query = query.order_by(ForumThread.validated_at.desc(), ForumThread.id.desc())
    rows = list(db.session.scalars(query.offset((page - 1) * THREADS_PER_PAGE).limit(THREADS_PER_PAGE + 1)))
    return rows[:THREADS_PER_PAGE], len(rows) > THREADS_PER_PAGE


# --- writing --------------------------------------------------------------------------------------

def _search_text(thread: ForumThread | None, body: str) -> str:
    parts = []
    if thread is not None:
        parts.append(thread.title)
        parts += [getattr(thread, name) or "" for name in PRACTICE_FIELDS]
    parts.append(body)
    return "\n".join(p for p in parts if p)


def count_post(thread: ForumThread) -> None:
    """One more post: the database adds to the count it holds, not to the one this request read, so replies
    sent at once each count (the thread's last page is reckoned from it)."""
    thread.post_count = func.coalesce(ForumThread.post_count, 0) + 1
    thread.last_post_at = utcnow()


def _new_post(thread: ForumThread, body: str, findings, first: bool, files=(), submission_key: str | None = None) -> ForumPost:
    membership = current_membership()
    body_html, post_mentions = text.render_with_mentions(body, mentions.targets(body))
    post = ForumPost(
        thread_id=thread.id, author_user_id=current_user.id, author_tenant_id=membership.tenant_id, body=body,
        body_html=body_html, search_text=_search_text(thread if first else None, body),
        personal_data_flags=[], hidden=False, submission_key=submission_key or None,
    )
    # Refused by the unique key before it is counted (the same form sent at the same instant).
    add_form_row(post, ForumError(_("Questa risposta era già stata pubblicata.")))
    count_post(thread)
    db.session.flush()
    attachments.claim(list(files), post)
    personal_data.store(post, findings)
    post.mentioned = post_mentions  # not a column: read by notify below, in this request only
    return post


def thread_by_key(submission_key: str | None) -> ForumThread | None:
    """The thread the current user's form with this key already published (the same form posted again)."""
    return by_submission_key(ForumThread, submission_key, author_user_id=current_user.id)


def reply_by_key(thread: ForumThread, submission_key: str | None) -> ForumPost | None:
    """The reply to ``thread`` the current user's form with this key already published."""
    return by_submission_key(ForumPost, submission_key, thread_id=thread.id, author_user_id=current_user.id)


def create_thread(category: ForumCategory, title: str, body: str, *, practice: dict | None = None,
                  ground: str | None = None, confirmed=(), files=(), submission_key: str | None = None) -> ForumThread:
    """Publish a thread; ``files`` are pending attachments (forum/attachments.py), their names checked too;
    ``confirmed`` the keys of the contacts the author confirmed (personal_data.check). A ``submission_key``
    already used (the same form posted twice at once) is refused: one thread per form."""
    _require_forum()
    practice = {k: (practice or {}).get(k) or None for k in PRACTICE_FIELDS} if practice is not None else None
    findings = personal_data.check(
        {"title": title, "body": body, **{k: v or "" for k, v in (practice or {}).items()},
         "files": attachments.names_for_check(files)}, confirmed)
    membership = current_membership()
    thread = ForumThread(
        category_id=category.id, kind=ThreadKind.PRACTICE if practice is not None else ThreadKind.DISCUSSION,
        title=title.strip(), author_user_id=current_user.id, author_tenant_id=membership.tenant_id,
        ground=ground or None, locked=False, hidden=False, post_count=0, last_post_at=utcnow(),
        submission_key=submission_key or None, **(practice or {}),
    )
    add_form_row(thread, ForumError(_("Questa discussione era già stata pubblicata.")))
    post = _new_post(thread, body, findings, first=True, files=files)
    record("forum.thread.create", "forum_thread", thread.id, ["title", "body", *(practice or {})])
    mentions.notify(post, thread, post.mentioned)
    return thread


def reply(thread: ForumThread, body: str, *, confirmed=(), files=(), submission_key: str | None = None) -> ForumPost:
    """A reply; a ``submission_key`` already used (the same form posted twice at once) is refused: one reply
    per form, its subscribers told once."""
    _require_forum()
    if thread.locked:
        raise ForumError(_("La discussione è chiusa: non si può rispondere."), "body")
    findings = personal_data.check({"body": body, "files": attachments.names_for_check(files)}, confirmed)
    post = _new_post(thread, body, findings, first=False, files=files, submission_key=submission_key)
    record("forum.post.create", "forum_post", post.id, ["body"])
    from .notify import notify_reply

    notified = notify_reply(post, thread)
    mentions.notify(post, thread, post.mentioned, skip=notified)
    return post


def edit_post(post: ForumPost, body: str, expected_version, *, confirmed=()) -> ForumPost:
    """Only the body changes; contacts confirmed in it before need no new confirmation. ``expected_version``
    is the post's as the form showed it: an edit saved since (another tab) is a conflict, never overwritten."""
    if not may_edit(post):
        raise Forbidden()
    check_version(post, expected_version)
    findings = personal_data.check({"body": body}, confirmed, already=personal_data.confirmed_keys(post, ["body"]))
    db.session.add(ForumPostRevision(post_id=post.id, body=post.body, edited_by_id=current_user.id, edited_at=utcnow()))
    first_id = db.session.scalar(select(func.min(ForumPost.id)).where(ForumPost.thread_id == post.thread_id))
    thread = db.session.get(ForumThread, post.thread_id)
    before = set(text.render_with_mentions(post.body, mentions.targets(post.body))[1])
    post.body, (post.body_html, now_mentioned) = body, text.render_with_mentions(body, mentions.targets(body))
    post.search_text = _search_text(thread if post.id == first_id else None, body)
    post.edited_at = utcnow()
    personal_data.store(post, findings, keep_kinds=personal_data.kinds_outside(post, ["body"]))
    record("forum.post.edit", "forum_post", post.id, ["body"])
    mentions.notify(post, thread, [s for s in now_mentioned if s not in before])
    return post


def revisions(post: ForumPost) -> list[ForumPostRevision]:
    return list(db.session.scalars(
        select(ForumPostRevision).where(ForumPostRevision.post_id == post.id).order_by(ForumPostRevision.id)
    ))
