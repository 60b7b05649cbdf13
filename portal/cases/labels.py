"""Italian labels for the case enums (msgids; English in the catalogue)."""
from ..i18n import lazy_gettext as _l
from ..notifications.labels import register as register_notice
from .models import (
    ActionPhase,
    ActionStatus,
    CaseState,
    ClosureOutcome,
    ContractType,
    DocumentKind,
    JobOutcome,
    OfficeReferralState,
    ServiceType,
    TransferState,
    VerificationPhase,
)

CASE_STATE_LABELS = {
    CaseState.OPEN: _l("Aperto"),
    CaseState.PHASE_1: _l("Fase 1 – inserimento lavorativo"),
    CaseState.PHASE_2: _l("Fase 2 – inclusione socio-lavorativa"),
    CaseState.CLOSED: _l("Chiuso"),
    CaseState.TRANSFERRED: _l("Trasferito ad altro nodo"),
}
CLOSURE_OUTCOME_LABELS = {
    ClosureOutcome.INCLUDED: _l("Inclusione socio-lavorativa raggiunta"),
    ClosureOutcome.EMPLOYED: _l("Inserimento lavorativo"),
    ClosureOutcome.PARTIAL: _l("Obiettivi raggiunti in parte"),
    ClosureOutcome.DROPPED_OUT: _l("Percorso interrotto dalla persona"),
    ClosureOutcome.MOVED_AWAY: _l("Trasferimento fuori dal territorio"),
    ClosureOutcome.REFERRED_ELSEWHERE: _l("Inviata ad altro servizio"),
    ClosureOutcome.OTHER: _l("Altro"),
}
SERVICE_TYPE_LABELS = {
    ServiceType.COUNSELLING: _l("Counselling"),
    ServiceType.ORIENTATION: _l("Orientamento"),
    ServiceType.SKILLS_REINFORCEMENT: _l("Rinforzo delle competenze"),
    ServiceType.TUTORING: _l("Tutoraggio"),
    ServiceType.TRAINING: _l("Formazione"),
    ServiceType.JOB_MATCHING: _l("Incontro domanda/offerta"),
    ServiceType.PSYCHOLOGICAL_SUPPORT: _l("Sostegno psicologico"),
    ServiceType.SOCIAL_MEDIATION: _l("Mediazione sociale"),
    ServiceType.BUSINESS_STARTUP: _l("Sostegno all'avvio d'impresa"),
    ServiceType.SELF_EMPLOYMENT: _l("Sostegno al lavoro autonomo"),
    ServiceType.MOTIVATION: _l("Motivazione / rimotivazione"),
}
ACTION_PHASE_LABELS = {
    ActionPhase.PREPARATORY: _l("Fase propedeutica"),
    ActionPhase.JOB_INSERTION: _l("Inserimento lavorativo (fase 1)"),
    ActionPhase.INCLUSION: _l("Inclusione socio-lavorativa (fase 2)"),
}
ACTION_STATUS_LABELS = {
    ActionStatus.TO_ORDER: _l("Da ordinare"),
    ActionStatus.PLANNED: _l("Pianificata"),
    ActionStatus.IN_PROGRESS: _l("In corso"),
    ActionStatus.DONE: _l("Conclusa"),
    ActionStatus.CANCELLED: _l("Annullata"),
}
VERIFICATION_PHASE_LABELS = {
    VerificationPhase.JOB_INSERTION: _l("Verifica dell'inserimento lavorativo (fase 1)"),
    VerificationPhase.INCLUSION: _l("Follow-up dell'inclusione socio-lavorativa (fase 2)"),
}
JOB_OUTCOME_LABELS = {
    JobOutcome.EMPLOYED: _l("Assunta/o"),
    JobOutcome.TRAINEESHIP: _l("Tirocinio"),
    JobOutcome.SELF_EMPLOYED: _l("Lavoro autonomo"),
    JobOutcome.NOT_YET: _l("Non ancora inserita/o"),
}
CONTRACT_TYPE_LABELS = {
    ContractType.PERMANENT: _l("Tempo indeterminato"),
    ContractType.FIXED_TERM: _l("Tempo determinato"),
    ContractType.APPRENTICESHIP: _l("Apprendistato"),
    ContractType.AGENCY: _l("Somministrazione"),
    ContractType.OTHER: _l("Altro"),
}
# Sorting keys of the case list (query-string value -> label).
SORT_LABELS = {
    "aperto": _l("Data di apertura"),
    "pseudonimo": _l("Codice pseudonimo"),
    "stato": _l("Stato"),
}

DOCUMENT_KIND_LABELS = {
    DocumentKind.CASE: _l("Documento del caso"),
    DocumentKind.PHASE_1_OUTCOME: _l("Esito della fase 1"),
    DocumentKind.DELIVERY: _l("Prestazione"),
}

TRANSFER_STATE_LABELS = {
    TransferState.PENDING: _l("In attesa di risposta"),
    TransferState.ACCEPTED: _l("Accolto"),
    TransferState.DECLINED: _l("Non accolto"),
    TransferState.WITHDRAWN: _l("Ritirato"),
}

OFFICE_REFERRAL_STATE_LABELS = {
    OfficeReferralState.REFERRED: _l("Da prendere in carico"),
    OfficeReferralState.TAKEN: _l("Presa in carico"),
    OfficeReferralState.WITHDRAWN: _l("Ritirata dal nodo"),
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
