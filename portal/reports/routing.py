"""Which node is competent for a report: the node whose own municipality (its directory entry) lies in the
province of the municipality reported. With no match (or no municipality given) the default node keeps it
(``PUBLIC_REPORT_DEFAULT_NODE``, a tenant slug; else the first active node) and the report says so."""
from flask import current_app
from sqlalchemy import select

from ..directory import municipalities
from ..directory.models import DirectoryEntry
from ..extensions import db
from ..tenancy.models import Tenant, TenantKind


def default_node() -> Tenant | None:
    slug = current_app.config.get("PUBLIC_REPORT_DEFAULT_NODE")
    nodes = select(Tenant).where(Tenant.kind == TenantKind.NODE, Tenant.active.is_(True))
    if slug:
        chosen = db.session.scalar(nodes.where(Tenant.slug == slug))
        if chosen is not None:
            return chosen
    return db.session.scalars(nodes.order_by(Tenant.id).limit(1)).first()


def competent_node(municipality_code: str | None) -> tuple[Tenant | None, bool]:
    """(node, routed_by_default)."""
    province = municipalities.province_of(municipality_code)
    if province:
        rows = db.session.execute(
            select(Tenant, DirectoryEntry.municipality_code)
            .join(DirectoryEntry, DirectoryEntry.organisation_id == Tenant.id)
            .where(Tenant.kind == TenantKind.NODE, Tenant.active.is_(True))
            .order_by(Tenant.id)
        ).all()
        for node, code in rows:
            if municipalities.province_of(code) == province:
                return node, False
    return default_node(), True
