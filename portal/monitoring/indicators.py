"""Participant indicators in the shape of the ESF(+) common indicators, from the data Rete keeps.

**Participants** are the people whose case the node opened in the period (entering the operation),
counted once each, by the monitoring attributes of the person only — never identity:

- gender: women, men, non-binary, not stated (as recorded);
- age band: below 25, 25–54, above 54 (the bands the referral form records);
- labour-market status on entry: employed, unemployed (of which long-term unemployed, counted in both
  as the ESF does), inactive, in education or training (ESF: inactive, in education);
- education level: ISCED 0–2, ISCED 3–4, ISCED 5–8, not stated;
- migrants and minorities, from the citizenship group: third-country nationals = non-EU + stateless;
  participants with a foreign background = EU + non-EU + stateless (an Italian citizen's background is
  not recorded, so this is a lower bound);
- participants with disabilities: the person's disability flag (yes / no / not stated).

**Results on leaving** — participants who left = cases closed in the period — mapped from the case's
closure and its phase-1 verification (``Verification`` of phase job_insertion, ``JobOutcome``):

- *in employment, including self-employment, upon leaving*: phase-1 outcome ``employed`` or
  ``self_employed``, or (without a phase-1 outcome) closure outcome ``employed`` / ``included``;
- *in education or training upon leaving*: phase-1 outcome ``traineeship`` (a tirocinio is
  work-based training), when not counted in employment;
- *qualification gained upon leaving*: Rete records no qualifications; we count participants who
  completed (status done) at least one ``training`` action, as the closest available proxy;
- anyone else who left is *not in employment or training*.

**Six months after leaving**: Rete's phase-2 follow-ups are planned 3, 6 and 12 months after phase 2
starts (i.e. after the job-insertion outcome), not after closure; the 6-month follow-up is the
closest measure. Cohort: 6-month follow-ups due in the period — done and still in work ⇒ *in
employment*; done and not in work ⇒ *not in employment*; not done ⇒ *not known*.

Each group of counts is one SQL query grouped by the attributes and rolled up here.
"""
from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..cases.models import Case, ClosureOutcome, JobOutcome, Verification, VerificationPhase
from ..extensions import db
from ..people.models import AgeBand, CitizenshipGroup, EducationLevel, Gender, LabourStatus, Person
from .filters import Filters, case_conditions
from .models import CaseFacts

NOT_STATED = "not_stated"
DIMENSIONS = ("gender", "age_band", "labour_status", "education_level", "citizenship_group", "disability")
VALUES = {
    "gender": [g.value for g in Gender],
    "age_band": [a.value for a in AgeBand] + [NOT_STATED],
    "labour_status": [s.value for s in LabourStatus] + [NOT_STATED],
    "education_level": [e.value for e in EducationLevel],
    "citizenship_group": [c.value for c in CitizenshipGroup],
    "disability": ["yes", "no", NOT_STATED],
}
RESULTS = ("employed", "education_training", "not_employed")
SIX_MONTHS = ("employed", "not_employed", "unknown")


@dataclass
class Indicators:
    participants: int = 0
    # dimension -> {value: count}; every value present (0 included)
    by: dict = field(default_factory=dict)
    # (dimension, gender) crosses for the open-data tables: dimension -> {(value, gender): count}
    by_gender: dict = field(default_factory=dict)
    third_country: int = 0
    foreign_background: int = 0
    long_term_unemployed: int = 0
    unemployed_incl_long_term: int = 0
    leavers: int = 0
    results: dict = field(default_factory=dict)  # RESULTS -> count
    training_completed: int = 0
    six_months: dict = field(default_factory=dict)  # SIX_MONTHS -> count


def _value(dimension: str, raw) -> str:
    if dimension == "disability":
        return NOT_STATED if raw is None else ("yes" if raw else "no")
    if raw is None:
        return NOT_STATED
    return getattr(raw, "value", raw)


