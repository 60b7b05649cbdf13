"""The pathway's answers to the referral domain's signals (referrals/signals.py): the referral knows nothing of
cases, the cases layer answers for them. Connected when the package is imported (cases/__init__.py)."""
from flask import url_for
from sqlalchemy import select

from ..audit.services import record
from ..extensions import db
from ..referrals.signals import referral_accepted, referral_case, texts_needed
from .models import Case
from .services import can_view, open_case


@referral_accepted.connect
def open_the_case(referral, *, case_worker_id=None, urgent=False) -> Case:
    case = open_case(referral, case_worker_id=case_worker_id, urgent=urgent)
    record("case.opened", "case", case.id, ["referral_id", "case_worker_id"])
    return case


@texts_needed.connect
def assigned_case_worker(referral, *, membership) -> bool:
    return db.session.scalar(select(Case.case_worker_id).where(Case.referral_id == referral.id)) == membership.user_id


@referral_case.connect
def case_of(referral):
    case = db.session.scalar(select(Case).where(Case.referral_id == referral.id))
    if case is None:
        return None
    return case, (url_for("cases.detail", case_id=case.id) if can_view(case) else None)
