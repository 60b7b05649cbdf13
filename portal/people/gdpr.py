"""Data-subject rights and retention (GDPR): the DPO's requests, erasure, anonymisation and the retention
job (``flask rete apply-retention``). Who accessed a person is ``access_log.py``; the export, ``export.py``."""
from calendar import monthrange
from datetime import date, datetime
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit.services import record
from ..core.signals import required_answers
from ..extensions import db
from ..i18n import local_day, local_today
from ..tenancy.context import current
from ..tenancy.models import Tenant
from .models import Person
from .services import BLIND_INDEX_COLUMNS, Forbidden, is_node_dpo
from .signals import person_anonymising, retention_starts

# --- data-subject requests (the DPO's) ---

def person_requests(person: Person):
    from .models import DataSubjectRequest

    return list(db.session.scalars(
        select(DataSubjectRequest).where(DataSubjectRequest.person_id == person.id).order_by(DataSubjectRequest.id.desc())
    ))


def open_request(person: Person, kind, *, reference: str | None = None, notes: str | None = None,
                 today: date | None = None):
    """The DPO logs a request. An erasure request anonymises at once unless a legal hold or the
    retention obligation forbids it: then it is closed as refused and the reason returned.

    Returns ``(request, refusal)``; ``refusal`` is None when nothing was refused.
    """
    from flask_login import current_user

    from ..models_base import utcnow
    from .models import DataSubjectRequest, RequestKind, RequestStatus

    if not is_node_dpo(person):
        raise Forbidden()
    kind = RequestKind(kind)
    request = DataSubjectRequest(
        tenant_id=current().tenant_id, person_id=person.id, kind=kind, status=RequestStatus.OPEN,
        reference=(reference or "").strip() or None, notes=(notes or "").strip() or None,
        opened_by_id=current_user.id, opened_at=utcnow(),
    )
    db.session.add(request)
    db.session.flush()
    record("data_subject_request.opened", "data_subject_request", request.id,
           ["kind", "person_id"] + [f for f in ("reference", "notes") if getattr(request, f)])
    refusal = None
    if kind == RequestKind.ERASURE:
        refusal = erasure_refusal(person, today or local_today())
        if refusal is None:
            anonymise(person, reason="erasure_request")
            close_request(request, outcome="anonymised")
        else:
            close_request(request, outcome="refused")
    return request, refusal


def close_request(request, outcome: str = "closed") -> None:
    from flask_login import current_user

    from ..models_base import utcnow
    from .models import RequestStatus

    if not is_node_dpo(request.person):
        raise Forbidden()
    if request.status == RequestStatus.CLOSED:
        return
    request.status = RequestStatus.CLOSED
    request.closed_at = utcnow()
    request.closed_by_id = current_user.id
    request.outcome = outcome
    db.session.flush()
    record("data_subject_request.closed", "data_subject_request", request.id, ["status", "outcome"])


# --- erasure, anonymisation and retention ---

def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, monthrange(year, month)[1]))  # 31/08 -> 28/02


def day_of(value) -> date | None:
    """The day in Rome of a stored moment (retention counts the days people live by); a date as it is."""
    return local_day(value) if isinstance(value, datetime) else value



class UnsentDraft(NamedTuple):
    """A referral the node never received, as the pathway answers ``retention_starts``: a draft, kept
    DRAFT_RETENTION_MONTHS from the day it was last worked on, or one withdrawn before sending, kept no
    longer than the day it was withdrawn."""

    day: date
    withdrawn: bool


def _ends(persons: list[Person]) -> dict[int, tuple[date | None, bool]]:
    """Per person: the retention end (None while active) and whether a draft still being written sets it."""
    from flask import current_app

    years = current_app.config["RETENTION_YEARS"]
    # A draft untouched this long (6 months by default) is abandoned: it never reached the node, so no
    # obligation keeps it, and an antenna completes a real one in days or weeks, not seasons.
    draft_months = current_app.config["DRAFT_RETENTION_MONTHS"]
    if not persons:
        return {}
    # Without the pathway every person would look idle since creation: anonymising them would be wrong.
    answers = required_answers(retention_starts, persons,
                               unanswered="retention_starts has no receiver: the referrals and cases are not loaded")
    starts: dict[int, list] = {p.id: [] for p in persons}
    unsent: dict[int, list[UnsentDraft]] = {p.id: [] for p in persons}
    active: set[int] = set()
    for found, busy, drafts in answers:
        for person_id, days in found.items():
            starts[person_id] += days
        for person_id, rows in drafts.items():
            unsent[person_id] += rows
        active |= busy
    out = {}
    for p in persons:
        if p.id in active:
            out[p.id] = (None, False)
            continue
        ends = [(_add_years(day, years), False) for day in starts[p.id]]
        ends += [(d.day, False) if d.withdrawn else (_add_months(d.day, draft_months), True) for d in unsent[p.id]]
        out[p.id] = max(ends) if ends else (_add_years(day_of(p.created_at), years), False)
    return out


