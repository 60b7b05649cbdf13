"""Demo people, referrals and cases: about 40 clearly fictitious people across several antennas, in
every state of the referral lifecycle and both verification phases. Idempotent by submission key."""
import random
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from ..accounts.models import User
from ..cases.models import (
    Action,
    ActionPhase,
    ActionStatus,
    Case,
    CaseState,
    ClosureOutcome,
    ContractType,
    DiaryEntry,
    JobOutcome,
    OfficeReferral,
    OfficeReferralState,
    ServiceType,
    Verification,
    VerificationPhase,
)
from ..cases.services import add_months
from ..extensions import db
from ..i18n import local_today
from ..models_base import utcnow
from ..people.models import CitizenshipGroup, EducationLevel, Gender, LabourStatus, Person
from ..people.services import age_band, next_pseudonym, set_identity
from ..referrals.models import (
    Context,
    DeclineReason,
    Ground,
    OutcomeCode,
    Referral,
    ReferralEvent,
    ReferralState,
    Urgency,
)
from ..tenancy.models import Tenant

KEY = "seed-demo-person-{:02d}"
ANTENNAS = ["comune-novara", "comune-arona", "comune-cameri", "cisa-24", "asl-no", "consigliera-parita"]
# 40 people: (referral state, case state or None)
PLAN = (
    [("draft", None)] * 4 + [("submitted", None)] * 6 + [("info_requested", None)] * 3 + [("declined", None)] * 3
    + [("withdrawn", None)] * 2 + [("accepted", "open")] * 5 + [("accepted", "phase_1")] * 6
    + [("accepted", "phase_2")] * 6 + [("accepted", "closed")] * 5
)
FIRST = ["Amina", "Luca", "Ioana", "Karim", "Sofia", "Jamal", "Elisa", "Tenzin", "Marta", "Diego", "Yasmin", "Piero"]
LAST = ["Demo-Rossi", "Demo-Bianchi", "Demo-Popescu", "Demo-Haddad", "Demo-Ferri", "Demo-Okafor", "Demo-Villa",
        "Demo-Sherpa", "Demo-Greco", "Demo-Lopez", "Demo-Benali", "Demo-Conti"]
SITUATIONS = [
    "Colloquio annullato dopo aver visto il velo (caso dimostrativo).",
    "Esclusa da una selezione per l'età (caso dimostrativo).",
    "Commenti offensivi sul luogo di lavoro per l'orientamento sessuale (caso dimostrativo).",
    "Negato l'affitto per l'origine straniera (caso dimostrativo).",
    "Mancato adattamento della postazione per disabilità (caso dimostrativo).",
]
PATHWAY = [
    (ServiceType.COUNSELLING, ActionPhase.PREPARATORY), (ServiceType.ORIENTATION, ActionPhase.PREPARATORY),
    (ServiceType.SKILLS_REINFORCEMENT, ActionPhase.JOB_INSERTION), (ServiceType.TRAINING, ActionPhase.JOB_INSERTION),
    (ServiceType.JOB_MATCHING, ActionPhase.JOB_INSERTION), (ServiceType.TUTORING, ActionPhase.INCLUSION),
    (ServiceType.PSYCHOLOGICAL_SUPPORT, ActionPhase.INCLUSION), (ServiceType.SOCIAL_MEDIATION, ActionPhase.INCLUSION),
]


# A demo pathway in days from the case's opening: an action a week, each lasting two; the phase-1 check two
# months in; a closed case closes after 200 days. Its referral is dated back from today by ``case_span`` more.
ACTION_EVERY, ACTION_LASTS, PHASE_1_CHECK, CLOSED_AFTER = 7, 14, 60, 200
STEPS = {CaseState.OPEN: 1, CaseState.PHASE_1: 4, CaseState.PHASE_2: 6, CaseState.CLOSED: 8}


def _done_steps(state: CaseState) -> int:
    """The pathway's actions done: all of a closed case's, else all but the last (under way)."""
    return STEPS[state] if state == CaseState.CLOSED else STEPS[state] - 1


def case_span(state: CaseState) -> int:
    """Days from a demo case's opening to the last thing it shows as done (its last action's end, the phase-1
    check, the closing): the case opens at least this long before today, so nothing done lies ahead."""
    done = _done_steps(state)
    span = ACTION_EVERY * done + ACTION_LASTS if done else 0
    if state in (CaseState.PHASE_2, CaseState.CLOSED):
        span = max(span, PHASE_1_CHECK)
    return max(span, CLOSED_AFTER) if state == CaseState.CLOSED else span


def _by_slug(slug):
    return db.session.scalar(select(Tenant).where(Tenant.slug == slug))


def _user(email):
    return db.session.scalar(select(User).where(User.email == email))


