"""Node-only rows: the case, its actions (shared with the assigned provider) and verifications.

The analytical record (scheda analitica) is a view over these rows in time order, not a copy.
"""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto import EncryptedField
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..models_base import FormKeyed, LabelledEnum, RowUid, StoredFileColumns, Timestamped, Versioned, utcnow
from ..people.models import Person
from ..tenancy.mixins import PeerShared, ProviderShared, TenantOwned
from ..tenancy.models import enum_column

HOURS = Numeric(7, 2)


class CaseState(LabelledEnum):
    OPEN = "open", _l("Aperto")
    PHASE_1 = "phase_1", _l("Fase 1 – inserimento lavorativo")
    PHASE_2 = "phase_2", _l("Fase 2 – inclusione socio-lavorativa")
    CLOSED = "closed", _l("Chiuso")
    # Moved to another node of the region, which owns it from then on: read-only history here (transfers.py).
    TRANSFERRED = "transferred", _l("Trasferito ad altro nodo")


CASE_STATE_LABELS = CaseState.labels()


# No pathway work happens in these states (queues, alerts and every write service leave them alone).
ENDED_STATES = (CaseState.CLOSED, CaseState.TRANSFERRED)


class ClosureOutcome(LabelledEnum):
    INCLUDED = "included", _l("Inclusione socio-lavorativa raggiunta")
    EMPLOYED = "employed", _l("Inserimento lavorativo")
    PARTIAL = "partial", _l("Obiettivi raggiunti in parte")
    DROPPED_OUT = "dropped_out", _l("Percorso interrotto dalla persona")
    MOVED_AWAY = "moved_away", _l("Trasferimento fuori dal territorio")
    REFERRED_ELSEWHERE = "referred_elsewhere", _l("Inviata ad altro servizio")
    OTHER = "other", _l("Altro")


CLOSURE_OUTCOME_LABELS = ClosureOutcome.labels()


class ServiceType(LabelledEnum):
    COUNSELLING = "counselling", _l("Counselling")
    ORIENTATION = "orientation", _l("Orientamento")
    SKILLS_REINFORCEMENT = "skills_reinforcement", _l("Rinforzo delle competenze")
    TUTORING = "tutoring", _l("Tutoraggio")
    TRAINING = "training", _l("Formazione")
    JOB_MATCHING = "job_matching", _l("Incontro domanda/offerta")
    PSYCHOLOGICAL_SUPPORT = "psychological_support", _l("Sostegno psicologico")
    SOCIAL_MEDIATION = "social_mediation", _l("Mediazione sociale")
    BUSINESS_STARTUP = "business_startup", _l("Sostegno all'avvio d'impresa")
    SELF_EMPLOYMENT = "self_employment", _l("Sostegno al lavoro autonomo")
    MOTIVATION = "motivation", _l("Motivazione / rimotivazione")


SERVICE_TYPE_LABELS = ServiceType.labels()


class ActionPhase(LabelledEnum):
    PREPARATORY = "preparatory", _l("Fase propedeutica")  # fase propedeutica
    JOB_INSERTION = "job_insertion", _l("Inserimento lavorativo (fase 1)")  # phase 1
    INCLUSION = "inclusion", _l("Inclusione socio-lavorativa (fase 2)")  # phase 2


ACTION_PHASE_LABELS = ActionPhase.labels()


class ActionStatus(LabelledEnum):
    # Planned with a provider but no contract line covers it yet: no service order, nothing for the
    # provider to see; ordered later from the case page (or the budget) once a line exists.
    TO_ORDER = "to_order", _l("Da ordinare")
    PLANNED = "planned", _l("Pianificata")
    IN_PROGRESS = "in_progress", _l("In corso")
    DONE = "done", _l("Conclusa")
    CANCELLED = "cancelled", _l("Annullata")


ACTION_STATUS_LABELS = ActionStatus.labels()


class VerificationPhase(LabelledEnum):
    JOB_INSERTION = "job_insertion", _l("Verifica dell'inserimento lavorativo (fase 1)")
    INCLUSION = "inclusion", _l("Follow-up dell'inclusione socio-lavorativa (fase 2)")


VERIFICATION_PHASE_LABELS = VerificationPhase.labels()