def retention_ends(persons: list[Person]) -> dict[int, date | None]:
    """For each person, the day their data may be kept until, or None while a referral or case is still
    active. The period (RETENTION_YEARS) runs from the latest case closure, referral decision or
    withdrawal, as the pathway answers ``retention_starts``; a referral never sent ends sooner (``UnsentDraft``);
    a person with no referral at all counts from their creation."""
    return {person_id: end for person_id, (end, _draft) in _ends(persons).items()}


def erasure_refusal(person: Person, today: date) -> str | None:
    """Why the person's data cannot be erased today (a message for the DPO), or None if it can."""
    from flask_babel import format_date

    if person.anonymised_at is not None:
        return _("I dati di questa persona sono già stati anonimizzati.")
    if person.legal_hold:
        return _("Cancellazione rifiutata: sui dati di questa persona è attivo un blocco per obblighi di legge (legal hold).")
    if person.retain_until is not None and person.retain_until > today:
        return _("Cancellazione rifiutata: i dati vanno conservati per obbligo di legge fino al %(date)s.",
                 date=format_date(person.retain_until))
    end, draft = _ends([person])[person.id]
    if end is None or (draft and end > today):  # a draft being written is in progress, not kept by law
        return _("Cancellazione rifiutata: la persona ha una segnalazione o una presa in carico ancora in corso. "
                 "Va prima chiusa (o ritirata la segnalazione).")
    if end > today:
        return _("Cancellazione rifiutata: il periodo di conservazione obbligatoria termina il %(date)s.",
                 date=format_date(end))
    return None


def rows_about(model, person: Person) -> list:
    """The person's rows of a domain's table (its ``person_id``), oldest first: what its receivers clear or export."""
    return list(db.session.scalars(select(model).where(model.person_id == person.id).order_by(model.id)))


def clear_columns(rows, columns, prefix: str) -> list[str]:
    """Blank these free-text columns of the rows (anonymisation); the ``prefix.column`` codes cleared."""
    cleared = []
    for row in rows:
        for column in columns:
            if getattr(row, column) is not None:
                setattr(row, column, None)
                cleared.append(f"{prefix}.{column.removesuffix('_enc')}")
    return cleared


def clear_about(model, person: Person, columns, prefix: str) -> tuple[list[int], list[str]]:
    """Blank these columns of the person's rows of ``model``: the rows' ids (for the rows hanging off them)
    and the codes cleared."""
    rows = rows_about(model, person)
    return [row.id for row in rows], clear_columns(rows, columns, prefix)


def anonymise(person: Person, *, reason: str) -> list[str]:
    """Clear identity (ciphertexts and blind indexes), then let every domain clear its free texts and files
    about the person (``person_anonymising``: the referrals' texts, messages and attachments, the cases'
    diary, legal path, documents, closure reason, actions, verifications and transfers' copies, the budget's
    and the alerts' notes); keep the pseudonym, the monitoring attributes and the coded fields (states, dates,
    hours) for statistics. Audited with field names only."""
    from ..models_base import utcnow

    cleared = []
    for name in Person.ENCRYPTED_FIELDS:
        column = vars(Person)[name].column
        if getattr(person, column) is not None:
            setattr(person, column, None)
            cleared.append(name)
    for column in BLIND_INDEX_COLUMNS:
        setattr(person, column, None)
    person.anonymised_at = utcnow()
    for _receiver, codes in person_anonymising.send(person):
        cleared += codes
    db.session.flush()
    record(f"person.anonymised.{reason}", "person", person.id, sorted(set(cleared)) + ["anonymised_at"])
    return cleared


def apply_retention(today: date, batch_size: int = 200) -> dict:
    """Anonymise every person past retention, node by node (acting as the node, so row-level security
    holds even for this job), then each antenna's people it never sent to its node (acting as the antenna:
    only it sees them and their drafts). Legal holds and explicit retention dates are respected."""
    from ..tenancy import context
    from ..tenancy.models import TenantKind

    report = {"anonymised": [], "held": 0, "kept": 0}
    nodes = list(db.session.scalars(select(Tenant).where(Tenant.kind == TenantKind.NODE).order_by(Tenant.id)))
    for node in nodes:
        with context.acting_as(node.id):
            _apply(today, batch_size, report, Person.node_id == node.id)
    antennas = list(db.session.scalars(select(Tenant).where(Tenant.node_id.is_not(None)).order_by(Tenant.id)))
    for antenna in antennas:
        with context.acting_as(antenna.id):
            _apply(today, batch_size, report, Person.tenant_id == antenna.id, Person.shared_at.is_(None))
    return report


def _apply(today: date, batch_size: int, report: dict, *where) -> None:
    last_id = 0
    while True:
        batch = list(db.session.scalars(
            select(Person).where(*where, Person.anonymised_at.is_(None), Person.id > last_id)
            .order_by(Person.id).limit(batch_size)
        ))
        if not batch:
            break
        last_id = batch[-1].id
        ends = retention_ends(batch)
        for person in batch:
            if person.legal_hold:
                report["held"] += 1
            elif (person.retain_until is not None and person.retain_until > today) or ends[person.id] is None \
                    or ends[person.id] > today:
                report["kept"] += 1
            else:
                anonymise(person, reason="retention")
                report["anonymised"].append(person.pseudonym)
