"""Ownership mixins: each says, in one expression, which rows the current tenant may see.

Exactly one owner (``tenant_id``) plus at most one named sharer column. The mixins are disjoint (none
inherits another) so that one ``with_loader_criteria`` per mixin applies exactly one rule per model.
"""
from sqlalchemy import ForeignKey, Integer, and_, or_, true
from sqlalchemy.orm import Mapped, mapped_column

# Plain mapped_column() on mixins (not declared_attr): SQLAlchemy copies them per model, and the
# with_loader_criteria lambdas can then be analysed against the mixin class itself.


class _TenantColumn:
    tenant_id: Mapped[int] = mapped_column(Integer, ForeignKey("tenants.id"), nullable=False, index=True)


class TenantOwned(_TenantColumn):
    """Rows only their tenant sees."""

    __sharer__ = None

    @classmethod
    def visible_to(cls, tenant_id, user_id=None):
        return cls.tenant_id == tenant_id


class NodeShared(_TenantColumn):
    """Rows an antenna owns and its node also sees (referral, person): tenant OR node.

    ``__shared_when__`` names a column that must be set before the node sees the row: a referral is the
    antenna's alone until it is first sent (``submitted_at``), and so is a person met only in drafts
    (``shared_at``). The scoping criteria and the PostgreSQL policy both carry it (one rule, no view checks).
    """

    __sharer__ = "node_id"
    __shared_when__: str | None = None

    node_id: Mapped[int] = mapped_column(Integer, ForeignKey("tenants.id"), nullable=False, index=True)

    @classmethod
    def shared_clause(cls):
        return getattr(cls, cls.__shared_when__).is_not(None) if cls.__shared_when__ else true()

    @classmethod
    def visible_to(cls, tenant_id, user_id=None):
        return or_(cls.tenant_id == tenant_id, and_(cls.node_id == tenant_id, cls.shared_clause()))


class _OrOneTenant(_TenantColumn):
    """The owner OR the one tenant named in ``__sharer__``: the rule of the three mixins below (not a rule of
    its own: never in SCOPED_MIXINS, so each keeps its own loader criteria)."""

    @classmethod
    def visible_to(cls, tenant_id, user_id=None):
        return or_(cls.tenant_id == tenant_id, getattr(cls, cls.__sharer__) == tenant_id)


class ProviderShared(_OrOneTenant):
    """Rows the node owns and shares with one service provider: tenant OR provider."""

    __sharer__ = "provider_id"

    provider_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("tenants.id"), nullable=True, index=True)


class UserShared(_TenantColumn):
    """Rows a tenant owns that their user also sees before choosing a tenant (memberships)."""

    __sharer__ = "user_id"

    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"), nullable=False, index=True)

    @classmethod
    def visible_to(cls, tenant_id, user_id=None):
        return or_(cls.tenant_id == tenant_id, cls.user_id == user_id)


class RegionShared(_OrOneTenant):
    """Rows a node owns and shares with its regional centre (the per-node summaries): tenant OR region."""

    __sharer__ = "region_id"

    region_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("tenants.id"), nullable=True, index=True)


class PeerShared(_OrOneTenant):
    """Rows a node owns and shares with one other tenant: tenant OR peer. A case transfer (the receiving
    node is the peer); an action referred to a public office (the office is the peer: cases' OfficeReferral).
    Neither side ever reads the other's own tables."""

    __sharer__ = "peer_id"

    peer_id: Mapped[int] = mapped_column(Integer, ForeignKey("tenants.id"), nullable=False, index=True)


class Shared:
    """Deliberately unscoped: the common space of the network or a global registry.

    Subclasses state why in ``__shared_reason__``; the isolation tests check every model is either
    scoped by one of the mixins above or marked Shared.
    """

    __shared_reason__ = ""


SCOPED_MIXINS = (TenantOwned, NodeShared, ProviderShared, UserShared, RegionShared, PeerShared)

# The only scoped tables a regional centre may have rows in or read: its users' memberships, its own
# audit trail and the per-node summaries shared with it (and any UserShared table: a user's own rows). Every other scoped table (people, referrals,
# cases, actions, verifications, attachments, budget...) matches nothing for a region, even a row that
# carried the region's id by mistake: in the ORM (scoping.py) and in PostgreSQL (rls.py, migration 0024).
# Also the e-mail outbox and in-app notifications addressed to its users (a regional user's password reset
# queues a mail under the region): they carry codes and pseudonyms only, never a person's data.
# And the statistics it has released (statistics_releases: published counts of its quarters, never a person).
REGIONAL_TABLES = frozenset({"memberships", "audit_events", "region_summaries", "statistics_releases", "mail_outbox",
                             "notifications"})

# Summaries only their triggers write: the application reads them, never writes a row (before_flush refuses,
# and PostgreSQL grants the app role SELECT only: migrations/helpers/rls_v2.READ_ONLY_TABLES, kept equal by a test).
READ_ONLY_TABLES = frozenset({"monitoring_referral_months"})
