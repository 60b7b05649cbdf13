"""One table of the portal's sections per role: the main menu and the home page's cards read it, so the two
always agree (a section a role reaches from the menu has its card, and the other way round).

Endpoints are strings: core imports no domain. ``menu=False`` marks secondary entries, reached from their
section's page or from the user menu in the header; they still get a card on the home page, where they
stay reachable without JavaScript.

The menu groups its entries (``group``: one of GROUPS) so that a node's coordinator's dozen sections fit one
line at 1366 px; a group a role has only one entry of is shown as that entry's plain link.
"""
from collections.abc import Callable
from dataclasses import dataclass

from flask import url_for

from ..accounts.models import Role
from ..accounts.permissions import Capability, can, is_office_member
from ..i18n import lazy_gettext as _l


@dataclass(frozen=True)
class Entry:
    endpoint: str
    label: object  # menu text (lazy string)
    title: object  # card title
    text: object  # card description
    allowed: Callable  # membership -> bool
    menu: bool = True
    group: str = "work"  # the menu group (GROUPS); "work" is the day-to-day casework

    @property
    def url(self) -> str:
        return url_for(self.endpoint)


def _cap(capability: Capability, where: str | None = None, role: Role | None = None, unless: Capability | None = None):
    """A rule: the capability, optionally only in a node / a provider / an organisation that is not a node,
    only for one role, or not when the membership also has ``unless``."""

    def allowed(membership) -> bool:
        if not can(capability, membership) or (role is not None and membership.role != role):
            return False
        if unless is not None and can(unless, membership):
            return False
        tenant = membership.tenant
        return {"node": tenant.is_node, "provider": tenant.is_provider, "not_node": not tenant.is_node,
                "not_region": not tenant.is_region, None: True}[where]

    return allowed


def _finds_people(membership) -> bool:
    """Antennas search their own people by pseudonym; at the node those who may see identity search by name."""
    if membership.role in (Role.ANTENNA_OPERATOR, Role.ANTENNA_ADMIN):
        return True
    return membership.tenant.is_node and membership.role in (Role.COORDINATOR, Role.CASE_WORKER, Role.DATA_PROTECTION_OFFICER)


GROUPS: dict[str, object] = {"work": _l("Lavoro"), "network": _l("Rete e dati"), "admin": _l("Amministrazione")}

