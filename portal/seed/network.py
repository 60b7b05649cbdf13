"""The node, its antennas (protocol signatories and steering-group members) and one user per role."""
from sqlalchemy import select

from ..accounts.models import Membership, Role, User
from ..accounts.passwords import hash_password
from ..extensions import db
from ..tenancy.models import Tenant
from ..tenancy.models import TenantKind as K

DEMO_PASSWORD = "Rete-demo-2026!"
NODE_SLUG = "provincia-novara"

NODE = ("provincia-novara", "Provincia di Novara – Nodo provinciale contro le discriminazioni", K.NODE)

# (slug, name, kind) – from the Protocollo d'intesa signatories and the "cabina di regia".
ANTENNAS = [
    ("prefettura-novara", "Prefettura – Ufficio territoriale del Governo di Novara", K.PREFECTURE),
    ("tribunale-novara", "Tribunale di Novara", K.COURT),
    ("procura-novara", "Procura della Repubblica presso il Tribunale di Novara", K.PROSECUTOR),
    ("questura-novara", "Questura di Novara", K.POLICE),
    ("aou-novara", "Azienda Ospedaliera di Novara", K.HOSPITAL),
    ("asl-no", "ASL NO – Azienda sanitaria locale di Novara", K.HEALTH_AUTHORITY),
    ("dap-novara", "Ministero della Giustizia – Dipartimento dell'Amministrazione penitenziaria, Novara", K.PRISON_ADMINISTRATION),
    ("comune-novara", "Comune di Novara", K.MUNICIPALITY),
    ("comune-cameri", "Comune di Cameri", K.MUNICIPALITY),
    ("comune-arona", "Comune di Arona", K.MUNICIPALITY),
    ("consorzio-borgomanero", "Consorzio intercomunale dei servizi socio-assistenziali di Borgomanero", K.SOCIAL_CONSORTIUM),
    ("cisa-ovest-ticino", "CISA Ovest Ticino – Romentino", K.SOCIAL_CONSORTIUM),
    ("cisa-24", "CISA 24 – Biandrate", K.SOCIAL_CONSORTIUM),
    ("ispa-arona", "Consorzio I.S.P.A. – Arona", K.SOCIAL_CONSORTIUM),
    ("consorzio-gemme", "Consorzio socio-assistenziale di Gemme", K.SOCIAL_CONSORTIUM),
    ("consorzio-castelletto", "Consorzio socio-assistenziale di Castelletto Ticino", K.SOCIAL_CONSORTIUM),
    ("consorzio-gattinara", "Consorzio socio-assistenziale di Gattinara", K.SOCIAL_CONSORTIUM),
    ("camera-minorile", "Associazione Camera Minorile di Novara", K.ASSOCIATION),
    ("ordine-avvocati", "Ordine degli Avvocati di Novara", K.PROFESSIONAL_ORDER),
    ("ordine-psicologi", "Ordine degli Psicologi – punto informativo di Novara", K.PROFESSIONAL_ORDER),
    ("consigliera-parita", "Consigliera di parità della Provincia di Novara", K.EQUALITY_ADVISOR),
    ("camera-commercio", "Camera di Commercio di Novara", K.CHAMBER_OF_COMMERCE),
    ("industriali-novara", "Associazione Industriali di Novara", K.EMPLOYERS_ASSOCIATION),
    ("upo", "Università del Piemonte Orientale \"Amedeo Avogadro\"", K.UNIVERSITY),
    ("ufficio-scolastico", "Ufficio Scolastico Provinciale di Novara", K.SCHOOL),
    ("coop-esempio", "Cooperativa sociale Esempio (fittizia)", K.SERVICE_PROVIDER),
    # The Provincia's own offices the plan works with ("pari opportunità, istruzione/orientamento, centri
    # impiego, lavoro"): the province's two employment centres, Novara and Borgomanero.
    ("cpi-novara", "Centro per l'impiego di Novara", K.EMPLOYMENT_CENTRE),
    ("cpi-borgomanero", "Centro per l'impiego di Borgomanero", K.EMPLOYMENT_CENTRE),
    ("provincia-istruzione", "Provincia di Novara – Ufficio istruzione e orientamento", K.EDUCATION_GUIDANCE_OFFICE),
    ("provincia-lavoro", "Provincia di Novara – Ufficio lavoro", K.LABOUR_OFFICE),
]