def seed() -> list[str]:
    rnd = random.Random(2012)
    node = _by_slug("provincia-novara")
    provider = _by_slug("coop-esempio")
    operator = _user("operatore@comune-novara.example")
    case_worker = _user("casemanager@nodo.novara.example")
    if node is None or operator is None:
        return []
    today = local_today()
    created = 0
    for n, (state, case_state) in enumerate(PLAN):
        key = KEY.format(n)
        if db.session.scalar(select(Referral.id).where(Referral.submission_key == key)) is not None:
            continue
        antenna = _by_slug(ANTENNAS[n % len(ANTENNAS)])
        first, last = FIRST[n % len(FIRST)], LAST[(n * 5) % len(LAST)]
        year = 1962 + (n * 7) % 42
        person = Person(
            tenant_id=antenna.id, node_id=node.id, gender=[Gender.FEMALE, Gender.MALE, Gender.NON_BINARY][n % 3],
            citizenship_group=rnd.choice(list(CitizenshipGroup)), disability=n % 5 == 0,
            labour_status=rnd.choice(list(LabourStatus)), education_level=rnd.choice(list(EducationLevel)),
        )
        set_identity(person, first_name=first, last_name=last, birth_year=year, contact=f"demo{n:02d}@persona.example")
        person.age_band = age_band(year, today)
        db.session.add(person)
        db.session.flush()
        person.pseudonym = next_pseudonym(person)
        submitted = utcnow() - timedelta(days=3 + (n * 3) % 40 + (case_span(CaseState(case_state)) if case_state else 0))
        if state == "submitted" and n % 3 == 0:
            submitted = utcnow() - timedelta(days=12)  # stale: no decision after the configured days
        referral = Referral(
            uid=f"seed{n:02d}" + "0" * 26, person_id=person.id, tenant_id=antenna.id, node_id=node.id,
            created_by_id=operator.id, state=ReferralState(state), submission_key=key,
            grounds=sorted({[g for g in Ground][n % 6].value, *([Ground.GENDER.value] if n % 4 == 0 else [])}),
            context=list(Context)[n % len(Context)], urgency=Urgency.URGENT if n % 11 == 0 else Urgency.NORMAL,
            consent_notice_version="2026-01", consent_date=(submitted - timedelta(days=1)).date(),
            submitted_at=None if state == "draft" else submitted, availability="Mattine dal lunedì al venerdì",
            created_at=submitted - timedelta(hours=2),  # written before it was sent, as its history says
        )
        referral.situation = SITUATIONS[n % len(SITUATIONS)]
        person.shared_at = referral.submitted_at  # the node sees the person once a referral was sent
        referral.needs = "Orientamento al lavoro e sostegno (dimostrativo)."
        db.session.add(referral)
        db.session.flush()
        _events(referral, state, operator, case_worker, node, submitted)
        if case_state:
            _case(referral, person, CaseState(case_state), case_worker, provider, node, today, n)
        created += 1
    db.session.flush()
    report = [f"Rete demo: {created} persone fittizie con segnalazioni e percorsi aggiunte"]
    return report + _office_action(node, today)


# The first phase-1 person of PLAN: its pathway goes on with job matching at the employment centre.
OFFICE_PERSON = PLAN.index(("accepted", "phase_1"))
OFFICE_SLUG = "cpi-novara"


def _office_action(node, today) -> list[str]:
    """One planned action of a demo case addressed to CPI Novara, with the referral the office sees (the
    row cases/offices.py:sync writes), waiting to be taken in charge: the office's home queue and page are
    not empty on first start. Added once (also to a demo seeded before offices had users)."""
    office = _by_slug(OFFICE_SLUG)
    referral_id = db.session.scalar(select(Referral.id).where(Referral.submission_key == KEY.format(OFFICE_PERSON)))
    case = db.session.scalar(select(Case).where(Case.referral_id == referral_id)) if referral_id else None
    if office is None or case is None or db.session.scalar(
            select(Action.id).where(Action.case_id == case.id, Action.office_id == office.id)) is not None:
        return []
    start = today + timedelta(days=5)
    action = Action(
        case_id=case.id, tenant_id=node.id, pseudonym=case.pseudonym, service_type=ServiceType.JOB_MATCHING,
        phase=ActionPhase.JOB_INSERTION, office_id=office.id, status=ActionStatus.PLANNED, planned_start=start,
        planned_end=start + timedelta(days=30), planned_hours=Decimal("4.00"), delivered_hours=Decimal("0"),
    )
    db.session.add(action)
    db.session.flush()
    db.session.add(OfficeReferral(
        action_id=action.id, tenant_id=node.id, peer_id=office.id, pseudonym=case.pseudonym,
        service_type=action.service_type, phase=action.phase, planned_start=action.planned_start,
        planned_end=action.planned_end, action_status=action.status, state=OfficeReferralState.REFERRED,
        referred_at=utcnow() - timedelta(days=2),
    ))
    db.session.flush()
    return [f"Rete demo: un'azione del percorso {case.pseudonym} indirizzata al centro per l'impiego di Novara"]


