"""Forum rows. All of them are Shared: the forum is the network's common space.

Posts carry ``author_user_id`` and ``author_tenant_id`` (the organisation shown on each post) but no
tenant scoping. Subscriptions and read markers are per *user*, also Shared: a reply in one tenant must
find the subscribers of every other tenant to notify them (on PostgreSQL a TenantOwned row would be hidden
by RLS from the replier's transaction). Services always filter them by the current user.
"""
import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..models_base import (
    Created,
    FormKeyed,
    LabelledEnum,
    MarkdownBody,
    StoredFileColumns,
    Timestamped,
    Versioned,
    utcnow,
)
from ..tenancy.mixins import Shared
from ..tenancy.models import Tenant, enum_column


class CategoryKind(LabelledEnum):
    GROUND = "ground", _l("Per motivo di discriminazione")
    INTERVENTION = "intervention", _l("Per tipo di intervento")
    NETWORK = "network", _l("Vita della rete")


CATEGORY_KIND_LABELS = CategoryKind.labels()


class ThreadKind(LabelledEnum):
    DISCUSSION = "discussion", _l("Discussione")
    PRACTICE = "practice", _l("Scheda di buona prassi")


THREAD_KIND_LABELS = ThreadKind.labels()


class SubscriptionMode(LabelledEnum):
    IMMEDIATE = "immediate", _l("Un'e-mail a ogni risposta")
    DIGEST = "digest", _l("Un riepilogo al giorno")


MODE_LABELS = SubscriptionMode.labels()


class PersonalDataKind(enum.StrEnum):
    """What the personal-data check finds (forum/privacy.py). Authors confirm only contacts (phone, e-mail);
    the other two appear in confirmations made before migration 0020, when one tick covered everything."""

    PHONE = "phone"
    EMAIL = "email"
    TAX_CODE = "tax_code"
    PSEUDONYM = "pseudonym"


# The structured fields of a good-practice card, in display order.
PRACTICE_FIELDS = ("problem", "target_group", "intervention", "partners", "resources", "results", "contacts")


class ForumCategory(Shared, db.Model):
    __tablename__ = "forum_categories"
    __shared_reason__ = "forum categories are the network's common space"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(500))
    kind: Mapped[CategoryKind] = mapped_column(enum_column(CategoryKind, name="forum_category_kind"))
    position: Mapped[int] = mapped_column(Integer, default=0)


