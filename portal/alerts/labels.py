"""Words of the alerts pages (msgids; English in the catalogue). The rules' and states' own labels stand
beside their codes in models.py and are re-exported here."""
from ..i18n import lazy_gettext as _l
from ..notifications.labels import register as register_notice
from .models import RULE_LABELS as RULE_LABELS
from .models import STATE_LABELS as STATE_LABELS
from .models import Rule

# What the threshold of each rule counts (shown next to the number on the settings page).
RULE_HELP = {
    Rule.REFERRAL_UNDECIDED: _l("Giorni dall'invio al nodo senza una decisione."),
    Rule.CASE_WITHOUT_ACTION: _l("Giorni dalla presa in carico senza alcuna azione pianificata."),
    Rule.ACTION_OVERDUE: _l("Giorni di tolleranza dopo la fine prevista di un'azione non conclusa."),
    Rule.DELIVERY_MISSING: _l("Giorni dall'avvio o dalla conclusione di un'azione senza prestazioni registrate dal fornitore."),
    Rule.FOLLOW_UP_DUE: _l("Giorni di preavviso prima della scadenza di un follow-up a 3, 6 o 12 mesi."),
    Rule.URGENT_UNASSIGNED: _l("Giorni di attesa tollerati (0: subito)."),
    Rule.DROP_OUT: _l("Numero di incontri consecutivi senza la presenza della persona."),
    Rule.LEGAL_DEADLINE_DUE: _l("Giorni di preavviso prima di un'udienza o di una scadenza della tutela legale."),
    Rule.UNUSUAL_ACCESS: _l("Identità diverse lette da un solo utente nella finestra di tempo."),
}

OBJECT_LABELS = {
    "referral": _l("Segnalazione"),
    "case": _l("Caso"),
    "action": _l("Azione del percorso"),
    "verification": _l("Follow-up"),
    "legal_deadline": _l("Udienza o scadenza legale"),
}


def _new_alerts(params: dict) -> str:
    from flask_babel import ngettext

    return ngettext("%(num)s nuova allerta da seguire", "%(num)s nuove allerte da seguire", params["count"])


def _security(params: dict) -> str:
    from flask_babel import gettext

    return gettext("Allerta di sicurezza: %(count)s identità lette in %(minutes)s minuti",
                   count=params["count"], minutes=params["minutes"])


# In-app notifications (portal/notifications) store these codes and render them in the viewer's language.
register_notice("alerts.new", _new_alerts)
register_notice("security_alert.opened", _security)
