"""The legal path of a case: the legal protection pursued, its hearings and deadlines, and the requests to
the funds that pay for it. Node-owned rows (the antenna and providers never see them).

Rules in ``legal_services.py``; each code's label stands beside it (``LabelledEnum``). ``counsel`` and a deadline's ``note`` are
case texts: anonymisation clears them (``clear_texts``), the codes, dates and amounts stay for statistics.
"""
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..models_base import LabelledEnum, Timestamped, Versioned
from ..tenancy.mixins import TenantOwned
from ..tenancy.models import enum_column

MONEY = Numeric(12, 2)


class LegalActionType(LabelledEnum):
    CONCILIATION = "conciliation", _l("Tentativo di conciliazione")
    CIVIL_ACTION = "civil_action", _l("Azione civile contro la discriminazione (d.lgs. 215/2003, 216/2003, 150/2011 art. 28)")  # d.lgs. 215/2003, 216/2003, 150/2011 art. 28
    ASSOCIATION_ACTION = "association_action", _l("Azione di un'associazione legittimata")  # by an entitled association
    COMPLAINT = "complaint", _l("Denuncia o querela (forze dell'ordine, procura)")  # to the police or the prosecutor


LEGAL_ACTION_LABELS = LegalActionType.labels()


class LegalOutcome(LabelledEnum):
    PENDING = "pending", _l("In corso")
    SETTLED = "settled", _l("Conciliata")
    WON = "won", _l("Accolta")
    LOST = "lost", _l("Respinta")
    WITHDRAWN = "withdrawn", _l("Ritirata")


LEGAL_OUTCOME_LABELS = LegalOutcome.labels()


class DeadlineKind(LabelledEnum):
    HEARING = "hearing", _l("Udienza")
    FILING = "filing", _l("Termine processuale")
    OTHER = "other", _l("Altra scadenza")


DEADLINE_KIND_LABELS = DeadlineKind.labels()


class Fund(LabelledEnum):
    REGIONAL_VICTIMS = "regional_victims", _l("Fondo regionale per le vittime di discriminazione")  # regional fund for victims of discrimination
    LEGAL_SOLIDARITY = "legal_solidarity", _l("Fondo di solidarietà per la tutela legale")  # legal-protection solidarity fund


FUND_LABELS = Fund.labels()


class LegalPath(TenantOwned, Versioned, Timestamped, db.Model):
    """At most one per case: the kind of legal protection, who brings it and how it ended."""

    __tablename__ = "case_legal_paths"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    action_type: Mapped[LegalActionType] = mapped_column(enum_column(LegalActionType, name="legal_action_type"))
    counsel: Mapped[str | None] = mapped_column(Text)  # lawyer or association: free text
    started_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[LegalOutcome] = mapped_column(enum_column(LegalOutcome, name="legal_outcome"), default=LegalOutcome.PENDING)
    outcome_on: Mapped[date | None] = mapped_column(Date)


class LegalDeadline(TenantOwned, Versioned, Timestamped, db.Model):
    __tablename__ = "case_legal_deadlines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[DeadlineKind] = mapped_column(enum_column(DeadlineKind, name="legal_deadline_kind"))
    note: Mapped[str | None] = mapped_column(String(500))
    done_on: Mapped[date | None] = mapped_column(Date)


class FundRequest(TenantOwned, Versioned, Timestamped, db.Model):
    __tablename__ = "case_fund_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    fund: Mapped[Fund] = mapped_column(enum_column(Fund, name="legal_fund"))
    requested: Mapped[Decimal] = mapped_column(MONEY)
    requested_on: Mapped[date] = mapped_column(Date)
    granted: Mapped[Decimal | None] = mapped_column(MONEY)
    granted_on: Mapped[date | None] = mapped_column(Date)
    paid: Mapped[Decimal | None] = mapped_column(MONEY)
    paid_on: Mapped[date | None] = mapped_column(Date)


def clear_texts(case_ids) -> list[str]:
    """Anonymisation: the lawyer/association text and the deadlines' notes. Returns the cleared field names."""
    ids = list(case_ids)
    cleared = []
    if not ids:
        return cleared
    for model, column in ((LegalPath, "counsel"), (LegalDeadline, "note")):
        for row in db.session.scalars(select(model).where(model.case_id.in_(ids))):
            if getattr(row, column) is not None:
                setattr(row, column, None)
                cleared.append(f"{model.__tablename__.removeprefix('case_').removesuffix('s')}.{column}")
    return cleared
