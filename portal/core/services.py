"""Home-page panels per role and the feedback form."""
from flask import url_for
from flask_babel import lazy_gettext as _l

from ..accounts.permissions import PERMISSIONS, Capability
from ..extensions import db
from .models import Feedback

# Each domain contributes entries here as it lands: (capability, title, description, endpoint).
HOME_LINKS = [
    (Capability.REFER, _l("Nuova segnalazione"), _l("Segnala al nodo una persona che ha subito una discriminazione."), "referrals.new"),
    (Capability.SEE_REFERRALS, _l("Segnalazioni"), _l("Lo stato delle segnalazioni e le decisioni del nodo."), "referrals.index"),
    (Capability.DECIDE_REFERRALS, _l("Casi in carico"), _l("Percorsi, azioni, verifiche e scheda analitica delle persone prese in carico."), "cases.index"),
    (Capability.MANAGE_USERS, _l("Utenti dell'organizzazione"), _l("Invita e disattiva gli accessi."), "accounts.users"),
    (Capability.READ_AUDIT, _l("Registro degli accessi"), _l("Chi ha letto o modificato cosa, e quando."), "audit.index"),
    (Capability.HANDLE_ALERTS, _l("Allerte"), _l("Le situazioni di criticità da seguire: prendile in visione e risolvile."), "alerts.index"),
    (Capability.MANAGE_ALERT_RULES, _l("Regole delle allerte"), _l("Attiva le regole e scegli le soglie."), "alerts.rules"),
    (Capability.SEE_MONITORING, _l("Monitoraggio"), _l("Segnalazioni, casi, azioni, esiti e spesa della rete in cifre; rapporto periodico."), "monitoring.node"),
    (Capability.SEE_OWN_DASHBOARD, _l("Le nostre segnalazioni in cifre"), _l("Stati ed esiti delle segnalazioni inviate al nodo."), "monitoring.antenna"),
    (Capability.FORUM, _l("Profilo e password"), _l("Cambia la tua password."), "accounts.change_password"),
    (Capability.FORUM, _l("Verifica in due passaggi"), _l("Un codice dal telefono oltre alla password."), "two_factor.setup"),
    # Also in the header's user menu, which needs JavaScript: the home page keeps it reachable without.
    (Capability.FORUM, _l("Cambia organizzazione"), _l("Lavora per un'altra delle tue organizzazioni."), "accounts.choose_tenant"),
]


def home_panels(membership) -> list[dict]:
    return [
        {"title": title, "text": text, "url": url_for(endpoint)}
        for capability, title, text, endpoint in HOME_LINKS
        if membership.role in PERMISSIONS[capability]
    ]


def save_feedback(form) -> Feedback:
    item = Feedback(
        page=(form.page.data or "")[:300],
        rating=int(form.rating.data) if form.rating.data else None,
        message=form.message.data,
        contact_email=form.contact_email.data or None,
    )
    db.session.add(item)
    db.session.flush()
    return item
