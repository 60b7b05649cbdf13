"""factory_boy factories for domain objects. Tenant-owned rows are created acting as their tenant,
so the same scoping rules (and, on PostgreSQL, row-level security) apply to test data."""
import factory
from factory.alchemy import SQLAlchemyModelFactory

from portal.accounts.models import Membership, Role, User
from portal.accounts.passwords import hash_password
from portal.extensions import db
from portal.tenancy import context
from portal.tenancy.models import Tenant, TenantKind

TEST_PASSWORD = "Password-di-prova-123"
_HASH = None


def password_hash() -> str:
    global _HASH  # argon2 is slow on purpose: hash once per run
    if _HASH is None:
        _HASH = hash_password(TEST_PASSWORD)
    return _HASH


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class TenantOwnedFactory(BaseFactory):
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        tenant = kwargs.get("tenant")
        tenant_id = kwargs.get("tenant_id") or (tenant.id if tenant is not None else None)
        with context.acting_as(tenant_id):
            return super()._create(model_class, *args, **kwargs)


class TenantFactory(BaseFactory):
    class Meta:
        model = Tenant

    slug = factory.Sequence(lambda n: f"ente-{n}")
    name = factory.Sequence(lambda n: f"Ente di prova {n}")
    kind = TenantKind.MUNICIPALITY
    active = True


class NodeFactory(TenantFactory):
    kind = TenantKind.NODE
    name = factory.Sequence(lambda n: f"Nodo di prova {n}")
    code = "NP"
    email = factory.Sequence(lambda n: f"nodo{n}@prova.example")


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"utente{n}@prova.example")
    full_name = factory.Sequence(lambda n: f"Utente Prova {n}")
    password_hash = factory.LazyFunction(password_hash)
    active = True
    failed_logins = 0


class MembershipFactory(TenantOwnedFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    tenant = factory.SubFactory(TenantFactory)
    role = Role.ANTENNA_OPERATOR
    active = True


# --- people, referrals, cases: built through the same services and scoping as the app -------------

def make_person(antenna, first_name="Mario", last_name="Rossi", birth_year=1980, tax_code=None, contact=None, **monitoring):
    from portal.models_base import utcnow
    from portal.people.services import create_person

    shared = monitoring.pop("shared", True)
    with context.acting_as(antenna.id):
        person = create_person(
            node_id=antenna.node_id, monitoring=monitoring or None, first_name=first_name, last_name=last_name,
            birth_year=birth_year, tax_code=tax_code, contact=contact,
        )
        # As if a referral had reached the node; ``shared=False`` for a person met only in drafts.
        person.shared_at = utcnow() if shared else None
        db.session.flush()
        return person


def make_referral(antenna, created_by, person=None, state="submitted", **fields):
    import secrets

    from portal.models_base import utcnow
    from portal.referrals.models import Context, Ground, Referral, ReferralState

    person = person or make_person(antenna, shared=state != "draft")
    with context.acting_as(antenna.id):
        if state != "draft" and person.shared_at is None:
            person.shared_at = utcnow()
        referral = Referral(
            uid=secrets.token_hex(16), person_id=person.id, tenant_id=antenna.id, node_id=antenna.node_id,
            created_by_id=created_by.id, state=ReferralState(state), submission_key=secrets.token_urlsafe(16),
            grounds=fields.pop("grounds", [Ground.ETHNICITY.value]), context=fields.pop("context", Context.WORK),
            consent_notice_version="2026-01", consent_date=utcnow().date(),
            submitted_at=None if state == "draft" else utcnow(), **fields,
        )
        referral.situation = fields.get("situation", "Rifiutata a un colloquio di lavoro per il velo (prova).")
        db.session.add(referral)
        db.session.flush()
    return referral


def make_case(referral, case_worker=None, state="open"):
    from portal.cases.models import CaseState
    from portal.cases.services import open_case
    from portal.referrals.models import ReferralState

    with context.acting_as(referral.node_id):
        referral.state = ReferralState.ACCEPTED
        case = open_case(referral, case_worker_id=case_worker.id if case_worker else None)
        case.state = CaseState(state)
        db.session.flush()
    return case


def make_action(case, service_type="counselling", phase="preparatory", provider=None, **fields):
    from datetime import date
    from decimal import Decimal

    from portal.cases.models import Action, ActionPhase, ServiceType

    with context.acting_as(case.tenant_id):
        action = Action(
            case_id=case.id, tenant_id=case.tenant_id, pseudonym=case.pseudonym,
            service_type=ServiceType(service_type), phase=ActionPhase(phase),
            provider_id=provider.id if provider else None,
            planned_start=fields.pop("planned_start", date(2026, 3, 2)),
            planned_hours=fields.pop("planned_hours", Decimal("10")), **fields,
        )
        db.session.add(action)
        db.session.flush()
    return action
