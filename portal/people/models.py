"""A person: a pseudonym everywhere, encrypted identity, monitoring attributes kept apart."""
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto import EncryptedField
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..models_base import LabelledEnum, RowUid, Timestamped, Versioned
from ..tenancy.mixins import NodeShared, Shared, TenantOwned
from ..tenancy.models import enum_column


class Gender(LabelledEnum):
    FEMALE = "female", _l("Donna")
    MALE = "male", _l("Uomo")
    NON_BINARY = "non_binary", _l("Non binario")
    NOT_STATED = "not_stated", _l("Preferisce non dichiararlo")


GENDER_LABELS = Gender.labels()


class AgeBand(LabelledEnum):
    UNDER_25 = "under_25", _l("Meno di 25 anni")
    FROM_25_TO_54 = "25_54", _l("Da 25 a 54 anni")
    OVER_54 = "over_54", _l("Più di 54 anni")


AGE_BAND_LABELS = AgeBand.labels()


class CitizenshipGroup(LabelledEnum):
    ITALIAN = "italian", _l("Italiana")
    EU = "eu", _l("Di un altro Paese dell'Unione europea")
    NON_EU = "non_eu", _l("Di un Paese extra UE")
    STATELESS = "stateless", _l("Apolide")
    NOT_STATED = "not_stated", _l("Non dichiarata")


CITIZENSHIP_LABELS = CitizenshipGroup.labels()


class LabourStatus(LabelledEnum):
    EMPLOYED = "employed", _l("Occupato/a")
    UNEMPLOYED = "unemployed", _l("Disoccupato/a")
    LONG_TERM_UNEMPLOYED = "long_term_unemployed", _l("Disoccupato/a di lunga durata")
    INACTIVE = "inactive", _l("Inattivo/a")
    IN_EDUCATION = "in_education", _l("In istruzione o formazione")


LABOUR_LABELS = LabourStatus.labels()


class EducationLevel(LabelledEnum):
    ISCED_0_2 = "isced_0_2", _l("Fino alla licenza media (ISCED 0-2)")
    ISCED_3_4 = "isced_3_4", _l("Diploma o qualifica (ISCED 3-4)")
    ISCED_5_8 = "isced_5_8", _l("Laurea o superiore (ISCED 5-8)")
    NOT_STATED = "not_stated", _l("Non dichiarato")


EDUCATION_LABELS = EducationLevel.labels()


class Person(NodeShared, RowUid, Versioned, Timestamped, db.Model):
    """Owned by the referring antenna (``tenant_id``), shared with its node (``node_id``).

    Identity lives only in the ``*_enc`` columns (AES-GCM bound to this row's ``uid``); the blind
    indexes allow duplicate detection and search without decrypting. Lists, exports and everyone
    without a need to know see ``pseudonym``.
    """

    __tablename__ = "people"
    __shared_when__ = "shared_at"  # met only in drafts: the antenna's alone (scoping and RLS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pseudonym: Mapped[str | None] = mapped_column(String(20), unique=True)
    # When a referral of the person first reached the node (set on submission; migration 0015).
    shared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    first_name_enc: Mapped[str | None] = mapped_column(Text)
    last_name_enc: Mapped[str | None] = mapped_column(Text)
    tax_code_enc: Mapped[str | None] = mapped_column(Text)
    birth_year_enc: Mapped[str | None] = mapped_column(Text)
    contact_enc: Mapped[str | None] = mapped_column(Text)
    first_name = EncryptedField("first_name_enc")
    last_name = EncryptedField("last_name_enc")
    tax_code = EncryptedField("tax_code_enc")
    birth_year_text = EncryptedField("birth_year_enc")
    contact = EncryptedField("contact_enc")
    ENCRYPTED_FIELDS = ("first_name", "last_name", "tax_code", "birth_year_text", "contact")

    tax_code_bidx: Mapped[str | None] = mapped_column(String(40), index=True)
    name_year_bidx: Mapped[str | None] = mapped_column(String(40), index=True)
    # Coarse keys for tolerant matching (soundex-like of the surname + birth decade), still keyed hashes.
    fuzzy_bidx: Mapped[str | None] = mapped_column(String(40), index=True)

    gender: Mapped[Gender | None] = mapped_column(enum_column(Gender, name="gender"))
    age_band: Mapped[AgeBand | None] = mapped_column(enum_column(AgeBand, name="age_band"))
    citizenship_group: Mapped[CitizenshipGroup | None] = mapped_column(enum_column(CitizenshipGroup, name="citizenship_group"))
    disability: Mapped[bool | None] = mapped_column(Boolean)
    labour_status: Mapped[LabourStatus | None] = mapped_column(enum_column(LabourStatus, name="labour_status"))
    education_level: Mapped[EducationLevel | None] = mapped_column(enum_column(EducationLevel, name="education_level"))

    # Set by the node when it decides two referrals concern the same person.
    linked_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    retain_until: Mapped[date | None] = mapped_column(Date)
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def birth_year(self) -> int | None:
        value = self.birth_year_text
        return int(value) if value else None

    @birth_year.setter
    def birth_year(self, value: int | None) -> None:
        self.birth_year_text = str(value) if value else None

    @property
    def display_name(self) -> str:
        return f"{self.first_name or ''} {self.last_name or ''}".strip()


class RequestKind(LabelledEnum):
    ACCESS = "access", _l("Accesso ai dati (art. 15 GDPR)")
    RECTIFICATION = "rectification", _l("Rettifica (art. 16 GDPR)")
    ERASURE = "erasure", _l("Cancellazione (art. 17 GDPR)")


REQUEST_KIND_LABELS = RequestKind.labels()


class RequestStatus(LabelledEnum):
    OPEN = "open", _l("Aperta")
    CLOSED = "closed", _l("Chiusa")


REQUEST_STATUS_LABELS = RequestStatus.labels()


class DataSubjectRequest(TenantOwned, db.Model):
    """A data-subject request (GDPR arts. 15-17) the node's data protection officer logs for a person.

    Owned by the node. While one is open the DPO may see the person's identity and export it; every
    such read is audited. ``outcome`` says how it was closed (e.g. anonymised, refused for legal hold).
    """

    __tablename__ = "data_subject_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[RequestKind] = mapped_column(enum_column(RequestKind, name="request_kind"))
    status: Mapped[RequestStatus] = mapped_column(enum_column(RequestStatus, name="request_status"), index=True)
    reference: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(Text)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(40))

    person: Mapped[Person] = relationship()
    opened_by: Mapped["User"] = relationship(foreign_keys=[opened_by_id])  # noqa: F821


class DuplicateDismissal(TenantOwned, db.Model):
    """The node's coordinator decided two duplicate candidates are different people (node-owned)."""

    __tablename__ = "duplicate_dismissals"
    __table_args__ = (UniqueConstraint("person_id", "other_person_id", name="uq_duplicate_dismissals_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    other_person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    dismissed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    dismissed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PseudonymCounter(Shared, db.Model):
    """The last number given in a pseudonym of ``prefix`` and ``year`` (people/pseudonyms.py)."""

    __tablename__ = "pseudonym_counters"
    __shared_reason__ = ("a number per node code and year, taken by any antenna of the node for a new person before "
                         "the node sees it; only the current prefix's row is ever read, and it holds no data")

    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)
