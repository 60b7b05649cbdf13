"""Italian labels for the forum (msgids; English in the catalogue)."""
from flask_babel import lazy_gettext as _l

from . import text
from .models import CategoryKind, SubscriptionMode, ThreadKind

CATEGORY_KIND_LABELS = {
    CategoryKind.GROUND: _l("Per motivo di discriminazione"),
    CategoryKind.INTERVENTION: _l("Per tipo di intervento"),
    CategoryKind.NETWORK: _l("Vita della rete"),
}
THREAD_KIND_LABELS = {
    ThreadKind.DISCUSSION: _l("Discussione"),
    ThreadKind.PRACTICE: _l("Scheda di buona prassi"),
}
PRACTICE_LABELS = {
    "problem": _l("Problema affrontato"),
    "target_group": _l("Destinatari"),
    "intervention": _l("Intervento"),
    "partners": _l("Partner"),
    "resources": _l("Risorse impiegate"),
    "results": _l("Risultati ed evidenze"),
    "contacts": _l("Contatti"),
}
PERSONAL_DATA_LABELS = {
    text.TAX_CODE: _l("un codice fiscale"),
    text.PSEUDONYM: _l("un codice pseudonimo di una persona"),
    text.PHONE: _l("un numero di telefono"),
    text.EMAIL: _l("un indirizzo e-mail"),
}
MODE_LABELS = {
    SubscriptionMode.IMMEDIATE: _l("Un'e-mail a ogni risposta"),
    SubscriptionMode.DIGEST: _l("Un riepilogo al giorno"),
}
