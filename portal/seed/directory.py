"""Demo directory: one entry per organisation of the network (fictitious contacts), idempotent.

Addresses and phone numbers are invented placeholders; institutions' names come from the seed document.
"""
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from ..accounts.models import Membership, User
from ..directory.models import DirectoryEntry, InformationPoint
from ..directory.municipalities import province
from ..extensions import db
from ..i18n import local_today
from ..network.models import Agreement, Course, Participation
from ..tenancy.models import Tenant
from ..tenancy.models import TenantKind as K
from .network import ANTENNAS, NODE

# Where each organisation sits (default Novara), and the grounds it follows.
TOWN = {"comune-cameri": "Cameri", "comune-arona": "Arona", "ispa-arona": "Arona", "cisa-24": "Biandrate",
        "cisa-ovest-ticino": "Romentino", "consorzio-borgomanero": "Borgomanero", "consorzio-gemme": "Gemme",
        "consorzio-castelletto": "Castelletto sopra Ticino", "consorzio-gattinara": "Novara", "cpi-borgomanero": "Borgomanero"}
ALL_GROUNDS = ["ethnicity", "age", "religion", "disability", "gender", "sexual_orientation", "other"]
GROUNDS = {K.EQUALITY_ADVISOR: ["gender"], K.HOSPITAL: ["disability", "age"], K.HEALTH_AUTHORITY: ["disability", "age"],
           K.SCHOOL: ["ethnicity", "disability"], K.EMPLOYERS_ASSOCIATION: ["disability", "gender", "age"]}
SERVICES = {
    K.NODE: "Presa in carico delle persone segnalate, percorsi personalizzati, monitoraggio dei casi, coordinamento della rete.",
    K.MUNICIPALITY: "Sportello sociale, prima accoglienza e segnalazione al nodo.",
    K.SOCIAL_CONSORTIUM: "Servizio sociale professionale, inserimenti lavorativi, segnalazione al nodo.",
    K.EMPLOYMENT_CENTRE: "Orientamento al lavoro, incontro domanda/offerta, collocamento mirato, segnalazione al nodo.",
    K.EDUCATION_GUIDANCE_OFFICE: "Orientamento scolastico e formativo, rientro in formazione, segnalazione al nodo.",
    K.LABOUR_OFFICE: "Politiche del lavoro, tirocini e incentivi all'inserimento, segnalazione al nodo.",
}


def seed() -> list[str]:
    codes = {name: code for code, name in province("NO")}
    created = 0
    for n, (slug, _name, kind) in enumerate([NODE, *ANTENNAS]):
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is None or db.session.scalar(
            select(DirectoryEntry.id).where(DirectoryEntry.organisation_id == tenant.id)
        ) is not None:
            continue
        town = TOWN.get(slug, "Novara")
        entry = DirectoryEntry(
            organisation_id=tenant.id, address=f"Via dell'Esempio {n + 1} (indirizzo fittizio)",
            municipality_code=codes.get(town), municipality_name=town if town in codes else None,
            phone=f"0321 000{n:03d} (fittizio)", email=f"rete@{slug}.example",
            referents="Referente per la rete antidiscriminazioni (ruolo istituzionale)",
            grounds=GROUNDS.get(kind, ALL_GROUNDS), services=SERVICES.get(kind, "Ascolto, orientamento e segnalazione al nodo."),
            description=None,
        )
        db.session.add(entry)
        db.session.flush()
        if slug == "ordine-psicologi":
            # Published only under an agreement in force and with a trained operator (network.public_points):
            # the demo's agreement runs for years, its operator completed the node's course.
            today = local_today()
            db.session.add(Agreement(tenant_id=tenant.node_id, organisation_id=tenant.id,
                                     signed_on=today - timedelta(days=180), expires_on=today + timedelta(days=3 * 365)))
            _trained_operator(tenant, today)
            db.session.add(InformationPoint(entry_id=entry.id, name="Punto informativo di Novara",
                                            municipality_name="Novara", opening_hours="Giovedì 15-18 (fittizio)",
                                            active=True))
        created += 1
    db.session.flush()
    return [f"rubrica: {created} schede create", *seed_groups()]


def _trained_operator(organisation: Tenant, today) -> None:
    """The node's anti-discrimination course, completed by the organisation's demo operator."""
    operator = db.session.scalar(select(User).join(Membership, Membership.user_id == User.id)
                                 .where(Membership.tenant_id == organisation.id))
    if operator is None:
        return
    course = Course(tenant_id=organisation.node_id, title="Formazione antidiscriminazione per la rete (demo)",
                    hours=Decimal(32), starts_on=today - timedelta(days=240), ends_on=today - timedelta(days=200),
                    organiser="Provincia di Novara")
    db.session.add(course)
    db.session.flush()
    db.session.add(Participation(tenant_id=organisation.node_id, course_id=course.id, user_id=operator.id,
                                 organisation_id=organisation.id, completed_on=course.ends_on,
                                 hours_attended=Decimal(32)))


