"""Demo forum: a few fictitious Italian threads and good-practice cards (idempotent by title).

Categories come with migration 0004. Everything here is invented; no real person or case is named.
"""
from datetime import timedelta

from sqlalchemy import select

from ..accounts.models import User
from ..extensions import db
from ..forum import mentions, text
from ..forum.models import ForumCategory, ForumPost, ForumThread, ThreadKind
from ..models_base import utcnow
from ..tenancy.models import Tenant

PRACTICES = [
    {
        "author": "operatrice@comune-arona.example", "category": "casa-servizi", "ground": "ethnicity",
        "title": "Mediazione abitativa con i proprietari: il tavolo casa di Arona",
        "problem": "Molte famiglie di origine straniera ricevono rifiuti ripetuti quando cercano casa in affitto, "
                   "spesso senza una motivazione esplicita.",
        "target_group": "Nuclei familiari di origine straniera con reddito regolare in cerca di alloggio.",
        "intervention": "Un tavolo mensile con agenzie immobiliari, piccoli proprietari e lo sportello comunale: "
                        "garanzia di mediazione, affiancamento nella firma del contratto, incontri di conoscenza.",
        "partners": "Comune di Arona, Consorzio I.S.P.A., due agenzie immobiliari del territorio.",
        "resources": "Un'operatrice per 6 ore settimanali, una sala comunale, un fondo di garanzia comunale.",
        "results": "In un anno 14 contratti firmati su 22 nuclei accompagnati; nessuna morosità segnalata.",
        "contacts": "Sportello casa del Comune di Arona (orari sul sito istituzionale).",
        "body": "Condividiamo la nostra esperienza sul **tavolo casa**. Le discriminazioni nell'accesso "
                "all'abitazione sono difficili da provare: la mediazione preventiva ha funzionato meglio delle "
                "segnalazioni a posteriori.",
        "validated": True,
    },
    {
        "author": "operatore@cisa24.example", "category": "lavoro", "ground": "disability",
        "title": "Tirocini accompagnati per persone con disabilità nelle piccole imprese",
        "problem": "Le piccole imprese della pianura novarese temono di non saper accogliere lavoratori con disabilità.",
        "target_group": "Persone con disabilità iscritte al collocamento mirato, 18-45 anni.",
        "intervention": "Tutor del consorzio presente in azienda nelle prime settimane, formazione breve ai colleghi, "
                        "verifica a tre e sei mesi.",
        "partners": "CISA 24, Centro per l'impiego, associazioni di categoria.",
        "resources": "Due tutor a tempo parziale, borse di tirocinio del piano provinciale.",
        "results": "9 tirocini avviati, 5 trasformati in contratto; buona soddisfazione delle imprese.",
        "contacts": "Servizio inserimenti lavorativi del CISA 24.",
        "body": "La chiave è stata la presenza del tutor nei primi giorni e la formazione ai colleghi di reparto.",
        "validated": False,
    },
]
DISCUSSIONS = [
    ("coordinatrice@nodo.novara.example", "vita-della-rete", "Calendario degli incontri della rete per il nuovo anno",
     "Proponiamo di incontrarci ogni due mesi, a rotazione nelle sedi delle antenne. Commenti benvenuti."),
    ("operatrice@comune-arona.example", "origine-etnica", "Come raccogliere le segnalazioni di discriminazione a scuola?",
     "Alcune famiglie ci raccontano episodi di esclusione a scuola. Qualcuno ha un modulo o un percorso già "
     "sperimentato con gli istituti comprensivi?"),
    ("operatore@cisa24.example", "ascolto-tutela", "Formazione sul linguaggio non discriminatorio per gli sportelli",
     "Stiamo organizzando una mezza giornata di formazione per il personale degli sportelli. Cerchiamo materiali."),
]
REPLIES = {
    "Come raccogliere le segnalazioni di discriminazione a scuola?": (
        "operatore@cisa24.example",
        "Noi usiamo una scheda breve concordata con la dirigenza scolastica; la condivido nella categoria "
        "*Ascolto e tutela legale*. Potrebbe interessare anche a @ufficio-scolastico.",
    ),
}


def _user(email):
    return db.session.scalar(select(User).where(User.email == email))


def _membership_tenant(user) -> Tenant | None:
    from ..accounts.models import Membership

    return db.session.scalar(select(Tenant).join(Membership, Membership.tenant_id == Tenant.id).where(
        Membership.user_id == user.id).order_by(Membership.id))


def _post(thread, user, tenant, body, first, at):
    parts = [thread.title, *[getattr(thread, f) or "" for f in ("problem", "target_group", "intervention", "partners",
                                                               "resources", "results", "contacts")]] if first else []
    db.session.add(ForumPost(
        thread_id=thread.id, author_user_id=user.id, author_tenant_id=tenant.id, body=body,
        body_html=text.render(body, mentions.targets(body)), search_text="\n".join([*parts, body]),
        personal_data_flags=[], hidden=False,
        created_at=at, updated_at=at,
    ))
    thread.post_count += 1
    thread.last_post_at = at


def _thread(email, category_slug, title, body, practice=None, ground=None, validated=False, at=None):
    if db.session.scalar(select(ForumThread.id).where(ForumThread.title == title)) is not None:
        return 0
    user = _user(email)
    category = db.session.scalar(select(ForumCategory).where(ForumCategory.slug == category_slug))
    if user is None or category is None:
        return 0
    tenant = _membership_tenant(user)
    node = db.session.scalar(select(User).where(User.email == "coordinatrice@nodo.novara.example"))
    thread = ForumThread(
        category_id=category.id, kind=ThreadKind.PRACTICE if practice else ThreadKind.DISCUSSION, title=title,
        author_user_id=user.id, author_tenant_id=tenant.id, ground=ground, locked=False, hidden=False, post_count=0,
        last_post_at=at, created_at=at, updated_at=at, **(practice or {}),
    )
    if validated and node is not None:
        thread.validated_at, thread.validated_by_id = at + timedelta(days=2), node.id
    db.session.add(thread)
    db.session.flush()
    _post(thread, user, tenant, body, True, at)
    if title in REPLIES:
        email2, reply = REPLIES[title]
        other = _user(email2)
        if other is not None:
            _post(thread, other, _membership_tenant(other), reply, False, at + timedelta(hours=5))
    return 1


def seed() -> list[str]:
    now = utcnow()
    created = 0
    for i, p in enumerate(PRACTICES):
        practice = {k: p[k] for k in ("problem", "target_group", "intervention", "partners", "resources", "results",
                                      "contacts")}
        created += _thread(p["author"], p["category"], p["title"], p["body"], practice, p["ground"], p["validated"],
                           now - timedelta(days=30 - i))
    for i, (email, slug, title, body) in enumerate(DISCUSSIONS):
        created += _thread(email, slug, title, body, at=now - timedelta(days=10 - i))
    db.session.flush()
    return [f"forum: {created} discussioni e schede create"]
