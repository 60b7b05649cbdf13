"""The node's case list: filters, sorting and pages (three queries whatever the page size)."""
import math
import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy import and_, exists, func, literal, select, true
from sqlalchemy import case as sql_case

from ..accounts.models import User
from ..accounts.permissions import Capability, can
from ..core.rows import url_maker
from ..extensions import db
from ..i18n import format_day, translated
from ..referrals.labels import GROUND_LABELS
from ..tenancy.models import Tenant
from .labels import CASE_STATE_LABELS
from .models import Action, ActionPhase, ActionStatus, Case, CaseState
from .services import Forbidden

PAGE_SIZE = 25

SORTS = {
    "aperto": lambda: Case.opened_at,
    "pseudonimo": lambda: Case.pseudonym,
    "stato": lambda: sql_case(
        {CaseState.OPEN.value: 0, CaseState.PHASE_1.value: 1, CaseState.PHASE_2.value: 2, CaseState.CLOSED.value: 3},
        value=Case.state, else_=9,
    ),
}
DEFAULT_SORT = "-aperto"


@dataclass
class CaseFilters:
    q: str = ""
    state: str = ""
    ground: str = ""
    antenna_id: int | None = None
    case_worker_id: int | None = None  # 0: unassigned
    phase: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1


@dataclass
class CasePage:
    rows: list = field(default_factory=list)  # (Case, antenna name, case worker name)
    total: int = 0
    page: int = 1
    pages: int = 1
    sort: str = DEFAULT_SORT


def normalise_sort(value: str | None) -> str:
    value = value or DEFAULT_SORT
    return value if value.lstrip("-") in SORTS else DEFAULT_SORT


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# A code typed from its start ("NO-2026-0001") is a prefix search the pseudonym index answers; anything
# else (digits from the middle, "2026-00012") falls back to a substring scan.
_CODE_PREFIX = re.compile(r"^[A-Z]{1,8}(-\d{0,4}(-\d{0,6})?)?$")


def _pseudonym_matches(text: str):
    code = text.strip().upper()
    if _CODE_PREFIX.match(code):
        return Case.pseudonym.like(f"{_escape_like(code)}%", escape="\\")
    return func.upper(Case.pseudonym).like(f"%{_escape_like(code)}%", escape="\\")


def case_list(filters: CaseFilters) -> CasePage:
    """The node's cases (scoped to the current tenant), one page: a count, the page's ids, its rows."""
    if not can(Capability.DECIDE_REFERRALS):
        raise Forbidden()
    conditions = []
    if filters.q:
        conditions.append(_pseudonym_matches(filters.q))
    if filters.state:
        conditions.append(Case.state == CaseState(filters.state))
    if filters.ground:
        # grounds is comma-joined: match a whole item, not a substring of another ground.
        conditions.append((literal(",") + Case.grounds + literal(",")).like(f"%,{_escape_like(filters.ground)},%", escape="\\"))
    if filters.antenna_id:
        conditions.append(Case.antenna_id == filters.antenna_id)
    if filters.case_worker_id == 0:
        conditions.append(Case.case_worker_id.is_(None))
    elif filters.case_worker_id:
        conditions.append(Case.case_worker_id == filters.case_worker_id)
    if filters.phase:
        # Cases whose pathway has (non-cancelled) actions in that phase.
        conditions.append(
            exists().where(
                Action.case_id == Case.id, Action.phase == ActionPhase(filters.phase), Action.status != ActionStatus.CANCELLED
            )
        )
    where = and_(*conditions) if conditions else true()
    # count(*) (not count(id)) lets PostgreSQL answer from the tenant index alone (index-only scan).
    total = db.session.scalar(select(func.count()).select_from(Case).where(where)) or 0
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(filters.page, 1), pages)
    sort = normalise_sort(filters.sort)
    descending = sort.startswith("-")
    column = SORTS[sort.lstrip("-")]()
    ids = _page_ids(where, column, descending, page, pages, total)
    if not ids:
        return CasePage(rows=[], total=total, page=page, pages=pages, sort=sort)
    antenna = Tenant.__table__.alias("antenna")
    loaded = {
        row[0].id: tuple(row)
        for row in db.session.execute(
            select(Case, antenna.c.name, User.full_name)
            .outerjoin(antenna, antenna.c.id == Case.antenna_id)
            .outerjoin(User, User.id == Case.case_worker_id)
            .where(Case.id.in_(ids))
        )
    }
    return CasePage(rows=[loaded[i] for i in ids], total=total, page=page, pages=pages, sort=sort)


def _page_ids(where, column, descending: bool, page: int, pages: int, total: int) -> list[int]:
    """The ids of one page, read from the narrow sort index only (joins come after, on 25 rows).

    Pages past the middle are read from the other end of the index with the order reversed, so the
    last page costs what the first does instead of skipping every row before it.
    """
    from_end = page > (pages + 1) // 2
    if from_end:
        offset = max(0, total - page * PAGE_SIZE)
        limit = total - (page - 1) * PAGE_SIZE - offset
        forward = descending  # read the display order backwards
    else:
        offset, limit, forward = (page - 1) * PAGE_SIZE, PAGE_SIZE, descending is False
    order = [column.asc(), Case.id.asc()] if forward else [column.desc(), Case.id.desc()]
    ids = list(db.session.scalars(select(Case.id).where(where).order_by(*order).limit(limit).offset(offset)))
    return ids[::-1] if from_end else ids


def table_rows(page: CasePage) -> list[tuple]:
    """The page's rows as the table shows them: ``(url, pseudonym, urgent, state, grounds, antenna, worker,
    opened)``, links and labels built once for the table rather than per cell in the template."""
    detail, states, grounds = url_maker("cases.detail", "case_id"), translated(CASE_STATE_LABELS), translated(GROUND_LABELS)
    comma = Markup(", ")
    return [
        (detail(case.id), case.pseudonym, case.urgent, states[case.state],
         comma.join(grounds.get(g) or escape(g) for g in (case.grounds or "").split(",") if g),
         antenna_name or "", worker_name, format_day(case.opened_at))
        for case, antenna_name, worker_name in page.rows
    ]