def _events(referral, state, operator, case_worker, node, at):
    steps = {"draft": [], "submitted": [("draft", "submitted")], "withdrawn": [("draft", "submitted"), ("submitted", "withdrawn")],
             "info_requested": [("draft", "submitted"), ("submitted", "info_requested")],
             "declined": [("draft", "submitted"), ("submitted", "declined")],
             "accepted": [("draft", "submitted"), ("submitted", "accepted")]}[state]
    messages = {"info_requested": "Potete indicare la disponibilità oraria della persona?",
                "declined": "La situazione non rientra nell'ambito del nodo: contattate lo sportello lavoro."}
    for i, (source, target) in enumerate(steps):
        by_node = target in ("info_requested", "declined", "accepted")
        db.session.add(ReferralEvent(
            referral_id=referral.id, tenant_id=referral.tenant_id, node_id=referral.node_id,
            actor_id=(case_worker if by_node else operator).id, actor_tenant_id=node.id if by_node else referral.tenant_id,
            at=at + timedelta(days=i), from_state=source, to_state=target, message=messages.get(target),
        ))
    if state == "declined":
        referral.decline_reason = DeclineReason.OUT_OF_SCOPE
        referral.decided_at = at + timedelta(days=1)
        referral.outcome_code = OutcomeCode.NOT_TAKEN_IN_CHARGE
    if state == "accepted":
        referral.decided_at = at + timedelta(days=1)


SUMMARY = {CaseState.OPEN: OutcomeCode.TAKEN_IN_CHARGE, CaseState.PHASE_1: OutcomeCode.PHASE_1,
           CaseState.PHASE_2: OutcomeCode.PHASE_2, CaseState.CLOSED: OutcomeCode.COMPLETED}


def _case(referral, person, state, case_worker, provider, node, today, n):
    opened = referral.decided_at
    case = Case(
        tenant_id=node.id, referral_id=referral.id, person_id=person.id, pseudonym=person.pseudonym,
        antenna_id=referral.tenant_id, grounds=",".join(referral.grounds), case_worker_id=case_worker.id,
        state=state, urgent=referral.urgency == Urgency.URGENT, opened_at=opened,
    )
    db.session.add(case)
    db.session.flush()
    entry = DiaryEntry(case_id=case.id, tenant_id=node.id, author_id=case_worker.id, written_at=opened + timedelta(days=1))
    entry.text = "Nota interna del nodo (dimostrativa): colloquio iniziale svolto."
    db.session.add(entry)
    referral.outcome_code = SUMMARY[state]
    start = opened.date()
    for i, (service, phase) in enumerate(PATHWAY[:STEPS[state]]):
        planned = start + timedelta(days=ACTION_EVERY * (i + 1))
        done = i < _done_steps(state)
        # A provider action's delivered hours are its approved deliveries (seed/budget.py logs them): none
        # typed here. Planned ones are "to order" until the budget seed or the node orders them.
        by_provider = provider is not None and i % 2
        typed = done and not by_provider
        db.session.add(Action(
            case_id=case.id, tenant_id=node.id, pseudonym=case.pseudonym, service_type=service, phase=phase,
            provider_id=provider.id if by_provider else None,
            status=ActionStatus.DONE if done else (ActionStatus.TO_ORDER if by_provider else ActionStatus.PLANNED),
            planned_start=planned, planned_end=planned + timedelta(days=ACTION_LASTS), planned_hours=Decimal("6.00"),
            delivered_hours=Decimal("6.00") if typed else Decimal("0"),
            delivered_on=planned + timedelta(days=ACTION_LASTS) if typed else None,
            outcome="Svolto regolarmente (dimostrativo)" if done else None,
        ))
    if state in (CaseState.PHASE_2, CaseState.CLOSED):
        outcome = [JobOutcome.EMPLOYED, JobOutcome.TRAINEESHIP, JobOutcome.SELF_EMPLOYED][n % 3]
        db.session.add(Verification(
            case_id=case.id, tenant_id=node.id, phase=VerificationPhase.JOB_INSERTION,
            due_date=start + timedelta(days=PHASE_1_CHECK), done_on=start + timedelta(days=PHASE_1_CHECK),
            verified_by_id=case_worker.id, job_outcome=outcome,
            contract_type=ContractType.FIXED_TERM if outcome == JobOutcome.EMPLOYED else None,
            hours_per_week=Decimal("30") if outcome == JobOutcome.EMPLOYED else None,
            sector="Logistica" if outcome == JobOutcome.EMPLOYED else None,
            start_date=start + timedelta(days=55), evidence="Copia del contratto (dimostrativa)",
        ))
        for months in (3, 6, 12):
            due = add_months(start + timedelta(days=PHASE_1_CHECK), months)
            done = due <= today
            db.session.add(Verification(
                case_id=case.id, tenant_id=node.id, phase=VerificationPhase.INCLUSION, months_after=months, due_date=due,
                done_on=due if done else None, verified_by_id=case_worker.id if done else None,
                still_in_work=True if done else None,
                difficulties="Orari difficili da conciliare (dimostrativo)" if done and months == 3 else None,
            ))
    if state == CaseState.CLOSED:
        case.closed_at = opened + timedelta(days=CLOSED_AFTER)
        case.closure_outcome = ClosureOutcome.INCLUDED
        case.closure_reason = "Percorso completato con inserimento stabile (dimostrativo)."
