"""Labels of the regional tables' rows (codes stay codes in the data and the exports)."""
from ..cases.labels import CLOSURE_OUTCOME_LABELS
from ..i18n import format_month
from ..i18n import lazy_gettext as _l
from ..monitoring import labels as monitoring
from ..monitoring.opendata import INTERSECTIONAL, UNSPECIFIED
from ..referrals.labels import CONTEXT_LABELS, GROUND_LABELS
from ..referrals.models import ReferralState

DECISION_LABELS = {ReferralState.ACCEPTED.value: _l("Accolte (presa in carico)"),
                   ReferralState.DECLINED.value: _l("Non accolte")}
TRAINING_LABELS = {"completed": _l("Formazione completata"), "not_completed": _l("Senza formazione completata")}


def _codes(labels: dict) -> dict:
    return {getattr(k, "value", k): v for k, v in labels.items()}


def row_labels(table_name: str) -> dict:
    if table_name == "segnalazioni_contesto":
        return _codes(CONTEXT_LABELS)
    if table_name == "segnalazioni_motivo":
        return _codes(GROUND_LABELS) | {INTERSECTIONAL: _l("Intersezionale (due o più motivi)"),
                                        UNSPECIFIED: _l("Motivo non indicato")}
    if table_name == "decisioni":
        return DECISION_LABELS
    if table_name == "casi_chiusi":
        return _codes(CLOSURE_OUTCOME_LABELS)
    if table_name == "esf_risultati":
        return monitoring.RESULT_LABELS
    if table_name == "esf_sei_mesi":
        return monitoring.SIX_MONTH_LABELS
    if table_name == "esf_formazione":
        return TRAINING_LABELS
    if table_name.startswith("esf_"):
        return monitoring.value_labels(table_name.removeprefix("esf_"))
    if table_name == "segnalazioni_mese":
        return _MonthNames()
    return {}


class _MonthNames(dict):
    """The month rows ('YYYY-MM', the codes of the data and exports) read as "ottobre 2026" on the page."""

    def get(self, key, default=None):
        return format_month(key)
