"""The Rete fields a file's columns map onto, and the check of one row against them.

A row becomes the same three dicts the new-referral form produces (identity, monitoring, referral data),
so the import creates people and referrals through the form's services. Every problem is an error code
with the field it concerns; nothing from the cell is kept in the result.
"""
import re
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import force_locale

from ..cases.labels import CASE_STATE_LABELS
from ..cases.models import CaseState
from ..crypto import normalise
from ..i18n import lazy_gettext as _l
from ..i18n import local_today
from ..people.labels import CITIZENSHIP_LABELS, EDUCATION_LABELS, GENDER_LABELS, LABOUR_LABELS
from ..people.services import valid_tax_code
from ..referrals.labels import CONTEXT_LABELS, GROUND_LABELS, URGENCY_LABELS
from ..referrals.models import Context, Urgency


@dataclass(frozen=True)
class Field:
    key: str
    label: object
    required: bool = False
    aliases: tuple = ()


FIELDS = [
    Field("external_id", _l("Identificativo nel sistema di provenienza"), aliases=("id", "codice", "id esterno", "external id")),
    Field("last_name", _l("Cognome"), True, ("cognome", "surname", "last name")),
    Field("first_name", _l("Nome"), True, ("nome", "name", "first name")),
    Field("tax_code", _l("Codice fiscale"), aliases=("cf", "codice fiscale", "tax code", "fiscal code")),
    Field("birth_year", _l("Anno di nascita"), aliases=("anno", "anno nascita", "birth year")),
    Field("contact", _l("Recapito (telefono o e-mail)"), aliases=("recapito", "telefono", "email", "e-mail", "contact")),
    Field("gender", _l("Genere"), aliases=("genere", "sesso", "gender")),
    Field("citizenship_group", _l("Cittadinanza"), aliases=("cittadinanza", "citizenship")),
    Field("disability", _l("Disabilità"), aliases=("disabilita", "disability")),
    Field("labour_status", _l("Condizione occupazionale"), aliases=("condizione occupazionale", "lavoro")),
    Field("education_level", _l("Titolo di studio"), aliases=("titolo di studio", "istruzione", "education")),
    Field("grounds", _l("Motivi di discriminazione"), aliases=("motivi", "motivo", "grounds")),
    Field("context", _l("Ambito"), True, ("ambito", "context")),
    Field("urgency", _l("Urgenza"), aliases=("urgenza", "urgency")),
    Field("situation", _l("La situazione"), aliases=("situazione", "situation", "descrizione")),
    Field("needs", _l("Bisogni della persona"), aliases=("bisogni", "needs")),
    Field("consent_date", _l("Data del consenso"), aliases=("data consenso", "consenso", "consent date")),
    Field("consent_notice_version", _l("Versione dell'informativa"), aliases=("informativa", "versione informativa")),
    Field("information_point", _l("Inviata dal punto informativo"), aliases=("punto informativo", "punto", "sportello")),
]
# A node's own cases (kind "cases"): the same person and referral columns but the information point (an
# antenna's), and the case's own.
CASE_FIELDS = [f for f in FIELDS if f.key != "information_point"] + [
    Field("opened_on", _l("Data di apertura del caso"), True, ("data apertura", "apertura", "aperto il", "opened on")),
    Field("case_state", _l("Stato del caso"), aliases=("stato", "fase", "stato del caso", "state", "phase")),
    Field("case_worker", _l("Operatore o operatrice del caso (e-mail)"),
          aliases=("operatore", "operatrice", "email operatore", "case worker")),
]
KINDS = {"referrals": FIELDS, "cases": CASE_FIELDS}
FIELD_KEYS = [f.key for f in FIELDS]
REQUIRED = [f.key for f in FIELDS if f.required]
CASE_STATES = {state: CASE_STATE_LABELS[state] for state in (CaseState.OPEN, CaseState.PHASE_1, CaseState.PHASE_2)}
CODED = {
    "gender": GENDER_LABELS, "citizenship_group": CITIZENSHIP_LABELS, "labour_status": LABOUR_LABELS,
    "education_level": EDUCATION_LABELS, "context": CONTEXT_LABELS, "urgency": URGENCY_LABELS,
    "case_state": CASE_STATES,
}


