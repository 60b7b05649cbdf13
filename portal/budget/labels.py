"""Italian labels for the budget enums (msgids; English in the catalogue)."""
from ..i18n import lazy_gettext as _l
from ..notifications.labels import register as register_notice
from .models import DeliveryStatus, InvoiceStatus, LineKind, OrderStatus, Procedure, Unit, VerificationOutcome

LINE_KIND_LABELS = {
    LineKind.SERVICES: _l("Appalto di servizi"),
    LineKind.DIRECT_MANAGEMENT: _l("Realizzazione diretta"),
}
PROCEDURE_LABELS = {
    Procedure.OPEN: _l("Procedura aperta"),
    Procedure.NEGOTIATED: _l("Procedura negoziata"),
    Procedure.DIRECT_AWARD: _l("Affidamento diretto"),
}
UNIT_LABELS = {
    Unit.HOUR: _l("Ora"),
    Unit.PARTICIPANT: _l("Partecipante"),
    Unit.LUMP_SUM: _l("A corpo"),
}
ORDER_STATUS_LABELS = {
    OrderStatus.OPEN: _l("Aperto"),
    OrderStatus.CLOSED: _l("Chiuso"),
    OrderStatus.CANCELLED: _l("Annullato"),
}
DELIVERY_STATUS_LABELS = {
    DeliveryStatus.SUBMITTED: _l("Da approvare"),
    DeliveryStatus.APPROVED: _l("Approvata"),
    DeliveryStatus.RETURNED: _l("Restituita"),
}
INVOICE_STATUS_LABELS = {
    InvoiceStatus.RECEIVED: _l("Ricevuta"),
    InvoiceStatus.VERIFIED: _l("Verificata"),
    InvoiceStatus.PAID: _l("Pagata"),
}
FIGURE_LABELS = {
    "allocated": _l("Stanziato"),
    "committed": _l("Impegnato"),
    "delivered": _l("Erogato (maturato)"),
    "invoiced": _l("Fatturato"),
    "paid": _l("Pagato"),
    "residual": _l("Residuo"),
}
OUTCOME_LABELS = {
    VerificationOutcome.PENDING: _l("Da verificare"),
    VerificationOutcome.CONFIRMED: _l("Confermata"),
    VerificationOutcome.DISCREPANCY: _l("Discrepanza"),
}


def _order_created(params: dict) -> str:
    from flask_babel import gettext

    return gettext("Nuovo ordine di servizio per %(code)s", code=params["code"])


# In-app notifications (portal/notifications) store this code and render it in the viewer's language.
register_notice("order.created", _order_created)