def participants(f: Filters, result: Indicators) -> None:
    columns = [getattr(Person, d) for d in DIMENSIONS]
    rows = db.session.execute(
        select(*columns, func.count())
        .select_from(Case).join(Person, Person.id == Case.person_id)
        .where(Case.opened_at >= f.since, Case.opened_at < f.until, *case_conditions(f))
        .group_by(*columns)
    ).all()
    result.by = {d: dict.fromkeys(VALUES[d], 0) for d in DIMENSIONS}
    result.by_gender = {d: {} for d in DIMENSIONS if d != "gender"}
    for row in rows:
        values = {d: _value(d, raw) for d, raw in zip(DIMENSIONS, row[:-1], strict=True)}
        if values["gender"] not in result.by["gender"]:  # a NULL gender: counted as not stated
            values["gender"] = Gender.NOT_STATED.value
        n = row[-1]
        result.participants += n
        for d, v in values.items():
            result.by[d][v] = result.by[d].get(v, 0) + n
            if d != "gender":
                key = (v, values["gender"])
                result.by_gender[d][key] = result.by_gender[d].get(key, 0) + n
    citizenship = result.by["citizenship_group"]
    result.third_country = citizenship["non_eu"] + citizenship["stateless"]
    result.foreign_background = result.third_country + citizenship["eu"]
    labour = result.by["labour_status"]
    result.long_term_unemployed = labour["long_term_unemployed"]
    result.unemployed_incl_long_term = labour["unemployed"] + labour["long_term_unemployed"]


def leavers(f: Filters, result: Indicators) -> None:
    phase_1 = (
        select(Verification.case_id.label("case_id"), Verification.job_outcome.label("outcome"))
        .where(Verification.phase == VerificationPhase.JOB_INSERTION).subquery()
    )
    trained = func.coalesce(CaseFacts.training_done, False)  # kept by triggers (summaries.py)
    rows = db.session.execute(
        select(Case.closure_outcome, phase_1.c.outcome, trained, func.count())
        .select_from(Case).outerjoin(phase_1, phase_1.c.case_id == Case.id)
        .outerjoin(CaseFacts, CaseFacts.case_id == Case.id)
        .where(Case.closed_at >= f.since, Case.closed_at < f.until, *case_conditions(f))
        .group_by(Case.closure_outcome, phase_1.c.outcome, trained)
    ).all()
    result.results = dict.fromkeys(RESULTS, 0)
    for closure, outcome, was_trained, n in rows:
        result.leavers += n
        result.training_completed += n if was_trained else 0
        outcome = JobOutcome(outcome) if outcome else None
        closure = ClosureOutcome(closure) if closure else None
        if outcome in (JobOutcome.EMPLOYED, JobOutcome.SELF_EMPLOYED) or (
            outcome is None and closure in (ClosureOutcome.EMPLOYED, ClosureOutcome.INCLUDED)
        ):
            result.results["employed"] += n
        elif outcome == JobOutcome.TRAINEESHIP:
            result.results["education_training"] += n
        else:
            result.results["not_employed"] += n


def six_months_after(f: Filters, result: Indicators) -> None:
    conditions = case_conditions(f)
    rows = db.session.execute(
        select(Verification.done_on.is_not(None), Verification.still_in_work, func.count())
        .where(Verification.phase == VerificationPhase.INCLUSION, Verification.months_after == 6,
               Verification.due_date >= f.start, Verification.due_date <= f.end,
               *([Verification.case_id.in_(select(Case.id).where(*conditions))] if conditions else []))
        .group_by(Verification.done_on.is_not(None), Verification.still_in_work)
    ).all()
    result.six_months = dict.fromkeys(SIX_MONTHS, 0)
    for done, in_work, n in rows:
        key = "unknown" if not done else ("employed" if in_work else "not_employed")
        result.six_months[key] += n


def indicators(f: Filters) -> Indicators:
    result = Indicators()
    participants(f, result)
    leavers(f, result)
    six_months_after(f, result)
    return result
