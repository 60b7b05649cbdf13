"""Italian labels of the monitoring tables (msgids), reusing each domain's own enum labels."""
from ..cases.labels import CASE_STATE_LABELS, JOB_OUTCOME_LABELS, SERVICE_TYPE_LABELS  # noqa: F401
from ..cases.legal import FUND_LABELS, LEGAL_ACTION_LABELS, LEGAL_OUTCOME_LABELS  # noqa: F401
from ..i18n import lazy_gettext as _l
from ..people.labels import AGE_BAND_LABELS, CITIZENSHIP_LABELS, EDUCATION_LABELS, GENDER_LABELS, LABOUR_LABELS

# The heading of a breakdown's first column: the person's field, named as on the person's own page.
from ..people.labels import MONITORING_FIELD_LABELS as DIMENSION_HEADINGS  # noqa: F401
from ..referrals.labels import GROUND_LABELS, OUTCOME_LABELS, STATE_LABELS  # noqa: F401

NOT_STATED = _l("Non rilevato")
ALL = _l("Tutte")
DIMENSION_TITLES = {
    "gender": _l("Partecipanti per genere"),
    "age_band": _l("Partecipanti per fascia d'età"),
    "labour_status": _l("Partecipanti per condizione nel mercato del lavoro"),
    "education_level": _l("Partecipanti per livello di istruzione"),
    "citizenship_group": _l("Partecipanti per cittadinanza"),
    "disability": _l("Partecipanti con disabilità"),
}
DISABILITY_LABELS = {"yes": _l("Sì"), "no": _l("No"), "not_stated": NOT_STATED}
RESULT_LABELS = {
    "employed": _l("Occupati, anche autonomi, all'uscita"),
    "education_training": _l("In istruzione o formazione all'uscita (tirocinio)"),
    "not_employed": _l("Non occupati né in formazione all'uscita"),
}
SIX_MONTH_LABELS = {
    "employed": _l("Occupati al follow-up di sei mesi"),
    "not_employed": _l("Non occupati al follow-up di sei mesi"),
    "unknown": _l("Follow-up di sei mesi non ancora svolto"),
}
ALERT_LABELS = {
    "opened": _l("Aperte nel periodo"),
    "acknowledged": _l("Prese in esame nel periodo"),
    "resolved": _l("Risolte nel periodo"),
    "open_now": _l("Ancora aperte oggi"),
}


def value_labels(dimension: str) -> dict:
    """Code -> label for one participants dimension (codes as in the indicators and the open data)."""
    tables = {
        "gender": GENDER_LABELS, "age_band": AGE_BAND_LABELS, "labour_status": LABOUR_LABELS,
        "education_level": EDUCATION_LABELS, "citizenship_group": CITIZENSHIP_LABELS,
    }
    if dimension == "disability":
        return DISABILITY_LABELS
    return {getattr(k, "value", k): v for k, v in tables[dimension].items()} | {"not_stated": tables[dimension].get("not_stated", NOT_STATED)}
