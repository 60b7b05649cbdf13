"""Bulk data for benchmarks: N antennas, people, referrals, cases and actions under the demo node.

Core bulk inserts as the schema owner (no ORM session, no per-row flush); identity still encrypted per
row so the pages pay the real decryption cost. Everything is fictitious.
"""
import random
import secrets
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select

from portal.cases.models import Action, ActionPhase, ActionStatus, Case, CaseState, ServiceType
from portal.crypto import blind_index, encrypt
from portal.extensions import db
from portal.people.models import Gender, LabourStatus, Person, PseudonymCounter
from portal.referrals.models import Context, Ground, Referral, ReferralState
from portal.tenancy.models import Tenant, TenantKind

FIRST = ["Aisha", "Marco", "Giulia", "Omar", "Elena", "Ion", "Fatima", "Luca", "Sara", "Mihai", "Chiara", "Kofi"]
LAST = ["Rossi", "Bianchi", "El Amrani", "Popescu", "Colombo", "Diallo", "Ferrari", "Kaur", "Russo", "Gallo"]
BATCH = 5000


def _chunks(rows, size=BATCH):
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def _insert(model, rows):
    for chunk in _chunks(rows):
        db.session.execute(insert(model), chunk)


def seed_scale(*, antennas: int, cases: int, actions: int, big_case_actions: int = 50, seed: int = 7) -> dict:
    """Create the data set; returns ids the benchmark pages need. Idempotent per database: skips if present."""
    rnd = random.Random(seed)
    node = db.session.scalar(select(Tenant).where(Tenant.slug == "provincia-novara"))
    existing = db.session.scalar(select(func.count(Case.id)))
    if existing >= cases:
        return _targets(node)
    now = datetime.now(UTC)
    antenna_rows = [
        {"slug": f"bench-antenna-{i}", "name": f"Antenna di prova {i:03d}", "kind": TenantKind.MUNICIPALITY.value,
         "node_id": node.id, "active": True, "email": f"a{i}@bench.example"}
        for i in range(antennas)
    ]
    _insert(Tenant, antenna_rows)
    antenna_ids = list(db.session.scalars(select(Tenant.id).where(Tenant.slug.like("bench-antenna-%")).order_by(Tenant.id)))
    creator = db.session.scalar(select(func.min(Tenant.id)))  # any existing user id works as creator below
    from portal.accounts.models import User

    creator = db.session.scalar(select(func.min(User.id)))
    first_person = (db.session.scalar(select(func.max(Person.id))) or 0) + 1
    people, referrals, case_rows = [], [], []
    for n in range(cases):
        pid = first_person + n
        uid = secrets.token_hex(16)
        first, last, year = rnd.choice(FIRST), rnd.choice(LAST), rnd.randint(1960, 2005)
        antenna = antenna_ids[n % len(antenna_ids)]
        people.append({
            "id": pid, "uid": uid, "pseudonym": f"NO-2026-{pid:06d}", "tenant_id": antenna, "node_id": node.id,
            "first_name_enc": encrypt(first, f"people.first_name.{uid}"),
            "last_name_enc": encrypt(last, f"people.last_name.{uid}"),
            "birth_year_enc": encrypt(str(year), f"people.birth_year_text.{uid}"),
            "name_year_bidx": blind_index(f"{last} {first} {year}", "name_year"),
            "gender": rnd.choice(list(Gender)).value, "labour_status": rnd.choice(list(LabourStatus)).value,
            "legal_hold": False, "version": 1, "created_at": now, "updated_at": now,
        })
        submitted = now - timedelta(days=rnd.randint(10, 400))
        people[-1]["shared_at"] = submitted  # the node sees a person once one of their referrals was sent
        grounds = sorted(rnd.sample([g.value for g in Ground if g != Ground.OTHER], rnd.choice([1, 1, 2])))
        referrals.append({
            "id": pid, "uid": secrets.token_hex(16), "person_id": pid, "tenant_id": antenna, "node_id": node.id,
            "created_by_id": creator, "state": ReferralState.ACCEPTED.value, "grounds": grounds,
            "context": rnd.choice(list(Context)).value, "urgency": "normal", "submission_key": secrets.token_urlsafe(18),
            "consent_notice_version": "2026-01", "consent_date": date(2026, 1, 15),
            "submitted_at": submitted, "decided_at": now - timedelta(days=5),
            "outcome_code": "taken_in_charge", "version": 1, "created_at": now, "updated_at": now,
        })
        case_rows.append({
            "id": pid, "uid": secrets.token_hex(16), "tenant_id": node.id, "referral_id": pid, "person_id": pid,
            "pseudonym": f"NO-2026-{pid:06d}", "antenna_id": antenna, "grounds": ",".join(grounds),
            "state": rnd.choice([CaseState.OPEN, CaseState.PHASE_1, CaseState.PHASE_2, CaseState.CLOSED]).value,
            "urgent": False, "opened_at": now - timedelta(days=rnd.randint(1, 400)), "version": 1,
            "created_at": now, "updated_at": now,
        })
    _insert(Person, people)
    _insert(Referral, referrals)
    _insert(Case, case_rows)
    del people, referrals
    big_case = case_rows[0]["id"]
    action_rows = []
    types, phases = list(ServiceType), list(ActionPhase)
    for n in range(actions):
        case_id = big_case if n < big_case_actions else case_rows[rnd.randrange(1, len(case_rows))]["id"]
        action_rows.append({
            "tenant_id": node.id, "case_id": case_id, "pseudonym": f"NO-2026-{case_id:06d}",
            "service_type": rnd.choice(types).value, "phase": rnd.choice(phases).value,
            "status": ActionStatus.DONE.value, "planned_start": date(2026, 1, 1) + timedelta(days=rnd.randint(0, 300)),
            "planned_hours": Decimal("4.00"), "delivered_hours": Decimal("4.00"), "version": 1,
            "created_at": now, "updated_at": now,
        })
        if len(action_rows) >= 50000:
            _insert(Action, action_rows)
            action_rows = []
    _insert(Action, action_rows)
    # The codes above were written past the services' counter: the next person the pages create follows them.
    db.session.merge(PseudonymCounter(prefix="NO", year=2026, last=first_person + cases - 1))
    db.session.commit()
    return _targets(node)


def _targets(node) -> dict:
    big = db.session.scalar(
        select(Action.case_id).group_by(Action.case_id).having(func.count() == 50).order_by(Action.case_id).limit(1)
    )
    antenna = db.session.scalar(select(Tenant.id).where(Tenant.slug == "bench-antenna-0"))
    return {"node_id": node.id, "big_case_id": big, "antenna_id": antenna}
