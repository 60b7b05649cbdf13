from ..i18n import lazy_gettext as _l
from .models import LetterKind

LETTER_KIND_LABELS = {
    LetterKind.ACCEPTANCE: _l("Accettazione della segnalazione"),
    LetterKind.DECLINE: _l("Diniego, con il motivo"),
    LetterKind.SUMMONS: _l("Convocazione a colloquio"),
    LetterKind.CLOSURE: _l("Chiusura del percorso"),
}
LANGUAGE_LABELS = {"it": _l("Italiano"), "en": _l("Inglese")}
