"""Words of the public-report pages (msgids; other languages in the catalogues); the codes' own labels
stand beside them in models.py and are re-exported here."""
from ..i18n import lazy_gettext as _l
from .models import CLOSE_LABELS as CLOSE_LABELS
from .models import REPORTER_LABELS as REPORTER_LABELS
from .models import STATE_LABELS as STATE_LABELS
from .models import ReportState

# The states in the node's words: STATE_LABELS speak to the reporter ("Il nodo ti ha chiesto altre
# informazioni", "Hai risposto…"), which on the node's own list read as addressed to its staff. Short: they
# are also the list's filter tabs.
NODE_STATE_LABELS = {
    ReportState.NEW: _l("Nuova"),
    ReportState.INFO_REQUESTED: _l("In attesa di risposta"),
    ReportState.ANSWERED: _l("Risposta ricevuta"),
    ReportState.CLOSED: _l("Chiusa"),
    ReportState.CONVERTED: _l("Convertita in segnalazione"),
}

# The languages of the public door: the app's own (it, en) plus six with catalogues of these pages only.
PUBLIC_LANGUAGES = (
    ("it", "Italiano"), ("en", "English"), ("fr", "Français"), ("es", "Español"), ("ar", "العربية"),
    ("ro", "Română"), ("sq", "Shqip"), ("zh", "中文"),
)
RTL_LANGUAGES = {"ar"}


# The audit log's words for this package's events, registered beside their codes rather than in
# audit/labels.py (the audit layer knows no domain above it; unknown codes would still show as codes).
AUDIT_ACTIONS = {
    "public_report.submitted": _l("ha ricevuto una segnalazione pubblica"),
    "public_report.opened_by_reporter": _l("chi ha segnalato ha aperto la segnalazione con il codice ricevuta"),
    "public_report.reporter_message": _l("chi ha segnalato ha scritto un messaggio"),
    "public_report.read": _l("ha letto la segnalazione pubblica"),
    "public_report.node_message": _l("ha scritto a chi ha segnalato"),
    "public_report.closed": _l("ha chiuso la segnalazione pubblica"),
    "public_report.converted": _l("ha convertito la segnalazione pubblica in segnalazione del nodo"),
    "public_report.file_read": _l("ha scaricato un file di una segnalazione pubblica"),
    "public_report.file_copied": _l("ha copiato un file della segnalazione pubblica tra gli allegati della segnalazione"),
    "public_report.burst": _l("molte segnalazioni pubbliche in poco tempo"),
    "public_report.erased_by_retention": _l("ha cancellato le segnalazioni pubbliche alla fine del periodo di conservazione"),
}
AUDIT_OBJECTS = {
    "public_report": _l("segnalazione pubblica"),
    "public_report_file": _l("file di una segnalazione pubblica"),
}


def register_audit_labels() -> None:
    from ..audit.labels import ACTION_LABELS, OBJECT_LABELS

    for table, new in ((ACTION_LABELS, AUDIT_ACTIONS), (OBJECT_LABELS, AUDIT_OBJECTS)):
        for code, label in new.items():
            table.setdefault(code, label)


register_audit_labels()
