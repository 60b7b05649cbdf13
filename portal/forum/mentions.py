"""Mentions of organisations in posts: ``@`` + a tenant's slug (e.g. ``@comune-arona``).

The renderer (text.render_with_mentions) links each real one to the organisation's directory entry
(/rete/o/<slug>); here we find which slugs are real and e-mail the mentioned organisation: its admins
(antenna admin; coordinator for a node) and its users who follow the thread or its category.

Nothing leaks: the mail carries the thread's title, the author's organisation and a link, never the post's
text; the recipients are looked up server-side acting as the mentioned tenant (memberships are scoped by
tenant and protected by RLS) and never shown to the author.
"""
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select

from ..accounts.models import Membership, Role, User
from ..extensions import db
from ..tenancy import context
from ..tenancy.models import Tenant
from . import text
from .models import ForumPost, ForumSubscription, ForumThread
from .notify import mail_in

ADMIN_ROLES = (Role.ANTENNA_ADMIN, Role.COORDINATOR)
MAX_MENTIONS = 10  # per post: a post naming the whole network is not a way to mass-mail it


def targets(body: str) -> dict[str, str]:
    """{slug: name} of the active organisations the text seems to mention (one query, none without "@")."""
    candidates = text.mention_candidates(body)
    if not candidates:
        return {}
    rows = db.session.execute(
        select(Tenant.slug, Tenant.name).where(Tenant.slug.in_(sorted(candidates)[:50]), Tenant.active.is_(True))
    ).all()
    return dict(rows)


def recipients(tenant: Tenant, thread: ForumThread, author_user_id: int) -> set[str]:
    """E-mail addresses of the mentioned organisation's admins and of its users following the thread/category."""
    following = select(ForumSubscription.user_id).where(or_(
        ForumSubscription.thread_id == thread.id, ForumSubscription.category_id == thread.category_id,
    ))
    with context.acting_as(tenant.id):
        rows = db.session.scalars(
            select(User.email).join(Membership, Membership.user_id == User.id).where(
                Membership.tenant_id == tenant.id, Membership.active.is_(True), User.active.is_(True),
                User.id != author_user_id, or_(Membership.role.in_(ADMIN_ROLES), User.id.in_(following)),
            ).distinct()
        ).all()
    return set(rows)


def notify(post: ForumPost, thread: ForumThread, slugs, skip: set[str] = frozenset()) -> int:
    """E-mail each mentioned organisation (once per address, not those already told of this reply)."""
    slugs = list(dict.fromkeys(slugs))[:MAX_MENTIONS]
    if not slugs or thread.hidden or post.hidden:
        return 0
    base = current_app.config.get("SERVER_BASE_URL", "").rstrip("/")
    author = db.session.get(Tenant, post.author_tenant_id)
    sent = set(skip)
    for tenant in db.session.scalars(select(Tenant).where(Tenant.slug.in_(slugs), Tenant.active.is_(True))):
        for email in sorted(recipients(tenant, thread, post.author_user_id) - sent):
            mail_in(  # the mentioned organisation's outbox: the mail is to its people
                tenant.id, email, _("Rete – la vostra organizzazione è citata nel forum: %(title)s", title=thread.title),
                _("%(author)s ha citato %(org)s nella discussione \"%(title)s\" del forum della rete.\n\n"
                  "Leggila qui: %(link)s\n", author=author.name, org=tenant.name, title=thread.title,
                  link=f"{base}/forum/t/{thread.id}#post-{post.id}"),
                kind="forum.mention", params={"title": thread.title, "author": author.name, "org": tenant.name},
                link=f"{base}/forum/t/{thread.id}#post-{post.id}",
            )
            sent.add(email)
    return len(sent) - len(skip)
