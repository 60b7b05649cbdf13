"""Referral lists: the antenna's own referrals and the node's inbox; stale referrals."""
from datetime import timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import case, func, select

from ..accounts.permissions import Capability, can, current_membership
from ..core.rows import url_maker
from ..extensions import db
from ..i18n import format_day, translated
from ..models_base import utcnow
from ..tenancy.context import current
from ..tenancy.models import Tenant
from .labels import OUTCOME_LABELS, STATE_BADGES, STATE_LABELS, URGENCY_LABELS
from .models import Referral
from .models import ReferralState as S
from .services import Forbidden, referred_by_node

# The node has had a referral in hand since its latest sending (an answer to a request restarts the wait).
WAITING_SINCE = func.coalesce(Referral.resubmitted_at, Referral.submitted_at)

PAGE_SIZE = 25


def list_referrals(*, page: int = 1, state: S | None = None):
    """One page of the current tenant's referrals: the antenna's own, or the node's inbox.

    Returns ``(rows, has_next)``, each row ``(referral, antenna_name)``. The page's ids come from narrow
    indexed queries; only those rows are then loaded with their joins, so the cost does not grow with
    the number of referrals and the query count is bounded (at most four).
    """
    membership = current_membership()
    tenant_id = current().tenant_id
    offset, wanted = (max(page, 1) - 1) * PAGE_SIZE, PAGE_SIZE + 1
    if can(Capability.REFER) and not membership.tenant.is_node:
        query = select(Referral.id).where(Referral.tenant_id == tenant_id)
        if state is not None:
            query = query.where(Referral.state == state)
        ids = list(db.session.scalars(
            query.order_by(Referral.updated_at.desc(), Referral.id.desc()).limit(wanted).offset(offset)
        ))
    elif can(Capability.DECIDE_REFERRALS) and membership.tenant.is_node:
        ids = _inbox_ids(tenant_id, state, offset, wanted)
    else:
        raise Forbidden()
    if not ids:
        return [], False
    loaded = {
        row[0].id: tuple(row)
        for row in db.session.execute(
            select(Referral, Tenant.name).join(Tenant, Tenant.id == Referral.tenant_id).where(Referral.id.in_(ids))
        )
    }
    rows = [loaded[i] for i in ids]
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def _inbox_ids(node_id: int, state: S | None, offset: int, wanted: int) -> list[int]:
    """The node's inbox: waiting referrals first (submitted, then information requested; the longest
    waiting at the top), then the decided ones, the latest first. Drafts are not addressed to the node.

    Two indexed queries instead of one sort of every referral by a computed key.
    """
    base = select(Referral.id).where(Referral.node_id == node_id, Referral.submitted_at.isnot(None))
    if state is not None:
        base = base.where(Referral.state == state)
    waiting_states = (S.SUBMITTED, S.INFO_REQUESTED)
    waiting = base.where(Referral.state.in_(waiting_states))
    waiting_count = db.session.scalar(select(func.count()).select_from(waiting.subquery())) or 0
    ids: list[int] = []
    if offset < waiting_count:
        rank = case((Referral.state == S.SUBMITTED, 0), else_=1)
        ids += db.session.scalars(
            waiting.order_by(rank, Referral.submitted_at.asc(), Referral.id.asc()).limit(wanted).offset(offset)
        )
    if len(ids) < wanted:
        ids += db.session.scalars(
            base.where(Referral.state.not_in(waiting_states))
            .order_by(Referral.submitted_at.desc(), Referral.id.desc())
            .limit(wanted - len(ids)).offset(max(0, offset - waiting_count))
        )
    return ids


def stale_referrals(days: int | None = None) -> list[Referral]:
    """Submitted referrals with no decision after ``days`` (REFERRAL_STALE_DAYS) days."""
    days = days if days is not None else current_app.config["REFERRAL_STALE_DAYS"]
    limit = utcnow() - timedelta(days=days)
    return list(
        db.session.scalars(
            select(Referral).where(Referral.state == S.SUBMITTED, WAITING_SINCE <= limit).order_by(WAITING_SINCE)
        )
    )


def stale_before():
    """Referrals waiting since before this moment are stale."""
    return utcnow() - timedelta(days=current_app.config["REFERRAL_STALE_DAYS"])


def is_stale(referral: Referral, cutoff=None) -> bool:
    if referral.state != S.SUBMITTED or referral.waiting_since is None:
        return False
    since = referral.waiting_since
    submitted = since if since.tzinfo else since.replace(tzinfo=utcnow().tzinfo)
    return submitted < (cutoff or stale_before())


def table_rows(rows) -> list[tuple]:
    """A page of ``list_referrals`` as the table shows it: ``(url, pseudonym, antenna, badge, state, urgency,
    sent, stale, outcome)``, links, labels and the stale cut-off computed once for the table, not per cell."""
    detail, cutoff = url_maker("referrals.detail", "referral_id"), stale_before()
    states, urgencies, outcomes = translated(STATE_LABELS), translated(URGENCY_LABELS), translated(OUTCOME_LABELS)
    by_node = gettext("Il nodo stesso")  # its own sender: not an antenna
    return [
        (detail(r.id), r.person.pseudonym, by_node if referred_by_node(r) else antenna_name,
         STATE_BADGES.get(r.state.value, "secondary"), states[r.state],
         urgencies[r.urgency] if r.urgency else "", format_day(r.submitted_at) if r.submitted_at else None,
         is_stale(r, cutoff), outcomes[r.outcome_code] if r.outcome_code else "")
        for r, antenna_name in rows
    ]
