"""Words of the people pages (msgids; English in the catalogue); the enums' labels stand beside their codes
in models.py (``LabelledEnum``) and are re-exported here.

The single source for the monitoring attributes: the person pages, the rectification form and the
referral form (which creates the person) all use these.
"""
from ..audit.labels import FIELD_LABELS as AUDIT_FIELD_LABELS
from ..i18n import lazy_gettext as _l
from .models import AGE_BAND_LABELS as AGE_BAND_LABELS
from .models import CITIZENSHIP_LABELS as CITIZENSHIP_LABELS
from .models import EDUCATION_LABELS as EDUCATION_LABELS
from .models import GENDER_LABELS as GENDER_LABELS
from .models import LABOUR_LABELS as LABOUR_LABELS
from .models import REQUEST_KIND_LABELS as REQUEST_KIND_LABELS
from .models import REQUEST_STATUS_LABELS as REQUEST_STATUS_LABELS

OUTCOME_LABELS = {
    "closed": _l("Chiusa"),
    "anonymised": _l("Dati anonimizzati"),
    "refused": _l("Cancellazione rifiutata"),
}
MATCH_LABELS = {
    "tax_code": _l("Stesso codice fiscale"),
    "name_year": _l("Stessi nome, cognome e anno di nascita"),
    "similar": _l("Cognome simile, stessa iniziale del nome e stesso decennio di nascita"),
}
IDENTITY_LABELS = {
    "first_name": _l("Nome"),
    "last_name": _l("Cognome"),
    "tax_code": _l("Codice fiscale"),
    "birth_year": _l("Anno di nascita"),
    "contact": _l("Recapito"),
}
YES_NO = {True: _l("Sì"), False: _l("No")}
# The monitoring attributes as exported (the disability flag as JSON true/false).
YES_NO_CODES = {True: _l("Sì"), False: _l("No"), "true": _l("Sì"), "false": _l("No")}
MONITORING_FIELD_LABELS = {
    "gender": _l("Genere"),
    "age_band": _l("Fascia d'età"),
    "citizenship_group": _l("Cittadinanza"),
    "disability": _l("Disabilità"),
    "labour_status": _l("Condizione occupazionale"),
    "education_level": _l("Titolo di studio"),
}
# The audit log names a changed field with the words of the person's own page (the audit layer knows no
# domain above it).
AUDIT_FIELD_LABELS.update(IDENTITY_LABELS | MONITORING_FIELD_LABELS)
