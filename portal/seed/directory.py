"""Demo directory: one entry per organisation of the network (fictitious contacts), idempotent.

Addresses and phone numbers are invented placeholders; institutions' names come from the seed document.
"""
from sqlalchemy import select

from ..directory.models import DirectoryEntry, InformationPoint
from ..directory.municipalities import province
from ..extensions import db
from ..tenancy.models import Tenant
from ..tenancy.models import TenantKind as K
from .network import ANTENNAS, NODE

# Where each organisation sits (default Novara), and the grounds it follows.
TOWN = {"comune-cameri": "Cameri", "comune-arona": "Arona", "ispa-arona": "Arona", "cisa-24": "Biandrate",
        "cisa-ovest-ticino": "Romentino", "consorzio-borgomanero": "Borgomanero", "consorzio-gemme": "Gemme",
        "consorzio-castelletto": "Castelletto sopra Ticino", "consorzio-gattinara": "Novara"}
ALL_GROUNDS = ["ethnicity", "age", "religion", "disability", "gender", "sexual_orientation", "other"]
GROUNDS = {K.EQUALITY_ADVISOR: ["gender"], K.HOSPITAL: ["disability", "age"], K.HEALTH_AUTHORITY: ["disability", "age"],
           K.SCHOOL: ["ethnicity", "disability"], K.EMPLOYERS_ASSOCIATION: ["disability", "gender", "age"]}
SERVICES = {
    K.NODE: "Presa in carico delle persone segnalate, percorsi personalizzati, monitoraggio dei casi, coordinamento della rete.",
    K.MUNICIPALITY: "Sportello sociale, prima accoglienza e segnalazione al nodo.",
    K.SOCIAL_CONSORTIUM: "Servizio sociale professionale, inserimenti lavorativi, segnalazione al nodo.",
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
            db.session.add(InformationPoint(entry_id=entry.id, name="Punto informativo di Novara",
                                            municipality_name="Novara", opening_hours="Giovedì 15-18 (fittizio)"))
        created += 1
    db.session.flush()
    return [f"rubrica: {created} schede create"]
