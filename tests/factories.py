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
