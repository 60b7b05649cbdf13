"""Letter templates the node's coordinator edits; a kind and language with no row uses the built-in default."""

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..models_base import LabelledEnum, Timestamped, Versioned
from ..tenancy.mixins import TenantOwned
from ..tenancy.models import enum_column


class LetterKind(LabelledEnum):
    ACCEPTANCE = "acceptance", _l("Accettazione della segnalazione")  # the referral is accepted, the node takes the person in charge
    DECLINE = "decline", _l("Diniego, con il motivo")  # the referral is declined, with the reason
    SUMMONS = "summons", _l("Convocazione a colloquio")  # summons to an interview
    CLOSURE = "closure", _l("Chiusura del percorso")  # the pathway is closed


LETTER_KIND_LABELS = LetterKind.labels()


class LetterTemplate(TenantOwned, Versioned, Timestamped, db.Model):
    __tablename__ = "letter_templates"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "language", name="uq_letter_templates_tenant_kind_language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[LetterKind] = mapped_column(enum_column(LetterKind, name="letter_kind"))
    language: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
