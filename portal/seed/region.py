"""Regione Piemonte as the regional centre above the eight Piedmont nodes, for the demo.

Novara (portal/seed/network.py) stays as it is and joins the region; the seven other nodes get a
fictitious small network each: a directory entry at the chief town (public reports from the province reach
the node), a coordinator (``coordinamento@<slug>.example``), two antennas and a few dozen clearly
fictitious referrals over the last months (some declined, some taken in charge, a few cases closed), so the regional tables have shapes
on first start. Idempotent by slug, e-mail and submission key; the summaries are rebuilt at the end.
"""
from datetime import timedelta

from sqlalchemy import select

from ..accounts.models import Membership, Role, User
from ..accounts.passwords import hash_password
from ..cases.models import Case, CaseState, ClosureOutcome
from ..directory.models import DirectoryEntry
from ..directory.municipalities import province
from ..extensions import db
from ..models_base import utcnow
from ..people.models import CitizenshipGroup, EducationLevel, Gender, LabourStatus, Person
from ..people.services import age_band, next_pseudonym, set_identity
from ..referrals.models import Context, DeclineReason, Ground, OutcomeCode, Referral, ReferralState
from ..tenancy.models import Tenant
from ..tenancy.models import TenantKind as K
from .network import DEMO_PASSWORD, NODE_SLUG, add_users

REGION = ("regione-piemonte", "Regione Piemonte – Centro regionale contro le discriminazioni")
# (slug, name, pseudonym code, chief town) – one node per province / metropolitan city besides Novara.
NODES = [
    ("provincia-alessandria", "Provincia di Alessandria – Nodo territoriale contro le discriminazioni", "AL", "Alessandria"),
    ("provincia-asti", "Provincia di Asti – Nodo territoriale contro le discriminazioni", "AT", "Asti"),
    ("provincia-biella", "Provincia di Biella – Nodo territoriale contro le discriminazioni", "BI", "Biella"),
    ("provincia-cuneo", "Provincia di Cuneo – Nodo territoriale contro le discriminazioni", "CN", "Cuneo"),
    ("citta-metropolitana-torino", "Città metropolitana di Torino – Nodo territoriale contro le discriminazioni", "TO", "Torino"),
    ("provincia-vco", "Provincia del Verbano-Cusio-Ossola – Nodo territoriale contro le discriminazioni", "VB", "Verbania"),
    ("provincia-vercelli", "Provincia di Vercelli – Nodo territoriale contro le discriminazioni", "VC", "Vercelli"),
]
USERS = [
    ("coordinatrice@regione.piemonte.example", "Laura Bosio (demo)", REGION[0], Role.REGIONAL_COORDINATOR),
    ("analista@regione.piemonte.example", "Stefano Olivero (demo)", REGION[0], Role.REGIONAL_ANALYST),
    ("rpd@regione.piemonte.example", "Franca Audisio (demo)", REGION[0], Role.REGIONAL_DPO),
]
# Vercelli's staff, so a case can be transferred there from Novara and continued (docs/case-transfer.md).
NODE_USERS = [
    ("coordinatrice@provincia-vercelli.example", "Marta Vercellone (demo)", "provincia-vercelli", Role.COORDINATOR),
    ("operatore@provincia-vercelli.example", "Paolo Sesia (demo)", "provincia-vercelli", Role.CASE_WORKER),
]
REFERRALS_PER_NODE = 24
KEY = "seed-region-{}-{:02d}"


def _tenant(slug, name, kind, **fields) -> tuple[Tenant, bool]:
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is not None:
        return tenant, False
    tenant = Tenant(slug=slug, name=name, kind=kind, active=True, email=f"segreteria@{slug}.example", **fields)
    db.session.add(tenant)
    db.session.flush()
    return tenant, True


def _operator(antenna: Tenant) -> User:
    email = f"operatore@{antenna.slug}.example"
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, full_name=f"Operatore {antenna.name} (demo)", password_hash=hash_password(DEMO_PASSWORD),
                    active=True)
        db.session.add(user)
        db.session.flush()
        db.session.add(Membership(user_id=user.id, tenant_id=antenna.id, role=Role.ANTENNA_OPERATOR, active=True))
    return user


def _desk(node: Tenant, town: str) -> int:
    """The node's directory entry at its chief town (so public reports from its province reach it) and a
    coordinator who can read them. Returns how many of the two it added."""
    added = 0
    if db.session.scalar(select(DirectoryEntry.id).where(DirectoryEntry.organisation_id == node.id)) is None:
        code = {name: cadastral for cadastral, name in province(node.code)}.get(town)
        db.session.add(DirectoryEntry(
            organisation_id=node.id, address="Piazza dell'Esempio 1 (indirizzo fittizio)", municipality_code=code,
            municipality_name=town, phone="000 0000000 (fittizio)", email=f"rete@{node.slug}.example",
            referents="Referente per la rete antidiscriminazioni (ruolo istituzionale)",
            grounds=["ethnicity", "age", "religion", "disability", "gender", "sexual_orientation", "other"],
            services="Presa in carico delle persone segnalate, percorsi personalizzati, coordinamento della rete.",
        ))
        added += 1
    email = f"coordinamento@{node.slug}.example"
    if db.session.scalar(select(User.id).where(User.email == email)) is None:
        user = User(email=email, full_name=f"Coordinamento {town} (demo)", password_hash=hash_password(DEMO_PASSWORD),
                    active=True)
        db.session.add(user)
        db.session.flush()
        db.session.add(Membership(user_id=user.id, tenant_id=node.id, role=Role.COORDINATOR, active=True))
        added += 1
    return added


