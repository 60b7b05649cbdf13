"""Italian labels for the forum (msgids; English in the catalogue)."""
from flask_babel import lazy_gettext as _l

from ..notifications.labels import register as register_notice
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


def _reply(params: dict) -> str:
    from flask_babel import gettext

    return gettext("Nuova risposta nella discussione \"%(title)s\"", title=params["title"])


def _mention(params: dict) -> str:
    from flask_babel import gettext

    return gettext("%(author)s ha citato %(org)s nella discussione \"%(title)s\"", author=params["author"],
                   org=params["org"], title=params["title"])


# In-app notifications (portal/notifications) store these codes and render them in the viewer's language.
register_notice("forum.reply", _reply)
register_notice("forum.mention", _mention)
