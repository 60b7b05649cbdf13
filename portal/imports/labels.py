"""Words of the import pages and the check's codes (msgids; English in the catalogue); the states' and row
statuses' labels stand beside their codes in models.py and are re-exported here."""
from ..i18n import lazy_gettext as _l
from .fields import CASE_FIELDS, FIELDS
from .models import ROW_LABELS as ROW_LABELS
from .models import STATE_LABELS as STATE_LABELS

ERROR_LABELS = {
    "interrupted": _l("non importata: l'importazione si è interrotta, carica di nuovo il file per il resto"),
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
