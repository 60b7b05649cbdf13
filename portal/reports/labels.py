"""Italian labels for public-report codes (msgids; other languages in the catalogues)."""
from ..i18n import lazy_gettext as _l
from .models import CloseReason, ReporterKind, ReportState

# The languages of the public door: the app's own (it, en) plus six with catalogues of these pages only.
PUBLIC_LANGUAGES = (
    ("it", "Italiano"), ("en", "English"), ("fr", "Français"), ("es", "Español"), ("ar", "العربية"),
    ("ro", "Română"), ("sq", "Shqip"), ("zh", "中文"),
)
RTL_LANGUAGES = {"ar"}

REPORTER_LABELS = {
    ReporterKind.VICTIM: _l("Ho subito io la discriminazione"),
    ReporterKind.WITNESS: _l("Ho assistito a una discriminazione"),
    ReporterKind.ORGANISATION: _l("Scrivo per un'organizzazione"),
}
STATE_LABELS = {
    ReportState.NEW: _l("Ricevuta, in attesa di esame"),
    ReportState.INFO_REQUESTED: _l("Il nodo ti ha chiesto altre informazioni"),
    ReportState.ANSWERED: _l("Hai risposto, il nodo la sta esaminando"),
    ReportState.CLOSED: _l("Chiusa"),
    ReportState.CONVERTED: _l("Presa in esame dal nodo come caso"),
}
CLOSE_LABELS = {
    CloseReason.OUT_OF_SCOPE: _l("Non riguarda una discriminazione di cui il nodo si occupa"),
    CloseReason.NOT_ENOUGH_INFORMATION: _l("Le informazioni non bastano per intervenire"),
    CloseReason.REFERRED_ELSEWHERE: _l("Indirizzata a un altro servizio"),
    CloseReason.NO_ANSWER: _l("Nessuna risposta alle domande del nodo"),
    CloseReason.DUPLICATE: _l("Già segnalata"),
    CloseReason.ABUSIVE: _l("Contenuto offensivo o non pertinente"),
    CloseReason.OTHER: _l("Altro"),
}

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
