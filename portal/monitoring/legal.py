"""The node dashboard's legal-protection panel: legal paths by type of action and outcome, and the fund
requests' amounts (requested, granted, paid) by fund, with small cells suppressed (suppression.py).

Periods: legal paths started in the period (by the day they were recorded when no start day is given);
fund requests made in the period. The antenna and ground filters apply through the case. An amount is
shown only where the count of requests behind it is: a fund with fewer than five requests shows no sums.
"""
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, func, or_, select

from ..cases.legal import Fund, FundRequest, LegalActionType, LegalOutcome, LegalPath
from ..cases.models import Case
from ..extensions import db
from .filters import Filters, case_conditions
from .suppression import TOTAL, Table, suppress


@dataclass
class FundRow:
    fund: Fund | None  # None: every fund
    requests: int | None  # None: suppressed
    requested: Decimal | None = None
    granted: Decimal | None = None
    paid: Decimal | None = None


@dataclass
class LegalPanel:
    paths: Table
    funds: list = field(default_factory=list)  # FundRow per fund, then the total

    def cell(self, row, column):
        return self.paths.published((row, column))


def _case_filter(f: Filters, column) -> list:
    conditions = case_conditions(f)
    return [column.in_(select(Case.id).where(*conditions))] if conditions else []


def legal_panel(f: Filters) -> LegalPanel:
    started = or_(and_(LegalPath.started_on >= f.start, LegalPath.started_on <= f.end),
                  and_(LegalPath.started_on.is_(None), LegalPath.created_at >= f.since, LegalPath.created_at < f.until))
    cells = {}
    for action, outcome, n in db.session.execute(
        select(LegalPath.action_type, LegalPath.outcome, func.count())
        .where(started, *_case_filter(f, LegalPath.case_id)).group_by(LegalPath.action_type, LegalPath.outcome)
    ):
        cells[(LegalActionType(action), LegalOutcome(outcome))] = n
    paths = suppress(Table("legal_paths", list(LegalActionType), list(LegalOutcome), cells))

    sums = {}
    for fund, n, requested, granted, paid in db.session.execute(
        select(FundRequest.fund, func.count(), func.sum(FundRequest.requested), func.sum(FundRequest.granted),
               func.sum(FundRequest.paid))
        .where(FundRequest.requested_on >= f.start, FundRequest.requested_on <= f.end,
               *_case_filter(f, FundRequest.case_id)).group_by(FundRequest.fund)
    ):
        sums[Fund(fund)] = (n, *(Decimal(v or 0) for v in (requested, granted, paid)))
    counts = suppress(Table("fund_requests", list(Fund), ["n"], {(fund, "n"): s[0] for fund, s in sums.items()}))
    rows = []
    for fund in [*Fund, TOTAL]:
        n = counts.published((fund, TOTAL))
        if n is None:
            rows.append(FundRow(None if fund == TOTAL else fund, None))
            continue
        picked = [s for key, s in sums.items() if fund in (TOTAL, key)]
        rows.append(FundRow(None if fund == TOTAL else fund, n,
                            *(sum((s[i] for s in picked), Decimal("0")) for i in (1, 2, 3))))
    return LegalPanel(paths=paths, funds=rows)
