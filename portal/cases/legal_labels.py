"""Italian labels for the legal path's codes (msgids; English in the catalogue)."""
from ..i18n import lazy_gettext as _l
from .legal import DeadlineKind, Fund, LegalActionType, LegalOutcome

LEGAL_ACTION_LABELS = {
    LegalActionType.CONCILIATION: _l("Tentativo di conciliazione"),
    LegalActionType.CIVIL_ACTION: _l("Azione civile contro la discriminazione (d.lgs. 215/2003, 216/2003, 150/2011 art. 28)"),
    LegalActionType.ASSOCIATION_ACTION: _l("Azione di un'associazione legittimata"),
    LegalActionType.COMPLAINT: _l("Denuncia o querela (forze dell'ordine, procura)"),
}
LEGAL_OUTCOME_LABELS = {
    LegalOutcome.PENDING: _l("In corso"),
    LegalOutcome.SETTLED: _l("Conciliata"),
    LegalOutcome.WON: _l("Accolta"),
    LegalOutcome.LOST: _l("Respinta"),
    LegalOutcome.WITHDRAWN: _l("Ritirata"),
}
DEADLINE_KIND_LABELS = {
    DeadlineKind.HEARING: _l("Udienza"),
    DeadlineKind.FILING: _l("Termine processuale"),
    DeadlineKind.OTHER: _l("Altra scadenza"),
}
FUND_LABELS = {
    Fund.REGIONAL_VICTIMS: _l("Fondo regionale per le vittime di discriminazione"),
    Fund.LEGAL_SOLIDARITY: _l("Fondo di solidarietà per la tutela legale"),
}