# (e-mail, full name, tenant slug, role) – fictitious people, one per role plus a second antenna.
USERS = [
    ("coordinatrice@nodo.novara.example", "Giulia Ferri (demo)", NODE_SLUG, Role.COORDINATOR),
    ("casemanager@nodo.novara.example", "Marco Bellini (demo)", NODE_SLUG, Role.CASE_WORKER),
    ("budget@nodo.novara.example", "Elena Sala (demo)", NODE_SLUG, Role.BUDGET_OFFICER),
    ("rpd@nodo.novara.example", "Paolo Riva (demo)", NODE_SLUG, Role.DATA_PROTECTION_OFFICER),
    ("sistemista@nodo.novara.example", "Sara Conti (demo)", NODE_SLUG, Role.SYSTEM_ADMIN),
    ("operatore@comune-novara.example", "Luca Martini (demo)", "comune-novara", Role.ANTENNA_OPERATOR),
    ("admin@comune-novara.example", "Anna Gallo (demo)", "comune-novara", Role.ANTENNA_ADMIN),
    ("operatrice@comune-arona.example", "Chiara Fontana (demo)", "comune-arona", Role.ANTENNA_OPERATOR),
    ("admin@comune-arona.example", "Davide Greco (demo)", "comune-arona", Role.ANTENNA_ADMIN),
    ("operatore@cisa24.example", "Roberto Villa (demo)", "cisa-24", Role.ANTENNA_OPERATOR),
    ("operatrice@coop-esempio.example", "Marta Colombo (demo)", "coop-esempio", Role.PROVIDER_USER),
    # Staffs the demo's information point, trained by the node (seed/directory.py): a point is published only
    # while a trained operator works there.
    ("operatrice@ordine-psicologi.example", "Irene Vitali (demo)", "ordine-psicologi", Role.ANTENNA_OPERATOR),
    # One operator per Provincia office: they see the actions the node refers to them (/casi/ufficio).
    ("operatore@cpi-novara.example", "Fabio Moretti (demo)", "cpi-novara", Role.ANTENNA_OPERATOR),
    ("operatrice@cpi-borgomanero.example", "Silvia Ricci (demo)", "cpi-borgomanero", Role.ANTENNA_OPERATOR),
    ("operatrice@provincia-istruzione.example", "Laura Costa (demo)", "provincia-istruzione", Role.ANTENNA_OPERATOR),
    ("operatore@provincia-lavoro.example", "Giorgio Marchetti (demo)", "provincia-lavoro", Role.ANTENNA_OPERATOR),
]


def _tenant(slug, name, kind, node_id=None, code=None, email=None) -> tuple[Tenant, bool]:
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is not None:
        return tenant, False
    tenant = Tenant(slug=slug, name=name, kind=kind, node_id=node_id, active=True, code=code,
                    email=email or f"segreteria@{slug}.example")
    db.session.add(tenant)
    db.session.flush()
    return tenant, True


def add_users(users) -> int:
    """Add the (email, full name, tenant slug, role) users not there yet, with the demo password; how many."""
    added, password_hash = 0, None
    for email, full_name, slug, role in users:
        if db.session.scalar(select(User).where(User.email == email)) is not None:
            continue
        password_hash = password_hash or hash_password(DEMO_PASSWORD)
        user = User(email=email, full_name=full_name, password_hash=password_hash, active=True)
        db.session.add(user)
        db.session.flush()
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
        db.session.add(Membership(user_id=user.id, tenant_id=tenant.id, role=role, active=True))
        added += 1
    return added


def seed() -> list[str]:
    node, _ = _tenant(*NODE, code="NO", email="nodo.discriminazioni@provincia.novara.example")
    created = 0
    for slug, name, kind in ANTENNAS:
        created += _tenant(slug, name, kind, node_id=node.id)[1]
    new_users = add_users(USERS)
    db.session.flush()
    return [f"Rete demo: {created} organizzazioni e {new_users} utenti aggiunti (password demo: {DEMO_PASSWORD})"]


def demo_logins() -> list[tuple[str, str, str]]:
    return [(email, slug, role.value) for email, _, slug, role in USERS]