# Short forms people write for a coded value, besides its code and labels (matched as _key: any case, no accents).
CODE_ALIASES = {
    "case_state": {"fase 1": "phase_1", "fase 2": "phase_2", "phase 1": "phase_1", "phase 2": "phase_2",
                   "aperta": "open"},
    "grounds": {
        **dict.fromkeys(("etnia", "etnica", "etnico", "origine", "razza", "razza o origine etnica", "race"), "ethnicity"),
        **dict.fromkeys(("religione", "convinzioni personali", "convinzioni", "fede", "belief"), "religion"),
        **dict.fromkeys(("disabile", "handicap"), "disability"),
        **dict.fromkeys(("sesso", "identità di genere", "sex"), "gender"),
        **dict.fromkeys(("orientamento", "lgbt", "lgbt+", "lgbtq+"), "sexual_orientation"),
        **dict.fromkeys(("altro", "intersezionale", "other", "intersectional"), "other"),
    },
}
# Several grounds in one cell: "|" or "," (never the column separator of an Italian CSV, ";"), or ";" in a
# quoted cell or an XLSX, as before. A slash too, when what it joins is not itself one name ("Altro / ...").
GROUND_SEPARATORS = r"[|,;]+"


def fields_for(kind: str) -> list[Field]:
    return KINDS[kind]


def required_for(kind: str) -> list[str]:
    return [f.key for f in KINDS[kind] if f.required]
YES = {"si", "sì", "s", "yes", "y", "true", "vero", "1", "x"}
NO = {"no", "n", "false", "falso", "0"}
LIMITS = {"external_id": 100, "first_name": 100, "last_name": 100, "contact": 200, "situation": 10000,
          "needs": 5000, "consent_notice_version": 20}
MONITORING = ("gender", "citizenship_group", "disability", "labour_status", "education_level")


def _key(text: str) -> str:
    return normalise(re.sub(r"[_\-.]+", " ", str(text)))


def guess_mapping(headers: list[str], kind: str = "referrals") -> dict[str, int]:
    """Field -> column index for the headers that name a field (its code, label or a usual alias)."""
    names = {}
    for field in KINDS[kind]:
        for lang in ("it", "en"):
            with force_locale(lang):
                names.setdefault(_key(str(field.label)), field.key)
        names.setdefault(_key(field.key), field.key)
        for alias in field.aliases:
            names.setdefault(_key(alias), field.key)
    mapping: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = names.get(_key(header))
        if key and key not in mapping:
            mapping[key] = index
    return mapping


def code_lookup() -> dict[str, dict[str, str]]:
    """For each coded field: the code, its Italian and its English label (normalised) -> code."""
    lookup: dict[str, dict[str, str]] = {}
    for field, labels in {**CODED, "grounds": GROUND_LABELS}.items():
        table = lookup.setdefault(field, {})
        for code, label in labels.items():
            table[_key(code.value)] = code.value
            for lang in ("it", "en"):
                with force_locale(lang):
                    table.setdefault(_key(str(label)), code.value)
    for field, aliases in CODE_ALIASES.items():
        for alias, code in aliases.items():
            lookup[field].setdefault(_key(alias), code)
    return lookup


def parse_date(text: str) -> date | None:
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


@dataclass
class Checked:
    identity: dict
    monitoring: dict
    data: dict
    errors: list  # [[field, code]]
    case: dict | None = None  # a node's own case: opened_on, state, case_worker_id, urgent

    @property
    def ok(self) -> bool:
        return not self.errors


