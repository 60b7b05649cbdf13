"""Italian labels for public-report codes (msgids; other languages in the catalogues)."""
from flask_babel import lazy_gettext as _l

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