def _referrals(node: Tenant, antennas: list[Tenant]) -> int:
    created = 0
    now = utcnow()
    operators = [_operator(a) for a in antennas]
    grounds, contexts = list(Ground), [Context.WORK, Context.WORK, Context.HOUSING, Context.SERVICES, Context.SCHOOL]
    for n in range(REFERRALS_PER_NODE):
        key = KEY.format(node.code.lower(), n)
        if db.session.scalar(select(Referral.id).where(Referral.submission_key == key)) is not None:
            continue
        antenna, operator = antennas[n % 2], operators[n % 2]
        year = 1960 + (n * 7) % 44
        person = Person(
            tenant_id=antenna.id, node_id=node.id, gender=[Gender.FEMALE, Gender.MALE][n % 2],
            citizenship_group=list(CitizenshipGroup)[n % len(CitizenshipGroup)], disability=n % 6 == 0,
            labour_status=list(LabourStatus)[n % len(LabourStatus)],
            education_level=list(EducationLevel)[n % len(EducationLevel)],
        )
        set_identity(person, first_name=f"Demo{n:02d}", last_name=f"Fittizio-{node.code}", birth_year=year)
        person.age_band = age_band(year, now.date())
        db.session.add(person)
        db.session.flush()
        person.pseudonym = next_pseudonym(person)
        submitted = now - timedelta(days=10 + 7 * n)
        state = [ReferralState.DECLINED, ReferralState.ACCEPTED, ReferralState.ACCEPTED, ReferralState.SUBMITTED][n % 4]
        referral = Referral(
            uid=f"sr{node.code.lower()}{n:02d}".ljust(32, "0"), person_id=person.id, tenant_id=antenna.id,
            node_id=node.id, created_by_id=operator.id, state=state, submission_key=key,
            grounds=sorted({grounds[n % 6].value, *([Ground.GENDER.value] if n % 5 == 0 else [])}),
            context=contexts[n % len(contexts)], consent_notice_version="2026-01",
            consent_date=(submitted - timedelta(days=1)).date(), submitted_at=submitted,
            created_at=submitted - timedelta(hours=2),  # written before it was sent
        )
        referral.situation = "Situazione dimostrativa, nessuna persona reale."
        person.shared_at = submitted
        if state != ReferralState.SUBMITTED:
            referral.decided_at = submitted + timedelta(days=2 + n % 9)
        if state == ReferralState.DECLINED:
            referral.decline_reason, referral.outcome_code = DeclineReason.OUT_OF_SCOPE, OutcomeCode.NOT_TAKEN_IN_CHARGE
        db.session.add(referral)
        db.session.flush()
        if state == ReferralState.ACCEPTED:
            closed = n % 8 == 1 and referral.decided_at + timedelta(days=40) < now
            case = Case(
                tenant_id=node.id, referral_id=referral.id, person_id=person.id, pseudonym=person.pseudonym,
                antenna_id=antenna.id, grounds=",".join(referral.grounds), state=CaseState.CLOSED if closed else CaseState.OPEN,
                opened_at=referral.decided_at,
            )
            if closed:
                case.closed_at = referral.decided_at + timedelta(days=40)
                case.closure_outcome = ClosureOutcome.EMPLOYED
            referral.outcome_code = OutcomeCode.COMPLETED if closed else OutcomeCode.TAKEN_IN_CHARGE
            db.session.add(case)
        created += 1
    db.session.flush()
    return created


def seed() -> list[str]:
    from ..i18n import local_today
    from ..region.releases import refresh_and_publish

    region, _ = _tenant(*REGION, K.REGIONAL_CENTRE)
    novara = db.session.scalar(select(Tenant).where(Tenant.slug == NODE_SLUG))
    if novara is not None and novara.region_id is None:
        novara.region_id = region.id
    nodes_added = referrals = desks = 0
    for slug, name, code, town in NODES:
        node, added = _tenant(slug, name, K.NODE, code=code, region_id=region.id)
        nodes_added += added
        desks += _desk(node, town)
        antennas = [
            _tenant(f"comune-{town.lower()}-demo", f"Comune di {town} (antenna dimostrativa)", K.MUNICIPALITY,
                    node_id=node.id)[0],
            _tenant(f"associazione-{code.lower()}-demo", f"Associazione Esempio {town} (fittizia)", K.ASSOCIATION,
                    node_id=node.id)[0],
        ]
        referrals += _referrals(node, antennas)
    users = add_users(USERS)
    node_users = add_users(NODE_USERS)
    db.session.flush()
    refresh_and_publish(local_today())
    return [f"Regione Piemonte: {nodes_added} nodi, {users} utenti regionali e {referrals} segnalazioni fittizie aggiunti",
            f"Nodo di Vercelli: {node_users} utenti dimostrativi aggiunti",
            f"nodi piemontesi: {desks} schede di rubrica e coordinatori aggiunti"]