# --- network groups: the "cabina di regia" and the protocol signatories (seed document) ----------------

STEERING = ["camera-commercio", "industriali-novara", "upo", "ufficio-scolastico"]
# The signatories of the Protocollo d'intesa against violence, as the seed document lists them.
SIGNATORIES = [
    "prefettura-novara", "tribunale-novara", "procura-novara", "questura-novara", "aou-novara", "asl-no", "dap-novara",
    "comune-novara", "comune-cameri", "comune-arona", "consorzio-borgomanero", "cisa-ovest-ticino", "cisa-24",
    "ispa-arona", "consorzio-gemme", "consorzio-castelletto", "consorzio-gattinara", "camera-minorile",
    "ordine-avvocati", "ordine-psicologi",
]
GROUPS = [
    ("Cabina di regia", "steering_group", STEERING,
     "Coinvolge le istituzioni del territorio (Camera di Commercio, Associazioni Industriali, Università "
     "\"Avogadro\" e Ufficio Scolastico Provinciale), che mettono a disposizione competenze ed esperienza per un "
     "coordinamento di politiche attive del lavoro e di pari opportunità."),
    ("Sottoscrittori del Protocollo d'intesa contro la violenza", "signatories", SIGNATORIES,
     "Le istituzioni del territorio con cui la Provincia attua gli interventi contro la violenza; il nodo lavora "
     "in sinergia con loro e con la Consigliera di parità."),
]
MEETING_AGENDA = ("1. Avvio della rete delle antenne e del forum delle buone prassi\n"
                  "2. Tirocini e inserimenti lavorativi: disponibilità delle imprese\n"
                  "3. Calendario degli incontri")
MINUTES = ("**Presenti**: i referenti delle organizzazioni della cabina di regia e il nodo provinciale "
           "(riunione fittizia, dati dimostrativi).\n\n"
           "1. Il nodo presenta la rete delle antenne e il forum; si concorda di pubblicare le buone prassi validate.\n"
           "2. Le associazioni di categoria raccolgono entro fine mese le disponibilità delle imprese ai tirocini.\n"
           "3. Prossimo incontro tra due mesi nella sede della Camera di Commercio.")


def seed_groups() -> list[str]:
    from datetime import date, time

    from ..accounts.models import User
    from ..forum import text
    from ..governance.models import GroupKind, GroupMember, Meeting, Minutes, NetworkGroup
    from ..models_base import utcnow

    node = db.session.scalar(select(Tenant).where(Tenant.slug == NODE[0]))
    coordinator = db.session.scalar(select(User).where(User.email == "coordinatrice@nodo.novara.example"))
    if node is None or coordinator is None:
        return []
    created = 0
    for name, kind, slugs, description in GROUPS:
        if db.session.scalar(select(NetworkGroup.id).where(NetworkGroup.node_id == node.id, NetworkGroup.name == name)):
            continue
        group = NetworkGroup(node_id=node.id, name=name, kind=GroupKind(kind), description=description)
        db.session.add(group)
        db.session.flush()
        members = [node.id, *db.session.scalars(select(Tenant.id).where(Tenant.slug.in_(slugs)))]
        for tenant_id in members:
            db.session.add(GroupMember(group_id=group.id, tenant_id=tenant_id))
        if kind == "steering_group":
            meeting = Meeting(group_id=group.id, held_on=date(2026, 10, 14), starts_at=time(10, 0),
                              place="Provincia di Novara, sala riunioni (indicazione fittizia)", agenda=MEETING_AGENDA,
                              agenda_html=text.render(MEETING_AGENDA), created_by_id=coordinator.id)
            db.session.add(meeting)
            db.session.flush()
            db.session.add(Minutes(meeting_id=meeting.id, body=MINUTES, body_html=text.render(MINUTES),
                                   approved_at=utcnow(), approved_by_id=coordinator.id))
            db.session.add(Meeting(group_id=group.id, held_on=date(2026, 12, 16), starts_at=time(10, 0),
                                   place="Camera di Commercio di Novara (indicazione fittizia)",
                                   agenda="1. Esiti dei tirocini\n2. Buone prassi da validare",
                                   agenda_html=text.render("1. Esiti dei tirocini\n2. Buone prassi da validare"),
                                   created_by_id=coordinator.id))
        created += 1
    db.session.flush()
    return [f"gruppi della rete: {created} creati"]
