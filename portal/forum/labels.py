"""Words of the forum (msgids; English in the catalogue); the kinds' and modes' labels stand beside their
codes in models.py and are re-exported here."""
from ..i18n import lazy_gettext as _l
from ..notifications.labels import register as register_notice
from . import privacy
from .models import CATEGORY_KIND_LABELS as CATEGORY_KIND_LABELS
from .models import MODE_LABELS as MODE_LABELS
from .models import THREAD_KIND_LABELS as THREAD_KIND_LABELS

# The categories migration 0004 creates, by slug (their code): the rows' Italian ``name`` is kept only for a
# category added later by hand, which has no label here and shows its own name.
CATEGORY_LABELS = {
    "origine-etnica": _l("Origine etnica e razzismo"),
    "genere": _l("Genere e orientamento sessuale"),
    "disabilita": _l("Disabilità"),
    "eta-religione": _l("Età, religione e convinzioni"),
    "lavoro": _l("Inserimento lavorativo"),
    "casa-servizi": _l("Casa e accesso ai servizi"),
    "ascolto-tutela": _l("Ascolto e tutela legale"),
    "vita-della-rete": _l("Vita della rete"),
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
    privacy.TAX_CODE: _l("un codice fiscale"),
    privacy.PSEUDONYM: _l("un codice pseudonimo di una persona"),
    privacy.PHONE: _l("un numero di telefono"),
    privacy.EMAIL: _l("un indirizzo e-mail"),
}
# Where a finding is, as a phrase ("... nel testo"); card fields use FIELD_IN with their label.
WHERE_LABELS = {
    "title": _l("nel titolo"),
    "body": _l("nel testo"),
    "files": _l("nel nome di un allegato"),
    "post": _l("nel messaggio"),
}
FIELD_IN = _l("nel campo «%(field)s»")
REFUSED = {
    privacy.TAX_CODE: _l("C'è un codice fiscale %(where)s: toglilo. Nel forum non si pubblica, nemmeno confermando."),
    privacy.PSEUDONYM: _l("C'è il codice pseudonimo di una persona %(where)s: toglilo. Nel forum non si pubblica, nemmeno confermando."),
}
CONFIRM = {
    privacy.PHONE: _l("Confermo che il numero %(value)s %(where)s è un recapito pubblico"),
    privacy.EMAIL: _l("Confermo che l'indirizzo %(value)s %(where)s è un recapito pubblico"),
}


def category_name(category) -> str:
    """A forum category's name in the reader's language."""
    return str(CATEGORY_LABELS.get(category.slug, category.name))


def where(field: str) -> str:
    """Where a finding is, in words: "nel testo", "nel campo «Contatti»"."""
    if field in WHERE_LABELS:
        return str(WHERE_LABELS[field])
    return str(FIELD_IN) % {"field": PRACTICE_LABELS.get(field, field)}


def refusal(finding) -> str:
    return str(REFUSED[finding.kind]) % {"where": where(finding.field)}


def confirmation(finding) -> str:
    return str(CONFIRM[finding.kind]) % {"value": finding.value, "where": where(finding.field)}


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
