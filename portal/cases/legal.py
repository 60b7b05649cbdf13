"""The legal path of a case: the legal protection pursued, its hearings and deadlines, and the requests to
the funds that pay for it. Node-owned rows (the antenna and providers never see them).

Rules in ``legal_services.py``; labels in ``legal_labels.py``. ``counsel`` and a deadline's ``note`` are
case texts: anonymisation clears them (``clear_texts``), the codes, dates and amounts stay for statistics.
"""
import enum
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models_base import Timestamped, Versioned
from ..tenancy.mixins import TenantOwned
from ..tenancy.models import enum_column

MONEY = Numeric(12, 2)


class LegalActionType(enum.StrEnum):
    CONCILIATION = "conciliation"
    CIVIL_ACTION = "civil_action"  # d.lgs. 215/2003, 216/2003, 150/2011 art. 28
    ASSOCIATION_ACTION = "association_action"  # by an entitled association
    COMPLAINT = "complaint"  # to the police or the prosecutor


class LegalOutcome(enum.StrEnum):
    PENDING = "pending"
    SETTLED = "settled"
    WON = "won"
    LOST = "lost"
    WITHDRAWN = "withdrawn"


class DeadlineKind(enum.StrEnum):
    HEARING = "hearing"
    FILING = "filing"
    OTHER = "other"


class Fund(enum.StrEnum):
    REGIONAL_VICTIMS = "regional_victims"  # regional fund for victims of discrimination
    LEGAL_SOLIDARITY = "legal_solidarity"  # legal-protection solidarity fund


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
