"""Italian labels for import states, row statuses and the check's codes (msgids; English in the catalogue)."""
from ..i18n import lazy_gettext as _l
from .fields import CASE_FIELDS, FIELDS
from .models import BatchState, RowStatus

STATE_LABELS = {
    BatchState.DRAFT: _l("Caricato: scegli le colonne"),
    BatchState.CHECKED: _l("Verificato, da importare"),
    BatchState.IMPORTING: _l("Importazione in corso"),
    BatchState.IMPORTED: _l("Importato: da confermare o annullare"),
    BatchState.CONFIRMED: _l("Confermato"),
    BatchState.UNDONE: _l("Annullato"),
}
ROW_LABELS = {
    RowStatus.VALID: _l("Valida"),
    RowStatus.INVALID: _l("Con errori: non sarà importata"),
    RowStatus.ALREADY_IMPORTED: _l("Già importata: saltata"),
    RowStatus.CREATED: _l("Importata"),
    RowStatus.FAILED: _l("Rifiutata"),
    RowStatus.REMOVED: _l("Rimossa con l'annullamento"),
}
ERROR_LABELS = {
    "required": _l("obbligatorio, manca"),
    "too_long": _l("troppo lungo"),
    "invalid_tax_code": _l("codice fiscale non valido"),
    "invalid_year": _l("anno non valido (4 cifre, dal 1900 a oggi)"),
    "invalid_code": _l("valore non previsto: usa uno dei codici o delle voci dell'elenco"),
    "invalid_date": _l("data non valida (gg/mm/aaaa)"),
    "future_date": _l("data nel futuro"),
    "required_with_consent": _l("obbligatoria se c'è la data del consenso"),
    "unknown_point": _l("non è un punto informativo attivo della tua organizzazione"),
    "repeated_row": _l("riga ripetuta nel file"),
    "refused": _l("rifiutata al momento dell'importazione"),
    "unknown_case_worker": _l("non è l'e-mail di un operatore o di un'operatrice del nodo"),
    "extra_cells": _l("la riga ha più celle che colonne: un valore contiene il separatore delle colonne del file. "
                      "Racchiudi quel valore tra virgolette, oppure separa i motivi con |"),
}
WARNING_LABELS = {
    "duplicate_in_file": _l("possibile stessa persona della riga %(detail)s"),
    "possible_duplicate": _l("possibile stessa persona di %(detail)s"),
}
FIELD_LABELS = {f.key: f.label for f in FIELDS + CASE_FIELDS} | {"row": _l("Riga")}