C = Capability
ENTRIES: list[Entry] = [
    Entry("referrals.new", _l("Nuova segnalazione"), _l("Nuova segnalazione"),
          _l("Segnala al nodo una persona che ha subito una discriminazione."), _cap(C.REFER)),
    Entry("referrals.index", _l("Segnalazioni"), _l("Segnalazioni"),
          _l("Lo stato delle segnalazioni e le decisioni del nodo."), _cap(C.SEE_REFERRALS)),
    Entry("cases.office_referrals", _l("Persone inviate dal nodo"), _l("Persone inviate dal nodo"),
          _l("Le azioni dei percorsi per cui il nodo vi indirizza una persona: registrate la presa in carico."),
          is_office_member),
    Entry("cases.index", _l("Casi in carico"), _l("Casi in carico"),
          _l("Percorsi, azioni, verifiche e scheda analitica delle persone prese in carico."), _cap(C.DECIDE_REFERRALS, "node")),
    Entry("alerts.index", _l("Allerte"), _l("Allerte"),
          _l("Le situazioni di criticità da seguire: prendile in visione e risolvile."), _cap(C.HANDLE_ALERTS, "node")),
    Entry("alerts.rules", _l("Regole delle allerte"), _l("Regole delle allerte"),
          _l("Attiva le regole e scegli le soglie."), _cap(C.MANAGE_ALERT_RULES, "node"), menu=False),
    Entry("alerts.security_list", _l("Allerte di sicurezza"), _l("Allerte di sicurezza"),
          _l("Accessi insoliti alle identità da esaminare."), _cap(C.SEE_SECURITY_ALERTS, "node"), group="admin"),
    Entry("people.duplicates", _l("Possibili duplicati"), _l("Possibili duplicati"),
          _l("Persone segnalate più volte: collegale o scarta il suggerimento."), _cap(C.DECIDE_REFERRALS, "node", Role.COORDINATOR)),
    Entry("people.find", _l("Trova la persona"), _l("Trova la persona"),
          _l("Cerca una persona per pseudonimo o, se puoi vederne l'identità, per nome e codice fiscale."), _finds_people),
    Entry("reports_node.index", _l("Segnalazioni pubbliche"), _l("Segnalazioni pubbliche"),
          _l("Le segnalazioni arrivate dal modulo pubblico: rispondi, chiudi o trasforma in segnalazione."),
          _cap(C.DECIDE_REFERRALS, "node")),
    Entry("cases.transfer_list", _l("Trasferimenti"), _l("Trasferimenti di casi"),
          _l("Casi proposti da e verso gli altri nodi della regione: accogli o non accogli quelli in arrivo."),
          _cap(C.DECIDE_REFERRALS, "node", Role.COORDINATOR), menu=False),
    Entry("network.points", _l("Punti informativi"), _l("Punti informativi e formazione"),
          _l("Punti informativi, operatori formati, accordi, corsi e avvisi della rete."),
          _cap(C.DECIDE_REFERRALS, "node", Role.COORDINATOR), menu=False, group="network"),
    Entry("budget.index", _l("Budget"), _l("Budget"),
          _l("Linee di budget, contratti, prestazioni da approvare e fatture."), _cap(C.APPROVE_MONEY, "node"), group="admin"),
    Entry("budget.scorecards", _l("Soggetti attuatori"), _l("Soggetti attuatori"),
          _l("Puntualità ed esiti dei soggetti attuatori."), _cap(C.DECIDE_REFERRALS, "node", unless=C.APPROVE_MONEY), group="network"),
    Entry("budget.orders", _l("Ordini di servizio"), _l("Ordini di servizio"),
          _l("Gli ordini ricevuti: registra le prestazioni erogate e correggi quelle rinviate."), _cap(C.LOG_DELIVERY, "provider")),
    Entry("forum.index", _l("Forum"), _l("Forum"),
          _l("Discussioni e buone prassi della rete."), _cap(C.FORUM), group="network"),
    Entry("directory.index", _l("Rubrica della rete"), _l("Rubrica della rete"),
          _l("Le organizzazioni della rete, i loro servizi e i punti informativi."), _cap(C.FORUM), group="network"),
    Entry("accounts.users", _l("Utenti"), _l("Utenti dell'organizzazione"),
          _l("Invita e disattiva gli accessi."), _cap(C.MANAGE_USERS), group="admin"),
    Entry("api_admin.index", _l("Client API"), _l("Client API"),
          _l("Le chiavi con cui i sistemi dell'organizzazione usano l'interfaccia di Rete."), _cap(C.MANAGE_USERS, "not_region"), menu=False, group="admin"),
    Entry("audit.index", _l("Registro degli accessi"), _l("Registro degli accessi"),
          _l("Chi ha letto o modificato cosa, e quando."), _cap(C.READ_AUDIT), group="admin"),
    Entry("monitoring.node", _l("Monitoraggio"), _l("Monitoraggio"),
          _l("Segnalazioni, casi, azioni, esiti e spesa della rete in cifre; rapporto periodico."), _cap(C.SEE_MONITORING, "node"), group="network"),
    Entry("monitoring.antenna", _l("In cifre"), _l("Le nostre segnalazioni in cifre"),
          _l("Stati ed esiti delle segnalazioni inviate al nodo."), _cap(C.SEE_OWN_DASHBOARD, "not_node"), group="network"),
    Entry("region.index", _l("Monitoraggio regionale"), _l("Monitoraggio regionale"),
          _l("I dati aggregati dei nodi della regione, con le celle piccole oscurate."), _cap(C.SEE_REGION_MONITORING), group="network"),
    Entry("region.nodes", _l("Nodi della regione"), _l("Nodi della regione"),
          _l("I nodi territoriali della regione e i recapiti del loro coordinamento."), _cap(C.SEE_REGION_MONITORING),
          menu=False, group="network"),
    Entry("notifications.outbox_index", _l("Posta in uscita"), _l("Posta in uscita"),
          _l("Le e-mail in attesa o non consegnate: riprova l'invio."), _cap(C.MANAGE_OUTBOX), menu=False, group="admin"),
    # Also in the header's user menu, which needs JavaScript: the home page keeps them reachable without.
    Entry("accounts.change_password", _l("Profilo e password"), _l("Profilo e password"),
          _l("Cambia la tua password."), _cap(C.FORUM), menu=False, group="admin"),
    Entry("two_factor.setup", _l("Verifica in due passaggi"), _l("Verifica in due passaggi"),
          _l("Un codice dal telefono oltre alla password."), _cap(C.FORUM), menu=False, group="admin"),
    Entry("accounts.sessions", _l("Sessioni attive"), _l("Sessioni attive"),
          _l("Dove hai effettuato l'accesso: chiudi le sessioni che non riconosci."), _cap(C.FORUM), menu=False, group="admin"),
    Entry("accounts.choose_tenant", _l("Cambia organizzazione"), _l("Cambia organizzazione"),
          _l("Lavora per un'altra delle tue organizzazioni."), _cap(C.FORUM), menu=False, group="admin"),
]


def entries_for(membership) -> list[Entry]:
    return [entry for entry in ENTRIES if membership is not None and entry.allowed(membership)]


def menu_for(membership) -> list[Entry]:
    return [entry for entry in entries_for(membership) if entry.menu]


def menu_groups(membership) -> list[tuple[str, object, list[Entry]]]:
    """The menu as (group code, label, entries), in GROUPS' order, without the groups the role has none of."""
    entries = menu_for(membership)
    groups = [(code, label, [e for e in entries if e.group == code]) for code, label in GROUPS.items()]
    return [group for group in groups if group[2]]
