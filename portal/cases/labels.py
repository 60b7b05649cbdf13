"""Words of the case pages (msgids; English in the catalogue). The enums' labels stand beside their codes in
models.py (``LabelledEnum``) and are re-exported here, where the pages look for label tables."""
from ..i18n import lazy_gettext as _l
from ..notifications.labels import register as register_notice
from .models import ACTION_PHASE_LABELS as ACTION_PHASE_LABELS
from .models import ACTION_STATUS_LABELS as ACTION_STATUS_LABELS
from .models import CASE_STATE_LABELS as CASE_STATE_LABELS
from .models import CLOSURE_OUTCOME_LABELS as CLOSURE_OUTCOME_LABELS
from .models import CONTRACT_TYPE_LABELS as CONTRACT_TYPE_LABELS
from .models import DOCUMENT_KIND_LABELS as DOCUMENT_KIND_LABELS
from .models import JOB_OUTCOME_LABELS as JOB_OUTCOME_LABELS
from .models import OFFICE_REFERRAL_STATE_LABELS as OFFICE_REFERRAL_STATE_LABELS
from .models import SERVICE_TYPE_LABELS as SERVICE_TYPE_LABELS
from .models import TRANSFER_STATE_LABELS as TRANSFER_STATE_LABELS
from .models import VERIFICATION_PHASE_LABELS as VERIFICATION_PHASE_LABELS

# Sorting keys of the case list (query-string value -> label).
SORT_LABELS = {
    "aperto": _l("Data di apertura"),
    "pseudonimo": _l("Codice pseudonimo"),
    "stato": _l("Stato"),
}


_NOTICES = {
    "office.referred": _l("Il nodo vi invia la persona %(code)s per un'azione del percorso"),
    "office.withdrawn": _l("Il nodo ha ritirato l'invio della persona %(code)s"),
    "case_transfer.proposed": _l("Proposta di trasferimento del caso %(code)s"),
    "case_transfer.accepted": _l("Trasferimento del caso %(code)s accolto"),
    "case_transfer.declined": _l("Trasferimento del caso %(code)s non accolto"),
    "case_transfer.antenna": _l("La persona della segnalazione %(code)s è ora seguita da un altro nodo"),
}


def _notice(kind):
    return lambda params: str(_NOTICES[kind]) % {"code": params["code"]}


# In-app notifications (portal/notifications) store these codes and render them in the viewer's language.
for _kind in _NOTICES:
    register_notice(_kind, _notice(_kind))