class JobOutcome(LabelledEnum):
    EMPLOYED = "employed", _l("Assunta/o")
    TRAINEESHIP = "traineeship", _l("Tirocinio")
    SELF_EMPLOYED = "self_employed", _l("Lavoro autonomo")
    NOT_YET = "not_yet", _l("Non ancora inserita/o")


JOB_OUTCOME_LABELS = JobOutcome.labels()


class ContractType(LabelledEnum):
    PERMANENT = "permanent", _l("Tempo indeterminato")
    FIXED_TERM = "fixed_term", _l("Tempo determinato")
    APPRENTICESHIP = "apprenticeship", _l("Apprendistato")
    AGENCY = "agency", _l("Somministrazione")
    OTHER = "other", _l("Altro")


CONTRACT_TYPE_LABELS = ContractType.labels()


class Case(TenantOwned, RowUid, Versioned, Timestamped, db.Model):
    __tablename__ = "cases"
    # The case list reads one page of ids from these (see cases/listing.py), whatever the number of cases.
    __table_args__ = (
        Index("ix_cases_tenant_opened", "tenant_id", "opened_at", "id"),
        Index("ix_cases_tenant_pseudonym", "tenant_id", "pseudonym", "id"),
        # LIKE 'NO-2026-00%' can use a btree only with pattern ops under a non-C collation (PostgreSQL).
        Index("ix_cases_pseudonym_prefix", "pseudonym", postgresql_ops={"pseudonym": "text_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    # Denormalised copies for the node's case list (filters without joining the antenna's rows).
    pseudonym: Mapped[str] = mapped_column(String(20), index=True)
    antenna_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    grounds: Mapped[str] = mapped_column(String(200), default="")  # comma-joined, for filtering
    case_worker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    state: Mapped[CaseState] = mapped_column(enum_column(CaseState, name="case_state"), index=True)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closure_outcome: Mapped[ClosureOutcome | None] = mapped_column(enum_column(ClosureOutcome, name="closure_outcome"))
    closure_reason: Mapped[str | None] = mapped_column(Text)

    person: Mapped[Person] = relationship()
    # Never read (lazy="raise"): it tells the unit of work to insert a referral before its case when both are
    # written by one flush (a bulk import's chunk, core/bulk.py); the column alone does not.
    _referral = relationship("Referral", lazy="raise", foreign_keys=[referral_id])
    actions: Mapped[list["Action"]] = relationship(back_populates="case", order_by="Action.planned_start")
    verifications: Mapped[list["Verification"]] = relationship(back_populates="case", order_by="Verification.due_date")


class Action(ProviderShared, Versioned, Timestamped, db.Model):
    """One service in the pathway. Shared with the provider that delivers it (``provider_id``);
    NULL provider means the node delivers it itself."""

    __tablename__ = "actions"
    __table_args__ = (Index("uq_actions_submission_key", "submission_key", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    pseudonym: Mapped[str] = mapped_column(String(20))  # all a provider ever learns of the person
    service_type: Mapped[ServiceType] = mapped_column(enum_column(ServiceType, name="service_type"), index=True)
    phase: Mapped[ActionPhase] = mapped_column(enum_column(ActionPhase, name="action_phase"))
    status: Mapped[ActionStatus] = mapped_column(enum_column(ActionStatus, name="action_status"), default=ActionStatus.PLANNED)
    planned_start: Mapped[date] = mapped_column(Date)
    planned_end: Mapped[date | None] = mapped_column(Date)
    planned_hours: Mapped[Decimal] = mapped_column(HOURS, default=Decimal("0"))
    # What was delivered. For a provider action these are its approved deliveries, written only by the
    # database triggers of migration 0016 (portal/budget/delivered.py): hours of the lines priced by the
    # hour, the last approved day, approved sessions and those the person attended. For an action the
    # node delivers itself (no provider) hours and day are typed on the action (pathway.record_action).
    delivered_hours: Mapped[Decimal] = mapped_column(HOURS, default=Decimal("0"))
    delivered_on: Mapped[date | None] = mapped_column(Date)
    delivered_sessions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    attended_sessions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    outcome: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)
    # The public office of the network the person is sent to for this action (employment centre, education
    # and orientation, labour, equality adviser). The office never reads the action: it gets an
    # OfficeReferral, a copy of what it needs (pseudonym, service, dates, status), like a provider's order.
    office_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"))
    # The case's case worker while the case is not ended, written only by the triggers of migration 0039
    # (cases/action_worker.py) for the case worker's overdue-actions queue. Deferred: nothing else reads it
    # (a provider sharing the action has no use for it); fetched again after a write, the database sets it.
    active_case_worker_id: Mapped[int | None] = mapped_column(
        Integer, deferred=True, server_default=FetchedValue(), server_onupdate=FetchedValue())

    # The random key of the planning form that created it: the same form posted again plans nothing.
    submission_key: Mapped[str | None] = mapped_column(String(64))

    case: Mapped[Case] = relationship(back_populates="actions")


class Verification(TenantOwned, Versioned, Timestamped, db.Model):
    """Phase 1: the job-insertion outcome. Phase 2: follow-ups at planned months (3, 6, 12)."""

    __tablename__ = "verifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    phase: Mapped[VerificationPhase] = mapped_column(enum_column(VerificationPhase, name="verification_phase"))
    months_after: Mapped[int | None] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    done_on: Mapped[date | None] = mapped_column(Date)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    job_outcome: Mapped[JobOutcome | None] = mapped_column(enum_column(JobOutcome, name="job_outcome"))
    contract_type: Mapped[ContractType | None] = mapped_column(enum_column(ContractType, name="contract_type"))
    hours_per_week: Mapped[Decimal | None] = mapped_column(HOURS)
    sector: Mapped[str | None] = mapped_column(String(120))
    start_date: Mapped[date | None] = mapped_column(Date)
    evidence: Mapped[str | None] = mapped_column(String(300))
    still_in_work: Mapped[bool | None] = mapped_column(Boolean)
    difficulties: Mapped[str | None] = mapped_column(Text)
    support_needed: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="verifications")


class DiaryEntry(TenantOwned, RowUid, FormKeyed, Versioned, Timestamped, db.Model):
    """One dated entry of the case diary (the node's internal notes, never shown to antennas or providers).

    Written by one person and correctable only by them for a short while (``CASE_DIARY_EDIT_MINUTES``);
    each earlier wording is kept as a DiaryRevision. ``author_id`` NULL: the case's notes from before the
    diary (migration 0018)."""

    __tablename__ = "case_diary_entries"
    __table_args__ = (Index("ix_case_diary_entries_case_written", "case_id", "written_at", "id"),
                      Index("uq_case_diary_entries_submission_key", "submission_key", unique=True))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    text_enc: Mapped[str | None] = mapped_column(Text)
    text = EncryptedField("text_enc")

    revisions: Mapped[list["DiaryRevision"]] = relationship(order_by="DiaryRevision.id", back_populates="entry")


class DiaryRevision(TenantOwned, RowUid, db.Model):
    """An earlier wording of a diary entry, kept when its author corrected it (the history stays visible)."""

    __tablename__ = "case_diary_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("case_diary_entries.id"), index=True)
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # when this wording was written
    replaced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    text_enc: Mapped[str | None] = mapped_column(Text)
    text = EncryptedField("text_enc")

    entry: Mapped[DiaryEntry] = relationship(back_populates="revisions")


class DocumentKind(LabelledEnum):
    CASE = "case", _l("Documento del caso")
    PHASE_1_OUTCOME = "phase_1_outcome", _l("Esito della fase 1")  # e.g. the UNILAV notice proving the hiring
    DELIVERY = "delivery", _l("Prestazione")  # attendance sheet, timesheet


DOCUMENT_KIND_LABELS = DocumentKind.labels()


class CaseDocument(ProviderShared, StoredFileColumns, FormKeyed, Timestamped, db.Model):
    """A document on a case, on its phase-1 outcome or on a delivery, stored like referral attachments
    (portal/core/files.py). The node's; a delivery's documents are shared with that delivery's provider
    (``provider_id``), who may upload them too."""

    __tablename__ = "case_documents"
    __sharer_may_insert__ = True
    __table_args__ = (Index("uq_case_documents_submission_key", "submission_key", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(enum_column(DocumentKind, name="case_document_kind"))
    verification_id: Mapped[int | None] = mapped_column(ForeignKey("verifications.id"))
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # A letter addressed to the person by name (documents/letters.py): opening it reads their identity, on
    # need-to-know and audited as such (migration 0050).
    names_person: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class TransferState(LabelledEnum):
    PENDING = "pending", _l("In attesa di risposta")
    ACCEPTED = "accepted", _l("Accolto")
    DECLINED = "declined", _l("Non accolto")
    WITHDRAWN = "withdrawn", _l("Ritirato")


TRANSFER_STATE_LABELS = TransferState.labels()


class CaseTransfer(PeerShared, RowUid, Versioned, Timestamped, db.Model):
    """A case proposed by its node (``tenant_id``) to another node of the same region (``peer_id``).

    Only these two nodes see the row. It carries a snapshot taken at proposal time (summary, pathway, the
    diary notes the sender chose, the identity), encrypted like the rest, so the receiving node never reads
    the sender's tables: on acceptance it builds its own person, referral and case from it (transfers.py).
    ``case_id`` names the sender's case (the receiver cannot read it); ``new_case_id`` the receiver's.
    """

    __tablename__ = "case_transfers"
    # The receiving coordinator's queue: the transfers waiting for their node, oldest first.
    __table_args__ = (Index("ix_case_transfers_peer_state", "peer_id", "state", "proposed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    pseudonym: Mapped[str] = mapped_column(String(20))  # the sender's, all the antenna ever learns
    state: Mapped[TransferState] = mapped_column(enum_column(TransferState, name="transfer_state"), index=True)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notes_shared: Mapped[int] = mapped_column(Integer, default=0)  # how many diary entries were chosen
    new_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    new_pseudonym: Mapped[str | None] = mapped_column(String(20))
    # Free texts and the snapshot may name the person or their situation: encrypted, bound to ``uid``.
    reason_enc: Mapped[str | None] = mapped_column(Text)
    decline_reason_enc: Mapped[str | None] = mapped_column(Text)
    snapshot_enc: Mapped[str | None] = mapped_column(Text)  # JSON: summary, pathway, chosen notes
    identity_enc: Mapped[str | None] = mapped_column(Text)  # JSON: the person's identity fields
    reason = EncryptedField("reason_enc")
    decline_reason = EncryptedField("decline_reason_enc")
    snapshot_json = EncryptedField("snapshot_enc")
    identity_json = EncryptedField("identity_enc")


class OfficeReferralState(LabelledEnum):
    REFERRED = "referred", _l("Da prendere in carico")  # waiting for the office
    TAKEN = "taken", _l("Presa in carico")  # the office took the person in charge
    WITHDRAWN = "withdrawn", _l("Ritirata dal nodo")  # the node named another office, or none, on the action


OFFICE_REFERRAL_STATE_LABELS = OfficeReferralState.labels()


class OfficeReferral(PeerShared, RowUid, Versioned, Timestamped, db.Model):
    """A pathway action as the public office it names (``actions.office_id``) sees it: the node owns the row
    (``tenant_id``), the office is the peer (``peer_id``) and reads nothing else of the case.

    Kept in step with the action by offices.py (service, phase, dates, status); the office writes only
    whether it took the person in charge, when, by whom, and an outcome note. One row per action and
    office: naming another office withdraws this one's.
    """

    __tablename__ = "office_referrals"
    __table_args__ = (
        UniqueConstraint("action_id", "peer_id", name="uq_office_referrals_action_peer"),
        # The office's list and home queue: its referrals by state, newest first.
        Index("ix_office_referrals_peer_state", "peer_id", "state", "referred_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"), index=True)
    pseudonym: Mapped[str] = mapped_column(String(20))  # all the office learns of the person
    service_type: Mapped[ServiceType] = mapped_column(enum_column(ServiceType, name="service_type"))
    phase: Mapped[ActionPhase] = mapped_column(enum_column(ActionPhase, name="action_phase"))
    planned_start: Mapped[date] = mapped_column(Date)
    planned_end: Mapped[date | None] = mapped_column(Date)
    action_status: Mapped[ActionStatus] = mapped_column(enum_column(ActionStatus, name="action_status"))
    state: Mapped[OfficeReferralState] = mapped_column(
        enum_column(OfficeReferralState, name="office_referral_state"), default=OfficeReferralState.REFERRED)
    referred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The office's words on what came of it: may describe the person's situation, so encrypted.
    outcome_note_enc: Mapped[str | None] = mapped_column(Text)
    outcome_note = EncryptedField("outcome_note_enc")
