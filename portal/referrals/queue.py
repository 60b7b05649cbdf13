"""The referrals' part of the home page's work queue (portal/core/queue.py).

Antenna: information the node asked for, drafts not sent, outcomes to read. "To read" is a rule, not a
per-user marker: a referral the node decided (accepted or declined) in the last ``OUTCOME_DAYS`` days.
Node coordinator: referrals to decide, urgent first, then the longest waiting, with their age in days.
One statement per queue; the ORM scoping (and RLS) keeps them to the current tenant's rows.
"""
from datetime import timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import Index, case, select, text

from ..accounts.models import Role
from ..accounts.permissions import Capability, can
from ..core import queue
from ..core.queue import Item
from ..i18n import lazy_gettext as _l
from ..people.models import Person
from .labels import STATE_LABELS, URGENCY_LABELS
from .models import Referral, Urgency
from .models import ReferralState as S

OUTCOME_DAYS = 14

# The antenna's queues read (tenant, state) and sort by the decision or the last change (migration 0023).
Index("ix_referrals_tenant_state_decided", Referral.tenant_id, Referral.state, Referral.decided_at)

# Migration 0031: the referrals to decide only, with what the urgency rank and the scoping read, so the page
# sorts a few index entries per waiting referral and the capped count reads the index alone.
Index("ix_referrals_queue_to_decide", Referral.node_id, Referral.submitted_at, Referral.id,
      postgresql_include=["tenant_id", "urgency"], postgresql_where=text("state = 'submitted'"),
      sqlite_where=text("state = 'submitted'"))


def _antenna(membership) -> bool:
    return can(Capability.REFER, membership) and not membership.tenant.is_node


def _coordinator(membership) -> bool:
    return membership.role == Role.COORDINATOR and membership.tenant.is_node


def _label(row) -> str:
    return row.pseudonym or _("Segnalazione n. %(id)s", id=row.id)


def _own(membership, *states):
    return (
        select(Referral.id, Referral.state, Referral.updated_at, Referral.decided_at, Person.pseudonym)
        .join(Person, Person.id == Referral.person_id)
        .where(Referral.tenant_id == membership.tenant_id, Referral.state.in_(states))
    )


@queue.source("referrals.info_requested", _l("Informazioni richieste dal nodo"), applies=_antenna, order=10,
              hint=_l("Rispondi e invia di nuovo la segnalazione."))
def info_requested(membership, limit, offset):
    statement = _own(membership, S.INFO_REQUESTED).order_by(Referral.updated_at, Referral.id)
    return queue.page_of(statement, limit, offset, lambda row: Item(
        _label(row), url_for("referrals.detail", referral_id=row.id), queue.as_day(row.updated_at),
        note=queue.waiting_since(row.updated_at),
    ))


@queue.source("referrals.drafts", _l("Bozze non inviate"), applies=_antenna, order=11)
def drafts(membership, limit, offset):
    statement = _own(membership, S.DRAFT).order_by(Referral.updated_at, Referral.id)
    return queue.page_of(statement, limit, offset, lambda row: Item(
        _label(row), url_for("referrals.edit", referral_id=row.id), queue.as_day(row.updated_at),
    ))


@queue.source("referrals.outcomes", _l("Esiti da leggere"), applies=_antenna, order=12,
              hint=_l("Segnalazioni decise dal nodo negli ultimi %(days)s giorni.", days=OUTCOME_DAYS))
def outcomes(membership, limit, offset):
    since = queue.now() - timedelta(days=OUTCOME_DAYS)
    statement = (
        _own(membership, S.ACCEPTED, S.DECLINED).where(Referral.decided_at >= since)
        .order_by(Referral.decided_at.desc(), Referral.id.desc())
    )
    return queue.page_of(statement, limit, offset, lambda row: Item(
        _label(row), url_for("referrals.detail", referral_id=row.id), queue.as_day(row.decided_at),
        note=str(STATE_LABELS[S(row.state)]),
    ))


@queue.source("referrals.to_decide", _l("Segnalazioni da decidere"), applies=_coordinator, order=10,
              hint=_l("Le urgenti per prime, poi quelle in attesa da più tempo."))
def to_decide(membership, limit, offset):
    rank = case((Referral.urgency == Urgency.URGENT, 0), (Referral.urgency == Urgency.HIGH, 1), else_=2)
    # The pseudonym as a scalar subquery, not a join: computed for the page's rows only, and the capped
    # count reads the index alone.
    pseudonym = select(Person.pseudonym).where(Person.id == Referral.person_id).scalar_subquery()
    statement = (
        select(Referral.id, Referral.urgency, Referral.submitted_at, pseudonym.label("pseudonym"))
        .where(Referral.node_id == membership.tenant_id, Referral.state == queue.inline(S.SUBMITTED))
        .order_by(rank, Referral.submitted_at, Referral.id)
    )

    def item(row):
        urgent = Urgency(row.urgency) in (Urgency.URGENT, Urgency.HIGH)
        age = queue.waiting_since(row.submitted_at)
        note = f"{URGENCY_LABELS[Urgency(row.urgency)]}, {age}" if urgent else age
        return Item(_label(row), url_for("referrals.detail", referral_id=row.id), queue.as_day(row.submitted_at),
                    note=note, late=urgent)

    return queue.page_of(statement, limit, offset, item)
