"""Words of the budget pages (msgids; English in the catalogue). The enums' labels stand beside their codes
in models.py (``LabelledEnum``) and are re-exported here, where the pages look for label tables."""
from ..i18n import lazy_gettext as _l
from ..notifications.labels import register as register_notice
from .models import DELIVERY_STATUS_LABELS as DELIVERY_STATUS_LABELS
from .models import INVOICE_STATUS_LABELS as INVOICE_STATUS_LABELS
from .models import LINE_KIND_LABELS as LINE_KIND_LABELS
from .models import ORDER_STATUS_LABELS as ORDER_STATUS_LABELS
from .models import OUTCOME_LABELS as OUTCOME_LABELS
from .models import PROCEDURE_LABELS as PROCEDURE_LABELS
from .models import UNIT_LABELS as UNIT_LABELS

FIGURE_LABELS = {
    "allocated": _l("Stanziato"),
    "committed": _l("Impegnato"),
    "delivered": _l("Erogato (maturato)"),
    "invoiced": _l("Fatturato"),
    "paid": _l("Pagato"),
    "residual": _l("Residuo"),
}


def _order_created(params: dict) -> str:
    from flask_babel import gettext

    return gettext("Nuovo ordine di servizio per %(code)s", code=params["code"])


# In-app notifications (portal/notifications) store this code and render it in the viewer's language.
register_notice("order.created", _order_created)
