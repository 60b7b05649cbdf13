"""Directory rows: Shared, because the directory is the network's public address book.

Each organisation (tenant) has at most one entry; the entry holds only what the organisation publishes
(institutional contacts and referents), never anything from its tenant-owned data. Who may edit is decided
in services (the organisation's admin, or the coordinator/system admin of its node).
"""
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import Timestamped, Versioned
from ..tenancy.mixins import Shared
from ..tenancy.models import Tenant


class DirectoryEntry(Shared, Versioned, Timestamped, db.Model):
    __tablename__ = "directory_entries"
    __shared_reason__ = "the network's address book: what each organisation chooses to publish to the network"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(300))
    municipality_code: Mapped[str | None] = mapped_column(String(8), index=True)  # cadastral (Belfiore) code
    municipality_name: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(300))
    referents: Mapped[str | None] = mapped_column(Text)  # institutional referents, as published
    grounds: Mapped[list] = mapped_column(JSON, default=list)  # referrals.models.Ground values
    services: Mapped[str | None] = mapped_column(Text)

    organisation: Mapped[Tenant] = relationship(lazy="joined", innerjoin=True)
    points: Mapped[list["InformationPoint"]] = relationship(
        back_populates="entry", order_by="InformationPoint.id", cascade="all, delete-orphan"
    )

    @property
    def active_points(self) -> list["InformationPoint"]:
        return [p for p in self.points if p.active]


class InformationPoint(Shared, Versioned, Timestamped, db.Model):
    """A "punto informativo" attached to an antenna's entry: it listens and orients, never takes in charge.

    The antenna's admin keeps its details; only the node activates it (portal/network/services.py), once the
    organisation has a trained operator and a signed agreement. An active point is published (the public
    list, the directory) only while its organisation has an agreement in force and a trained operator
    (network.published_points).
    """

    __tablename__ = "directory_information_points"
    __shared_reason__ = "part of an organisation's public directory entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("directory_entries.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    municipality_name: Mapped[str | None] = mapped_column(String(120))
    opening_hours: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(60))
    municipality_code: Mapped[str | None] = mapped_column(String(8))  # cadastral (Belfiore) code
    email: Mapped[str | None] = mapped_column(String(200))
    languages: Mapped[str | None] = mapped_column(String(200))
    accessibility: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    # The node's network_agreements row the point was activated under (the node's own table).
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("network_agreements.id"))

    entry: Mapped[DirectoryEntry] = relationship(back_populates="points")
