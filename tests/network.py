"""A small network for tests: the victim side (node N1, antenna A) and every kind of other tenant,
including the regional centre R above both nodes (it reads aggregates only, never a node's rows)."""
from dataclasses import dataclass, field

from portal.accounts.models import Role
from portal.tenancy.models import TenantKind

from .factories import (
    MembershipFactory,
    NodeFactory,
    TenantFactory,
    UserFactory,
    make_action,
    make_case,
    make_person,
    make_referral,
)

VICTIM_FIRST_NAME, VICTIM_LAST_NAME, VICTIM_TAX_CODE = "Zelinda", "Quartararo", "QRTZND80A41F952P"

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
    ("r_coordinator", "r", Role.REGIONAL_COORDINATOR),
    ("r_analyst", "r", Role.REGIONAL_ANALYST),
    ("r_dpo", "r", Role.REGIONAL_DPO),
    # An employment centre of N1 (one of the Provincia's own offices): an antenna like A and B.
    ("e_operator", "e", Role.ANTENNA_OPERATOR),
    ("e_admin", "e", Role.ANTENNA_ADMIN),
]

# Who attacks the victim's (antenna A's) rows: every role of every other tenant.
ATTACKERS = [key for key, tenant, _ in USERS if tenant in {"b", "p", "n2", "r", "e"}]
# Who attacks node N1's own rows (cases, contracts...): antennas, the provider, the other node.
# The region too: it sits above N1 and must still read none of its rows.
NODE_ATTACKERS = [key for key, tenant, _ in USERS if tenant in {"a", "b", "p", "n2", "r", "e"}]


@dataclass
class Network:
    tenants: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    memberships: dict = field(default_factory=dict)
    # The victim's data: a person and referral of antenna A, the node N1's case and action for them.
    person: object = None
    referral: object = None
    case: object = None
    action: object = None

    def secrets_of(self, *tenant_keys: str) -> list[str]:
        """Strings that must never appear in another tenant's responses."""
        out = []
        for key, tenant, _ in USERS:
            if tenant in tenant_keys:
                out += [self.users[key].email, self.users[key].full_name]
        if "a" in tenant_keys or "n1" in tenant_keys:
            out += [VICTIM_FIRST_NAME, VICTIM_LAST_NAME, VICTIM_TAX_CODE]
        return out


def build_network(session) -> Network:
    net = Network()
    net.tenants["r"] = TenantFactory(slug="regione-prova", name="Centro regionale di prova", kind=TenantKind.REGIONAL_CENTRE)
    net.tenants["n1"] = NodeFactory(slug="nodo-uno", name="Nodo Uno di prova", region=net.tenants["r"])
    net.tenants["n2"] = NodeFactory(slug="nodo-due", name="Nodo Due di prova", region=net.tenants["r"])
    net.tenants["a"] = TenantFactory(slug="antenna-alfa", name="Antenna Alfa", node=net.tenants["n1"])
    net.tenants["b"] = TenantFactory(slug="antenna-beta", name="Antenna Beta", node=net.tenants["n1"])
    net.tenants["p"] = TenantFactory(
        slug="fornitore-pi", name="Fornitore Pi", kind=TenantKind.SERVICE_PROVIDER, node=net.tenants["n1"]
    )
    net.tenants["e"] = TenantFactory(
        slug="cpi-prova", name="Centro per l'impiego di prova", kind=TenantKind.EMPLOYMENT_CENTRE, node=net.tenants["n1"]
    )
    for key, tenant_key, role in USERS:
        user = UserFactory(email=f"{key.replace('_', '.')}@prova.example", full_name=f"Persona {key.replace('_', ' ').title()}")
        net.users[key] = user
        net.memberships[key] = MembershipFactory(user=user, tenant=net.tenants[tenant_key], role=role)
    session.flush()
    net.person = make_person(
        net.tenants["a"], first_name=VICTIM_FIRST_NAME, last_name=VICTIM_LAST_NAME, birth_year=1980,
        tax_code=VICTIM_TAX_CODE,
    )
    net.referral = make_referral(net.tenants["a"], net.users["a_operator"], person=net.person)
    net.case = make_case(net.referral, case_worker=net.users["n1_case_worker"])
    net.action = make_action(net.case, provider=net.tenants["p"])
    return net
