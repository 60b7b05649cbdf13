"""A small network for tests: the victim side (node N1, antenna A) and every kind of other tenant."""
from dataclasses import dataclass, field

from portal.accounts.models import Role
from portal.tenancy.models import TenantKind

from .factories import MembershipFactory, NodeFactory, TenantFactory, UserFactory

# (key, tenant key, role). Keys read as "<tenant>_<role>".
USERS = [
    ("n1_coordinator", "n1", Role.COORDINATOR),
    ("n1_case_worker", "n1", Role.CASE_WORKER),
    ("n1_budget_officer", "n1", Role.BUDGET_OFFICER),
    ("n1_dpo", "n1", Role.DATA_PROTECTION_OFFICER),
    ("n1_sysadmin", "n1", Role.SYSTEM_ADMIN),
    ("a_operator", "a", Role.ANTENNA_OPERATOR),
    ("a_admin", "a", Role.ANTENNA_ADMIN),
    ("a_dpo", "a", Role.DATA_PROTECTION_OFFICER),
    ("b_operator", "b", Role.ANTENNA_OPERATOR),
    ("b_admin", "b", Role.ANTENNA_ADMIN),
    ("b_dpo", "b", Role.DATA_PROTECTION_OFFICER),
    ("p_user", "p", Role.PROVIDER_USER),
    ("n2_coordinator", "n2", Role.COORDINATOR),
    ("n2_case_worker", "n2", Role.CASE_WORKER),
    ("n2_budget_officer", "n2", Role.BUDGET_OFFICER),
    ("n2_dpo", "n2", Role.DATA_PROTECTION_OFFICER),
    ("n2_sysadmin", "n2", Role.SYSTEM_ADMIN),
]

# Who attacks the victim's (antenna A's) rows: every role of every other tenant.
ATTACKERS = [key for key, tenant, _ in USERS if tenant in {"b", "p", "n2"}]
# Who attacks node N1's own rows (cases, contracts...): antennas, the provider, the other node.
NODE_ATTACKERS = [key for key, tenant, _ in USERS if tenant in {"a", "b", "p", "n2"}]


@dataclass
class Network:
    tenants: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    memberships: dict = field(default_factory=dict)

    def secrets_of(self, *tenant_keys: str) -> list[str]:
        """Strings that must never appear in another tenant's responses."""
        out = []
        for key, tenant, _ in USERS:
            if tenant in tenant_keys:
                out += [self.users[key].email, self.users[key].full_name]
        return out


def build_network(session) -> Network:
    net = Network()
    net.tenants["n1"] = NodeFactory(slug="nodo-uno", name="Nodo Uno di prova")
    net.tenants["n2"] = NodeFactory(slug="nodo-due", name="Nodo Due di prova")
    net.tenants["a"] = TenantFactory(slug="antenna-alfa", name="Antenna Alfa", node=net.tenants["n1"])
    net.tenants["b"] = TenantFactory(slug="antenna-beta", name="Antenna Beta", node=net.tenants["n1"])
    net.tenants["p"] = TenantFactory(
        slug="fornitore-pi", name="Fornitore Pi", kind=TenantKind.SERVICE_PROVIDER, node=net.tenants["n1"]
    )
    for key, tenant_key, role in USERS:
        user = UserFactory(email=f"{key.replace('_', '.')}@prova.example", full_name=f"Persona {key.replace('_', ' ').title()}")
        net.users[key] = user
        net.memberships[key] = MembershipFactory(user=user, tenant=net.tenants[tenant_key], role=role)
    session.flush()
    return net
