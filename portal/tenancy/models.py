"""Tenants: the node(s) and their antennas, and the regional centre above several nodes."""
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Enum, ForeignKey, Integer, String, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..models_base import LabelledEnum
from .mixins import Shared


class TenantKind(LabelledEnum):
    NODE = "node", _l("Nodo provinciale contro le discriminazioni")
    MUNICIPALITY = "municipality", _l("Comune")
    SOCIAL_CONSORTIUM = "social_consortium", _l("Consorzio socio-assistenziale")
    HEALTH_AUTHORITY = "health_authority", _l("Azienda sanitaria locale")
    HOSPITAL = "hospital", _l("Azienda ospedaliera")
    COURT = "court", _l("Tribunale")
    PROSECUTOR = "prosecutor", _l("Procura della Repubblica")
    POLICE = "police", _l("Questura")
    PRISON_ADMINISTRATION = "prison_administration", _l("Amministrazione penitenziaria")
    PREFECTURE = "prefecture", _l("Prefettura")
    PROFESSIONAL_ORDER = "professional_order", _l("Ordine professionale")
    ASSOCIATION = "association", _l("Associazione")
    EQUALITY_ADVISOR = "equality_advisor", _l("Consigliera di parità")
    SCHOOL = "school", _l("Ufficio scolastico")
    UNIVERSITY = "university", _l("Università")
    CHAMBER_OF_COMMERCE = "chamber_of_commerce", _l("Camera di commercio")
    EMPLOYERS_ASSOCIATION = "employers_association", _l("Associazione di imprese")
    SERVICE_PROVIDER = "service_provider", _l("Soggetto attuatore")
    # The Provincia's own offices working with the node (centri per l'impiego, istruzione/orientamento,
    # lavoro): antennas that refer like any other, and offices a pathway's action can be addressed to.
    EMPLOYMENT_CENTRE = "employment_centre", _l("Centro per l'impiego")
    EDUCATION_GUIDANCE_OFFICE = "education_guidance_office", _l("Ufficio istruzione e orientamento")
    LABOUR_OFFICE = "labour_office", _l("Ufficio lavoro")
    # Above several nodes; reads per-node aggregates only (never a person, referral or case: see scoping.py).
    REGIONAL_CENTRE = "regional_centre", _l("Centro regionale contro le discriminazioni")


KIND_LABELS = TenantKind.labels()


# Public offices a node addresses a pathway's action to (with the equality adviser, already an antenna).
PUBLIC_OFFICE_KINDS = (
    TenantKind.EMPLOYMENT_CENTRE, TenantKind.EDUCATION_GUIDANCE_OFFICE, TenantKind.LABOUR_OFFICE,
    TenantKind.EQUALITY_ADVISOR,
)


def enum_column(enum_cls, **kw):
    """Enums stored as their values (readable in SQL, stable across renames of the Python member)."""
    return Enum(
        enum_cls,
        values_callable=lambda e: [m.value for m in e],
        native_enum=False,
        validate_strings=True,
        length=40,
        **kw,
    )


class Tenant(Shared, db.Model):
    """The registry of organisations in the network.

    Shared: every member may know which organisations exist (names appear on forum posts and in the
    directory); nothing private lives on this table.
    """

    __tablename__ = "tenants"
    __shared_reason__ = "registry of the network's organisations; names are public within the network"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[TenantKind] = mapped_column(enum_column(TenantKind, name="tenant_kind"))
    # The node an antenna belongs to; NULL for a node.
    node_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    # The regional centre a node belongs to (at most one); NULL for everything but nodes.
    region_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[str | None] = mapped_column(String(200))
    # A node's short code, the prefix of its people's pseudonyms (e.g. "NO" -> NO-2026-000123).
    code: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Its members sign in only with SPID/CIE (effective while an identity provider is configured).
    password_sign_in_disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    node: Mapped["Tenant | None"] = relationship(remote_side=[id], back_populates="antennas", foreign_keys=[node_id])
    antennas: Mapped[list["Tenant"]] = relationship(back_populates="node", order_by="Tenant.name", foreign_keys=[node_id])
    region: Mapped["Tenant | None"] = relationship(remote_side=[id], back_populates="nodes", foreign_keys=[region_id])
    nodes: Mapped[list["Tenant"]] = relationship(back_populates="region", order_by="Tenant.name", foreign_keys=[region_id])

    @property
    def is_node(self) -> bool:
        return self.kind == TenantKind.NODE

    @property
    def is_region(self) -> bool:
        return self.kind == TenantKind.REGIONAL_CENTRE

    @property
    def is_provider(self) -> bool:
        return self.kind == TenantKind.SERVICE_PROVIDER

    @property
    def network_node_id(self) -> int:
        """The node whose network this tenant belongs to (itself for a node)."""
        return self.id if self.is_node else self.node_id

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"