class ForumThread(Shared, FormKeyed, Timestamped, db.Model):
    __tablename__ = "forum_threads"
    __shared_reason__ = "threads are published to the whole network; they carry no case data"
    __table_args__ = (
        Index("ix_forum_threads_category_last", "category_id", "last_post_at"),
        Index("ix_forum_threads_validated", "kind", "validated_at"),
        Index("uq_forum_threads_submission_key", "submission_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("forum_categories.id"))
    kind: Mapped[ThreadKind] = mapped_column(enum_column(ThreadKind, name="forum_thread_kind"))
    title: Mapped[str] = mapped_column(String(200))
    author_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    author_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    ground: Mapped[str | None] = mapped_column(String(40))  # referrals.models.Ground, for the practice filter
    problem: Mapped[str | None] = mapped_column(Text)
    target_group: Mapped[str | None] = mapped_column(Text)
    intervention: Mapped[str | None] = mapped_column(Text)
    partners: Mapped[str | None] = mapped_column(Text)
    resources: Mapped[str | None] = mapped_column(Text)
    results: Mapped[str | None] = mapped_column(Text)
    contacts: Mapped[str | None] = mapped_column(Text)
    validated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    post_count: Mapped[int] = mapped_column(Integer, default=0)
    last_post_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    category: Mapped[ForumCategory] = relationship(lazy="joined", innerjoin=True)
    author_tenant: Mapped[Tenant] = relationship(foreign_keys=[author_tenant_id], lazy="joined", innerjoin=True)


class ForumPost(Shared, FormKeyed, MarkdownBody, Versioned, Timestamped, db.Model):
    __tablename__ = "forum_posts"
    __shared_reason__ = "posts are published to the whole network; checked for personal data before publishing"
    __table_args__ = (Index("ix_forum_posts_thread_id_id", "thread_id", "id"),
                      Index("uq_forum_posts_submission_key", "submission_key", unique=True))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("forum_threads.id"))
    author_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    author_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    search_text: Mapped[str] = mapped_column(Text)  # what full-text search indexes (title and card on the first post)
    # The kinds of contacts confirmed (details in forum_personal_data_confirmations): a cheap flag for the page.
    personal_data_flags: Mapped[list] = mapped_column(JSON, default=list)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when files are attached: a page of posts without any asks nothing more of the database.
    has_attachments: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    author_tenant: Mapped[Tenant] = relationship(foreign_keys=[author_tenant_id], lazy="joined", innerjoin=True)


class PersonalDataConfirmation(Shared, db.Model):
    """One contact (phone number or e-mail address) the author confirmed as public before publishing: what,
    where in the post and by whom. The node's moderators review them (forum/moderation.py).

    Codici fiscali and pseudonym codes never get here: they cannot be confirmed (forum/privacy.py)."""

    __tablename__ = "forum_personal_data_confirmations"
    __shared_reason__ = "about shared posts, read by the node's moderators like the posts themselves"
    __table_args__ = (Index("ix_forum_personal_data_confirmations_post", "post_id", "item_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("forum_posts.id"))
    kind: Mapped[PersonalDataKind] = mapped_column(enum_column(PersonalDataKind, name="forum_personal_data_kind"))
    # The form field: body, title, a card field, files ("post" for confirmations older than migration 0020).
    field: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(320))  # the contact as published (empty before migration 0020)
    item_key: Mapped[str] = mapped_column(String(40))  # privacy.confirmation_key: an edit keeps what was confirmed
    confirmed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class ForumAttachment(Shared, StoredFileColumns, Created, db.Model):
    """A file attached to a post: checked by content, stored outside static/ (FORUM_ATTACHMENT_DIR) under a
    random name, served only to logged-in members of the network while the post is visible.

    ``post_id`` is NULL while the file waits for its post (the form was sent back for a personal-data
    confirmation): then only its uploader may claim it.
    """

    __tablename__ = "forum_attachments"
    __shared_reason__ = "files of shared posts, read by the whole network like the posts themselves"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("forum_posts.id"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)


class ForumPostRevision(Shared, db.Model):
    """The text a post had before each edit (the edit history)."""

    __tablename__ = "forum_post_revisions"
    __shared_reason__ = "history of a shared post"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("forum_posts.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    edited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    edited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ForumReport(Shared, Created, db.Model):
    __tablename__ = "forum_reports"
    __shared_reason__ = "reports on shared posts, read by the node's moderators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("forum_posts.id"), index=True)
    reporter_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reporter_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    reason: Mapped[str] = mapped_column(String(500))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ForumSubscription(Shared, Created, db.Model):
    """A user's subscription to a thread or a category (exactly one of the two)."""

    __tablename__ = "forum_subscriptions"
    __shared_reason__ = "per-user rows; services filter by the current user (notifications cross tenants)"
    __table_args__ = (
        UniqueConstraint("user_id", "thread_id", name="uq_forum_subscriptions_user_thread"),
        UniqueConstraint("user_id", "category_id", name="uq_forum_subscriptions_user_category"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("forum_threads.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("forum_categories.id"), index=True)
    mode: Mapped[SubscriptionMode] = mapped_column(enum_column(SubscriptionMode, name="forum_subscription_mode"))
    digest_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ForumReadMarker(Shared, db.Model):
    """The last post of a thread a user has seen: threads with newer posts show as unread."""

    __tablename__ = "forum_read_markers"
    __shared_reason__ = "per-user rows; services filter by the current user"
    __table_args__ = (UniqueConstraint("user_id", "thread_id", name="uq_forum_read_markers_user_thread"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("forum_threads.id"), index=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# Search objects created by migration 0004 with op.execute, outside the models: autogenerate skips them.
SEARCH_OBJECTS = ("forum_posts_fts", "ix_forum_posts_search_italian", "search_vector")


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic ``include_object`` hook: hide the full-text search objects from model comparison."""
    return not (reflected and compare_to is None and name and name.startswith(SEARCH_OBJECTS))
