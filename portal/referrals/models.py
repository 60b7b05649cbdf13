"""The referral, its transitions (with the messages between antenna and node) and attachments."""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.grounds import GROUND_LABELS as GROUND_LABELS
from ..core.grounds import Ground as Ground
from ..crypto import EncryptedField
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..models_base import CreatedBy, LabelledEnum, RowUid, StoredFileColumns, Timestamped, Versioned, utcnow
from ..people.models import Person
from ..tenancy.mixins import NodeShared
from ..tenancy.models import enum_column


class Context(LabelledEnum):
    WORK = "work", _l("Lavoro")
    HOUSING = "housing", _l("Casa")
    SCHOOL = "school", _l("Scuola e formazione")
    SERVICES = "services", _l("Accesso ai servizi")
    PUBLIC_SPACE = "public_space", _l("Spazio pubblico")
    HEALTH = "health", _l("Salute")
    ONLINE = "online", _l("Online")
    OTHER = "other", _l("Altro")


CONTEXT_LABELS = Context.labels()


class Urgency(LabelledEnum):
    LOW = "low", _l("Bassa")
    NORMAL = "normal", _l("Normale")
    HIGH = "high", _l("Alta")
    URGENT = "urgent", _l("Urgente")


URGENCY_LABELS = Urgency.labels()


class ReferralState(LabelledEnum):
    DRAFT = "draft", _l("Bozza")
    SUBMITTED = "submitted", _l("Inviata al nodo")
    INFO_REQUESTED = "info_requested", _l("Richieste informazioni")
    ACCEPTED = "accepted", _l("Presa in carico")
    DECLINED = "declined", _l("Non accolta")
    WITHDRAWN = "withdrawn", _l("Ritirata")


STATE_LABELS = ReferralState.labels()


class DeclineReason(LabelledEnum):
    OUT_OF_SCOPE = "out_of_scope", _l("Fuori dall'ambito del nodo")
    NOT_ELIGIBLE = "not_eligible", _l("Requisiti non soddisfatti")
    DUPLICATE = "duplicate", _l("Segnalazione duplicata")
    REFERRED_ELSEWHERE = "referred_elsewhere", _l("Inviata ad altro servizio")
    NO_CONSENT = "no_consent", _l("Consenso mancante o revocato")
    PERSON_UNREACHABLE = "person_unreachable", _l("Persona non raggiungibile")
    OTHER = "other", _l("Altro")


DECLINE_LABELS = DeclineReason.labels()


class LegalBasis(LabelledEnum):
    CONSENT = "consent", _l("Consenso esplicito (art. 9.2.a GDPR)")
    VITAL_INTERESTS = "vital_interests", _l("Interessi vitali (art. 9.2.c GDPR)")  # art. 9(2)(c) GDPR
    PUBLIC_INTEREST = "public_interest", _l("Interesse pubblico rilevante (art. 9.2.g GDPR)")  # art. 9(2)(g) GDPR, chosen by the node


LEGAL_BASIS_LABELS = LegalBasis.labels()


class OutcomeCode(LabelledEnum):
    """What the node tells the antenna about its referral (``Referral.outcome_code``): a code, shown in the
    reader's language through its label. Only state words, never case details. Migration 0020 mapped the
    sentences once stored (these msgids and their English translations) to the codes."""

    TAKEN_IN_CHARGE = "taken_in_charge", _l("Presa in carico dal nodo")
    PHASE_1 = "phase_1", _l("Presa in carico – fase 1: inserimento lavorativo")
    PHASE_2 = "phase_2", _l("Presa in carico – fase 2: inclusione socio-lavorativa")
    COMPLETED = "completed", _l("Percorso concluso")
    NOT_TAKEN_IN_CHARGE = "not_taken_in_charge", _l("Non presa in carico")
    TRANSFERRED = "transferred", _l("Caso trasferito a un altro nodo della regione")  # the case moved to another node of the region


OUTCOME_LABELS = OutcomeCode.labels()


class Referral(NodeShared, RowUid, Versioned, CreatedBy, db.Model):
    """Owned by the antenna, shared with its node. The node updates state and the outcome summary;
    its internal notes live on the Case, which the antenna never reads."""

    __tablename__ = "referrals"
    __shared_when__ = "submitted_at"  # a draft is the antenna's alone (scoping and RLS)
    # The antenna's list and the node's inbox read their page of ids from these (referrals/listing.py).
    __table_args__ = (
        Index("ix_referrals_tenant_updated", "tenant_id", "updated_at", "id"),
        Index("ix_referrals_node_state_submitted", "node_id", "state", "submitted_at", "id"),
        Index("ix_referrals_node_submitted", "node_id", "submitted_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    state: Mapped[ReferralState] = mapped_column(enum_column(ReferralState, name="referral_state"), index=True)
    grounds: Mapped[list] = mapped_column(JSON, default=list)
    context: Mapped[Context] = mapped_column(enum_column(Context, name="referral_context"))
    urgency: Mapped[Urgency] = mapped_column(enum_column(Urgency, name="urgency"), default=Urgency.NORMAL)
    # Free text about the discrimination suffered: special-category content, encrypted like identity.
    situation_enc: Mapped[str | None] = mapped_column(Text)
    needs_enc: Mapped[str | None] = mapped_column(Text)
    situation = EncryptedField("situation_enc")
    needs = EncryptedField("needs_enc")
    availability: Mapped[str | None] = mapped_column(String(500))
    consent_notice_version: Mapped[str | None] = mapped_column(String(20))
    consent_date: Mapped[date | None] = mapped_column(Date)
    # Consent could not be collected: the antenna asks the node to assess another legal basis (art. 9.2 GDPR),
    # which the node records (``legal_basis``) before it may take the person in charge.
    legal_basis_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    legal_basis: Mapped[LegalBasis | None] = mapped_column(enum_column(LegalBasis, name="legal_basis"))
    # One referral per rendered form: a double click or the back button cannot create two.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)  # the first sending
    resubmitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the latest answer to the node
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decline_reason: Mapped[DeclineReason | None] = mapped_column(enum_column(DeclineReason, name="decline_reason"))
    outcome_code: Mapped[OutcomeCode | None] = mapped_column(enum_column(OutcomeCode, name="referral_outcome_code"))
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # "Inviata dal punto informativo X" (one of the antenna's active points), for the node's monitoring.
    information_point_id: Mapped[int | None] = mapped_column(ForeignKey("directory_information_points.id"))

    person: Mapped[Person] = relationship(lazy="joined")
    events: Mapped[list["ReferralEvent"]] = relationship(
        back_populates="referral", order_by="ReferralEvent.at", cascade="all, delete-orphan"
    )
    attachments: Mapped[list["Attachment"]] = relationship(back_populates="referral", order_by="Attachment.id")

    @property
    def waiting_since(self) -> datetime | None:
        """Since when the node has had the referral in hand: the latest sending."""
        return self.resubmitted_at or self.submitted_at


class ReferralEvent(NodeShared, db.Model):
    """A transition with its message to the other side. Written by either side (the node too)."""

    __tablename__ = "referral_events"
    __sharer_may_insert__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    actor_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    message: Mapped[str | None] = mapped_column(Text)

    referral: Mapped[Referral] = relationship(back_populates="events")


class Attachment(NodeShared, StoredFileColumns, Timestamped, db.Model):
    """A document attached to a referral; stored outside static/, served only to who may read it."""

    __tablename__ = "attachments"
    __sharer_may_insert__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    referral: Mapped[Referral] = relationship(back_populates="attachments")