def check_row(cells: dict[str, str], lookup: dict, points: dict[str, int], today: date | None = None,
              workers: dict[str, int] | None = None) -> Checked:
    """Validate one row given as field -> cell text; ``points``: normalised point name -> id. ``workers``
    (lower-case e-mail -> user id of the node's case workers) for a node's cases, None for referrals."""
    today = today or local_today()
    errors: list = []

    def err(field, code):
        errors.append([field, code])

    for field in REQUIRED if workers is None else required_for("cases"):
        if not cells.get(field):
            err(field, "required")
    for field, limit in LIMITS.items():
        if len(cells.get(field) or "") > limit:
            err(field, "too_long")
    tax_code = (cells.get("tax_code") or "").replace(" ", "").upper() or None
    if tax_code and not valid_tax_code(tax_code):
        err("tax_code", "invalid_tax_code")
    birth_year = None
    if cells.get("birth_year"):
        text = cells["birth_year"]
        when = parse_date(text)
        # ASCII digits only: str.isdigit() also takes "²" or "1980²", which int() refuses.
        birth_year = when.year if when else (int(text) if re.fullmatch(r"[0-9]{4}", text) else None)
        if birth_year is None or not 1900 <= birth_year <= today.year:
            err("birth_year", "invalid_year")
            birth_year = None
    coded = {}
    for field in CODED:
        text = cells.get(field)
        if text:
            coded[field] = lookup[field].get(_key(text))
            if coded[field] is None:
                err(field, "invalid_code")
    disability = None
    if cells.get("disability"):
        value = normalise(cells["disability"])
        disability = True if value in YES else False if value in NO else None
        if disability is None:
            err("disability", "invalid_code")
    grounds = _grounds(cells.get("grounds") or "", lookup["grounds"])
    if grounds is None:
        err("grounds", "invalid_code")
        grounds = []
    consent_date = _past_date(cells, "consent_date", today, err)
    version = cells.get("consent_notice_version") or None
    if consent_date and not version:
        err("consent_notice_version", "required_with_consent")
    point_id = None
    if cells.get("information_point"):
        point_id = points.get(normalise(cells["information_point"]))
        if point_id is None:
            err("information_point", "unknown_point")
    from ..people.models import CitizenshipGroup, EducationLevel, Gender, LabourStatus

    enums = {"gender": Gender, "citizenship_group": CitizenshipGroup, "labour_status": LabourStatus,
             "education_level": EducationLevel}
    monitoring = {field: enums[field](coded[field]) if coded.get(field) else None for field in enums}
    monitoring["disability"] = disability
    consent = bool(consent_date and version)
    case = None if workers is None else _check_case(cells, coded, workers, today, err)
    return Checked(
        identity={"first_name": cells.get("first_name"), "last_name": cells.get("last_name"), "tax_code": tax_code,
                  "birth_year": birth_year, "contact": cells.get("contact") or None},
        monitoring=monitoring,
        data={
            "grounds": sorted(grounds),
            "context": Context(coded["context"]) if coded.get("context") else None,
            "urgency": Urgency(coded["urgency"]) if coded.get("urgency") else Urgency.NORMAL,
            "situation": cells.get("situation") or None, "needs": cells.get("needs") or None,
            "availability": None,
            "consent_notice_version": version if consent else None, "consent_date": consent_date if consent else None,
            "legal_basis_requested": False, "information_point_id": point_id,
        },
        errors=errors,
        case=case,
    )


def _grounds(text: str, table: dict[str, str]) -> list[str] | None:
    """The ground codes a cell names, in order and once each; None if a name is not one of them."""
    codes: list[str] = []
    for part in re.split(GROUND_SEPARATORS, text):
        if not part.strip():
            continue
        names = [part] if _key(part) in table else [p for p in part.split("/") if p.strip()]
        for name in names:
            code = table.get(_key(name))
            if code is None:
                return None
            if code not in codes:
                codes.append(code)
    return codes


def _past_date(cells: dict, field: str, today: date, err) -> date | None:
    """The cell's date, if it is one and not in the future (else an error on the field)."""
    if not cells.get(field):
        return None
    when = parse_date(cells[field])
    if when is None:
        err(field, "invalid_date")
    elif when > today:
        err(field, "future_date")
        return None
    return when


def _check_case(cells: dict, coded: dict, workers: dict[str, int], today: date, err) -> dict:
    opened_on = _past_date(cells, "opened_on", today, err)
    worker_id = None
    if cells.get("case_worker"):
        worker_id = workers.get(cells["case_worker"].strip().lower())
        if worker_id is None:
            err("case_worker", "unknown_case_worker")
    state = coded.get("case_state")
    return {"opened_on": opened_on, "state": CaseState(state) if state else CaseState.OPEN,
            "case_worker_id": worker_id, "urgent": coded.get("urgency") == Urgency.URGENT.value}
