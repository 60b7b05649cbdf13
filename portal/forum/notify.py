"""Subscriptions, the e-mail on a reply and the daily digest (plain text, links only: no post bodies).

Subscription rows are per user (Shared, see models.py); every function here filters by the user.
Mails carry titles and links, never post text, so nothing a post says travels by e-mail.
"""
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from ..accounts.models import User
from ..core.rows import add_once
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..mail import send_mail
from ..models_base import utcnow
from ..notifications.services import home_tenant
from ..tenancy import context
from .models import ForumCategory, ForumPost, ForumSubscription, ForumThread, SubscriptionMode


def _link(thread_id: int) -> str:
    return f"{current_app.config.get('SERVER_BASE_URL', '').rstrip('/')}/forum/t/{thread_id}"


def my_subscriptions() -> list[ForumSubscription]:
    return list(db.session.scalars(
        select(ForumSubscription).where(ForumSubscription.user_id == current_user.id).order_by(ForumSubscription.id)
    ))


def subscription_for(thread: ForumThread | None = None, category: ForumCategory | None = None):
    query = select(ForumSubscription).where(ForumSubscription.user_id == current_user.id)
    if thread is not None:
        query = query.where(ForumSubscription.thread_id == thread.id)
    else:
        query = query.where(ForumSubscription.category_id == category.id)
    return db.session.scalar(query)


def subscribe(thread: ForumThread | None = None, category: ForumCategory | None = None,
              mode: SubscriptionMode = SubscriptionMode.IMMEDIATE) -> ForumSubscription:
    row = subscription_for(thread, category)
    if row is None:
        row = ForumSubscription(
            user_id=current_user.id, thread_id=thread.id if thread else None,
            category_id=category.id if category else None, mode=mode, created_at=utcnow(),
        )
        if not add_once(row):  # the button pressed twice (two tabs, a double click): the first one's row
            row = subscription_for(thread, category)
    row.mode = mode
    db.session.flush()
    return row


def unsubscribe(thread: ForumThread | None = None, category: ForumCategory | None = None) -> None:
    row = subscription_for(thread, category)
    if row is not None:
        db.session.delete(row)
        db.session.flush()


def mail_in(tenant_id: int, to: str, subject, body, **notice) -> None:
    """Queue a forum mail as the recipient's organisation: its outbox row is that tenant's, which its own
    admins see while pending or failed, never the author's (whose admins would read other organisations'
    addresses there)."""
    db.session.flush()  # the author's own changes, under the author's context
    with context.acting_as(tenant_id):
        send_mail(to, subject, body, notify_tenant=tenant_id, **notice)


def notify_reply(post: ForumPost, thread: ForumThread) -> set[str]:
    """E-mail the immediate subscribers of the thread or its category (not the author); their addresses.
    Nobody about a hidden thread: only its moderators read it, and a reply must not carry its title out."""
    if thread.hidden or post.hidden:
        return set()
    rows = db.session.execute(
        select(User.id, User.email).join(ForumSubscription, ForumSubscription.user_id == User.id).where(
            or_(ForumSubscription.thread_id == thread.id, ForumSubscription.category_id == thread.category_id),
            ForumSubscription.mode == SubscriptionMode.IMMEDIATE, User.id != post.author_user_id, User.active.is_(True),
        ).distinct()
    ).all()
    subject = _l("Rete – nuova risposta: %(title)s", title=thread.title)  # in each subscriber's language
    body = _l(
        "C'è una nuova risposta nella discussione \"%(title)s\" del forum della rete.\n\nLeggila qui: %(link)s\n",
        title=thread.title, link=_link(thread.id),
    )
    sent = set()
    for user_id, email in rows:
        tenant_id = home_tenant(user_id)
        if tenant_id is None:
            continue  # no organisation left: they read no forum
        mail_in(tenant_id, email, subject, body, kind="forum.reply", params={"title": thread.title},
                link=_link(thread.id))
        sent.add(email)
    return sent


def send_digest(now=None) -> int:
    """One e-mail per user with digest subscriptions listing the threads with new posts since the last one."""
    now = now or utcnow()
    subs = db.session.scalars(
        select(ForumSubscription).where(ForumSubscription.mode == SubscriptionMode.DIGEST).order_by(
            ForumSubscription.user_id
        )
    ).all()
    by_user: dict[int, list[ForumSubscription]] = {}
    for sub in subs:
        by_user.setdefault(sub.user_id, []).append(sub)
    sent = 0
    for user_id, rows in by_user.items():
        user = db.session.get(User, user_id)
        titles: dict[int, str] = {}
        for sub in rows:
            since = sub.digest_sent_at or (now - timedelta(days=1))
            query = select(ForumThread.id, ForumThread.title).join(ForumPost, ForumPost.thread_id == ForumThread.id).where(
                ForumPost.created_at > since, ForumPost.created_at <= now, ForumPost.hidden.is_(False),
                ForumThread.hidden.is_(False), ForumPost.author_user_id != user_id,
            )
            if sub.thread_id is not None:
                query = query.where(ForumThread.id == sub.thread_id)
            else:
                query = query.where(ForumThread.category_id == sub.category_id)
            titles.update(dict(db.session.execute(query.distinct()).all()))
            sub.digest_sent_at = now
        if titles and user is not None and user.active:
            lines = [f"- {title}: {_link(tid)}" for tid, title in sorted(titles.items())]
            send_mail(
                user.email, _l("Rete – riepilogo quotidiano del forum"),
                lambda lines=lines: _("Novità nelle discussioni che segui:") + "\n\n" + "\n".join(lines) + "\n",
            )
            sent += 1
    db.session.flush()
    return sent
