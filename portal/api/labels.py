"""Labels of the API's codes, through the catalogue."""
from ..i18n import lazy_gettext as _l
from .models import DeliveryStatus, EventKind, Scope

SCOPE_LABELS = {
    Scope.REFERRALS_READ: _l("leggere stato ed esito delle proprie segnalazioni"),
    Scope.REFERRALS_WRITE: _l("creare, inviare e corredare di allegati segnalazioni"),
    Scope.IDENTITY_READ: _l("leggere l'identità delle persone segnalate, dove consentito (ogni lettura è registrata)"),
    Scope.CASES_READ: _l("leggere casi e azioni in forma pseudonimizzata"),
    Scope.ORDERS_READ: _l("leggere i propri ordini di servizio"),
    Scope.DELIVERIES_WRITE: _l("registrare le prestazioni erogate"),
    Scope.DIRECTORY_READ: _l("leggere l'elenco della rete"),
    Scope.WEBHOOKS: _l("ricevere notifiche (webhook) degli eventi dell'organizzazione"),
    Scope.OPEN_DATA_READ: _l("leggere i dati aperti del nodo (aggregati, celle piccole soppresse)"),
}

EVENT_LABELS = {
    EventKind.REFERRAL_STATE_CHANGED: _l("una segnalazione cambia stato"),
    EventKind.ORDER_CREATED: _l("nuovo ordine di servizio"),
    EventKind.REPORT_RECEIVED: _l("nuova segnalazione pubblica (solo nodo)"),
}

DELIVERY_LABELS = {
    DeliveryStatus.PENDING: _l("In attesa"),
    DeliveryStatus.SENT: _l("Consegnata"),
    DeliveryStatus.FAILED: _l("Non riuscita"),
}
