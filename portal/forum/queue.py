"""The forum's part of the coordinator's work queue (portal/core/queue.py), over what the organisations
of their own network publish (the moderation rule of services.may_moderate):

- good-practice cards waiting for validation;
- posts published in the last ``FLAG_DAYS`` days whose author confirmed personal data anyway
  (``personal_data_flags`` not empty), still visible: to read and hide if needed.

The forum is Shared: the network filter here is what keeps another node's posts out. One statement each.
"""
from datetime import timedelta

from flask import url_for
from sqlalchemy import Index, Text, cast, or_, select

from ..accounts.permissions import Capability, can_in_node
from ..core import queue
from ..core.queue import Item
from ..i18n import lazy_gettext as _l
from ..tenancy.models import Tenant
from .models import ForumPost, ForumThread, ThreadKind

FLAG_DAYS = 30

# Migration 0023: recent posts by date (the flagged ones are read among the last FLAG_DAYS days only).
Index("ix_forum_posts_created", ForumPost.created_at)


def _moderator(membership) -> bool:
    return can_in_node(Capability.MODERATE, membership)


def _network(membership):
    return or_(Tenant.id == membership.tenant_id, Tenant.node_id == membership.tenant_id)


@queue.source("forum.practices_to_validate", _l("Buone prassi da validare"), applies=_moderator, order=50)
def practices_to_validate(membership, limit, offset):
    statement = (
        select(ForumThread.id, ForumThread.title, ForumThread.created_at, Tenant.name)
        .join(Tenant, Tenant.id == ForumThread.author_tenant_id)
        .where(ForumThread.kind == ThreadKind.PRACTICE, ForumThread.validated_at.is_(None),
               ForumThread.hidden.is_(False), _network(membership))
        .order_by(ForumThread.created_at, ForumThread.id)
    )
    return queue.page_of(statement, limit, offset, lambda row: Item(
        row.title, url_for("forum.thread", thread_id=row.id), queue.as_day(row.created_at), note=row.name,
    ))


@queue.source("forum.personal_data", _l("Messaggi con dati personali confermati"), applies=_moderator, order=51,
              hint=_l("Pubblicati negli ultimi %(days)s giorni: verifica e, se serve, nascondi.", days=FLAG_DAYS))
def personal_data(membership, limit, offset):
    flags = cast(ForumPost.personal_data_flags, Text)
    statement = (
        select(ForumPost.id, ForumPost.thread_id, ForumPost.created_at, ForumThread.title, Tenant.name)
        .join(ForumThread, ForumThread.id == ForumPost.thread_id)
        .join(Tenant, Tenant.id == ForumPost.author_tenant_id)
        .where(ForumPost.created_at >= queue.now() - timedelta(days=FLAG_DAYS), ForumPost.hidden.is_(False),
               ForumThread.hidden.is_(False), flags.is_not(None), flags.not_in(("[]", "null")), _network(membership))
        .order_by(ForumPost.created_at, ForumPost.id)
    )
    return queue.page_of(statement, limit, offset, lambda row: Item(
        row.title, url_for("forum.thread", thread_id=row.thread_id) + f"#post-{row.id}", queue.as_day(row.created_at),
        note=row.name, late=True,
    ))
