"""Words of the referral pages (msgids; English in the catalogue). The enums' labels stand beside their
codes in models.py (``LabelledEnum``) and are re-exported here, where the pages look for label tables."""
from ..i18n import lazy_gettext as _l
from ..notifications.labels import register as register_notice
from .models import CONTEXT_LABELS as CONTEXT_LABELS
from .models import DECLINE_LABELS as DECLINE_LABELS
from .models import GROUND_LABELS as GROUND_LABELS
from .models import LEGAL_BASIS_LABELS as LEGAL_BASIS_LABELS
from .models import OUTCOME_LABELS as OUTCOME_LABELS
from .models import STATE_LABELS as STATE_LABELS
from .models import URGENCY_LABELS as URGENCY_LABELS
from .models import ReferralState

# Bootstrap badge colour per state (the state_badge macro and the lists).
STATE_BADGES = {"draft": "secondary", "submitted": "primary", "info_requested": "warning", "accepted": "success",
                "declined": "danger", "withdrawn": "secondary"}

# Buttons of the transitions (services.TRANSITIONS) and what the timeline says they did.
TRANSITION_LABELS = {
    "submit": _l("Invia al nodo"),
    "resubmit": _l("Invia di nuovo al nodo"),
    "withdraw": _l("Ritira la segnalazione"),
    "request_info": _l("Chiedi informazioni all'antenna"),
    "accept": _l("Prendi in carico"),
    "decline": _l("Non accogliere"),
}


def _moved(params: dict) -> str:
    from flask_babel import gettext

    return gettext("Segnalazione %(code)s: %(state)s", code=params["code"],
                   state=STATE_LABELS[ReferralState(params["state"])])


def _stale(params: dict) -> str:
    from flask_babel import gettext

    return gettext("La segnalazione %(code)s attende una decisione da più di %(days)s giorni",
                   code=params["code"], days=params["days"])


# In-app notifications (portal/notifications) store these codes and render them in the viewer's language.
register_notice("referral.moved", _moved)
register_notice("referral.stale", _stale)
