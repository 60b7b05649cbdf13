"""Italian labels for people enums (msgids; English in the catalogue).

The single source for the monitoring attributes: the person pages, the rectification form and the
referral form (which creates the person) all use these.
"""
from ..i18n import lazy_gettext as _l
from .models import AgeBand, CitizenshipGroup, EducationLevel, Gender, LabourStatus, RequestKind, RequestStatus

GENDER_LABELS = {
    Gender.FEMALE: _l("Donna"),
    Gender.MALE: _l("Uomo"),
    Gender.NON_BINARY: _l("Non binario"),
    Gender.NOT_STATED: _l("Preferisce non dichiararlo"),
}
AGE_BAND_LABELS = {
    AgeBand.UNDER_25: _l("Meno di 25 anni"),
    AgeBand.FROM_25_TO_54: _l("Da 25 a 54 anni"),
    AgeBand.OVER_54: _l("Più di 54 anni"),
}
CITIZENSHIP_LABELS = {
    CitizenshipGroup.ITALIAN: _l("Italiana"),
    CitizenshipGroup.EU: _l("Di un altro Paese dell'Unione europea"),
    CitizenshipGroup.NON_EU: _l("Di un Paese extra UE"),
    CitizenshipGroup.STATELESS: _l("Apolide"),
    CitizenshipGroup.NOT_STATED: _l("Non dichiarata"),
}
LABOUR_LABELS = {
    LabourStatus.EMPLOYED: _l("Occupato/a"),
    LabourStatus.UNEMPLOYED: _l("Disoccupato/a"),
    LabourStatus.LONG_TERM_UNEMPLOYED: _l("Disoccupato/a di lunga durata"),
    LabourStatus.INACTIVE: _l("Inattivo/a"),
    LabourStatus.IN_EDUCATION: _l("In istruzione o formazione"),
}
EDUCATION_LABELS = {
    EducationLevel.ISCED_0_2: _l("Fino alla licenza media (ISCED 0-2)"),
    EducationLevel.ISCED_3_4: _l("Diploma o qualifica (ISCED 3-4)"),
    EducationLevel.ISCED_5_8: _l("Laurea o superiore (ISCED 5-8)"),
    EducationLevel.NOT_STATED: _l("Non dichiarato"),
}
REQUEST_KIND_LABELS = {
    RequestKind.ACCESS: _l("Accesso ai dati (art. 15 GDPR)"),
    RequestKind.RECTIFICATION: _l("Rettifica (art. 16 GDPR)"),
    RequestKind.ERASURE: _l("Cancellazione (art. 17 GDPR)"),
}
REQUEST_STATUS_LABELS = {
    RequestStatus.OPEN: _l("Aperta"),
    RequestStatus.CLOSED: _l("Chiusa"),
}
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
