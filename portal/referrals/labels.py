"""Italian labels for referral enums (msgids; English in the catalogue)."""
from ..i18n import lazy_gettext as _l
from ..notifications.labels import register as register_notice
from .models import Context, DeclineReason, Ground, LegalBasis, OutcomeCode, ReferralState, Urgency

STATE_LABELS = {
    ReferralState.DRAFT: _l("Bozza"),
    ReferralState.SUBMITTED: _l("Inviata al nodo"),
    ReferralState.INFO_REQUESTED: _l("Richieste informazioni"),
    ReferralState.ACCEPTED: _l("Presa in carico"),
    ReferralState.DECLINED: _l("Non accolta"),
    ReferralState.WITHDRAWN: _l("Ritirata"),
}
# The outcome the antenna reads (Referral.outcome_code). Migration 0020 maps the sentences once stored
# (these msgids and their English translations) to the codes.
# Bootstrap badge colour per state (the state_badge macro and the lists).
STATE_BADGES = {"draft": "secondary", "submitted": "primary", "info_requested": "warning", "accepted": "success",
                "declined": "danger", "withdrawn": "secondary"}
OUTCOME_LABELS = {
    OutcomeCode.TAKEN_IN_CHARGE: _l("Presa in carico dal nodo"),
    OutcomeCode.PHASE_1: _l("Presa in carico – fase 1: inserimento lavorativo"),
    OutcomeCode.PHASE_2: _l("Presa in carico – fase 2: inclusione socio-lavorativa"),
    OutcomeCode.COMPLETED: _l("Percorso concluso"),
    OutcomeCode.NOT_TAKEN_IN_CHARGE: _l("Non presa in carico"),
    OutcomeCode.TRANSFERRED: _l("Caso trasferito a un altro nodo della regione"),
}
GROUND_LABELS = {
    Ground.ETHNICITY: _l("Origine etnica"),
    Ground.AGE: _l("Età"),
    Ground.RELIGION: _l("Religione o convinzioni personali"),
    Ground.DISABILITY: _l("Disabilità"),
    Ground.GENDER: _l("Genere"),
    Ground.SEXUAL_ORIENTATION: _l("Orientamento sessuale"),
    Ground.OTHER: _l("Altro / intersezionale"),
}
CONTEXT_LABELS = {
    Context.WORK: _l("Lavoro"),
    Context.HOUSING: _l("Casa"),
    Context.SCHOOL: _l("Scuola e formazione"),
    Context.SERVICES: _l("Accesso ai servizi"),
    Context.PUBLIC_SPACE: _l("Spazio pubblico"),
    Context.HEALTH: _l("Salute"),
    Context.ONLINE: _l("Online"),
    Context.OTHER: _l("Altro"),
}
URGENCY_LABELS = {
    Urgency.LOW: _l("Bassa"),
    Urgency.NORMAL: _l("Normale"),
    Urgency.HIGH: _l("Alta"),
    Urgency.URGENT: _l("Urgente"),
}
DECLINE_LABELS = {
    DeclineReason.OUT_OF_SCOPE: _l("Fuori dall'ambito del nodo"),
    DeclineReason.NOT_ELIGIBLE: _l("Requisiti non soddisfatti"),
    DeclineReason.DUPLICATE: _l("Segnalazione duplicata"),
    DeclineReason.REFERRED_ELSEWHERE: _l("Inviata ad altro servizio"),
    DeclineReason.NO_CONSENT: _l("Consenso mancante o revocato"),
    DeclineReason.PERSON_UNREACHABLE: _l("Persona non raggiungibile"),
    DeclineReason.OTHER: _l("Altro"),
}
LEGAL_BASIS_LABELS = {
    LegalBasis.CONSENT: _l("Consenso esplicito (art. 9.2.a GDPR)"),
    LegalBasis.VITAL_INTERESTS: _l("Interessi vitali (art. 9.2.c GDPR)"),
    LegalBasis.PUBLIC_INTEREST: _l("Interesse pubblico rilevante (art. 9.2.g GDPR)"),
}

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
