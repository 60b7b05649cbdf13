"""Bulk import: upload, column mapping and dry run, the import in chunks, undo and confirmation.

Rows become people and referral drafts through ``referrals.services.create_with_person``, the service of
the new-referral form: identity encrypted, pseudonyms, blind indexes and audit exactly as for one referral
typed in. Its submission key is the row's keyed hash, so the same row creates one referral whatever file,
batch or retry brings it again. Drafts, not sent referrals: the antenna reviews and sends them as usual, and
until then the node sees nothing, so undoing a batch removes what it created without a trace at the node.

The batch is audited (uploaded, checked, started, completed, confirmed, undone: counts live on the batch
row, never cell values); each person and referral created is audited by its own service.
"""
import hashlib
import json
import logging

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..accounts.permissions import Capability, can, can_in_node
from ..audit.services import record
from ..core import bulk
from ..core.errors import Forbidden  # noqa: F401  (re-exported: <domain>.Forbidden)
from ..crypto import blind_index, normalise
from ..extensions import db
from ..models_base import utcnow
from ..people.services import record_identity_reads, remembering_tax_codes
from ..referrals.models import Referral
from ..tenancy.context import current
from ..tenancy.models import Tenant
from . import cases as node_cases
from . import fields as F
from .models import BatchState, ImportBatch, ImportRow, RowStatus
from .parsing import overflows, read_table

log = logging.getLogger(__name__)
CHUNK = 500
KEY_PREFIX = "import-"
REFERRALS, CASES = "referrals", "cases"  # ImportBatch.kind: an antenna's referrals, a node's own cases


class ImportError_(ValueError):
    """A refused step, with a message for the user."""


def import_kind() -> str | None:
    """What the current user may import: referrals (who may create them: the antenna's operators and
    administrators) or the node's own cases (its coordinator, who assigns cases); None: nothing."""
    if can(Capability.REFER):
        return REFERRALS
    if can_in_node(Capability.IMPORT_CASES):
        return CASES
    return None


def may_import() -> bool:
    return import_kind() is not None


def _require(batch: ImportBatch | None = None):
    kind = import_kind()
    if kind is None or (batch is not None and batch.kind != kind):
        raise Forbidden()


def batches() -> list[ImportBatch]:
    return list(db.session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(50)))


def get_batch(batch_id: int) -> ImportBatch | None:
    """The current tenant's batch (another tenant's is None: the scoping hides it)."""
    return db.session.get(ImportBatch, batch_id)


def upload(filename: str, data: bytes) -> ImportBatch:
    """Read the file (FileError if it cannot be imported) into a new draft batch with a guessed mapping."""
    _require()
    headers, rows = read_table(filename, data)
    ctx, kind = current(), import_kind()
    batch = ImportBatch(tenant_id=ctx.tenant_id, filename=(filename or "")[-200:] or "import", state=BatchState.DRAFT,
                        file_sha256=hashlib.sha256(data).hexdigest(), created_by_id=ctx.user_id,
                        mapping=F.guess_mapping(headers, kind), total_rows=len(rows), kind=kind)
    batch.headers, batch.rows = headers, rows
    db.session.add(batch)
    db.session.flush()
    record("import.uploaded", "import_batch", batch.id, ["rows"])
    return batch


def earlier_batch_of_same_file(batch: ImportBatch) -> ImportBatch | None:
    return db.session.scalar(select(ImportBatch).where(
        ImportBatch.file_sha256 == batch.file_sha256, ImportBatch.id != batch.id,
        ImportBatch.state.in_([BatchState.IMPORTED, BatchState.CONFIRMED, BatchState.IMPORTING]),
    ).order_by(ImportBatch.id.desc()).limit(1))


# --- dry run ------------------------------------------------------------------------------------------

def _points(tenant_id: int) -> dict[str, int]:
    from ..referrals.services import information_points

    return {normalise(p.name): p.id for p in information_points(tenant_id)}


def row_key(tenant_id: int, cells: dict, checked: F.Checked) -> str:
    """Keyed hash naming the row: its external id when mapped, else its normalised content. Keyed (as the
    blind indexes), so the key reveals nothing of the identity it is computed from."""
    external = (cells.get("external_id") or "").strip()
    if external:
        basis = f"{tenant_id}|id|{normalise(external)}"
    else:
        content = {**checked.identity, **{k: v for k, v in checked.data.items()},
                   **{k: v for k, v in checked.monitoring.items()}}
        basis = f"{tenant_id}|row|" + json.dumps(content, default=str, sort_keys=True)
    return KEY_PREFIX + blind_index(basis, "import_row")


def _cells(row: list[str], mapping: dict) -> dict:
    return {field: row[index] if index < len(row) else "" for field, index in mapping.items()}


def set_mapping(batch: ImportBatch, mapping: dict[str, int | None]) -> None:
    """Store the column chosen for each Rete field; each required field needs one."""
    if batch.state not in (BatchState.DRAFT, BatchState.CHECKED):
        raise ImportError_(_("L'importazione è già stata eseguita."))
    keys = {f.key for f in F.fields_for(batch.kind)}
    clean = {field: int(index) for field, index in mapping.items()
             if field in keys and index is not None and 0 <= int(index) < len(batch.headers)}
    missing = [field for field in F.required_for(batch.kind) if field not in clean]
    if missing and batch.kind == CASES:
        raise ImportError_(_("Scegli una colonna per ogni campo obbligatorio (nome, cognome, ambito, data di "
                             "apertura del caso)."))
    if missing:
        raise ImportError_(_("Scegli una colonna per ogni campo obbligatorio (nome, cognome, ambito)."))
    batch.mapping = clean


@remembering_tax_codes()  # each codice fiscale decoded once in the run, none kept after it
def dry_run(batch: ImportBatch) -> None:
    """Check every row and store its result: errors (field, code), possible duplicates, already imported."""
    _require(batch)
    from ..people.models import Person
    from ..people.services import identity_indexes

    if batch.state not in (BatchState.DRAFT, BatchState.CHECKED):
        raise ImportError_(_("L'importazione è già stata eseguita."))
    tenant_id = current().tenant_id
    lookup, points, workers = _lookups(batch)
    results, seen, keys_seen = [], {}, {}
    for offset, raw in enumerate(batch.rows):
        number = offset + 2  # the header is row 1, as the spreadsheet shows it
        cells = _cells(raw, batch.mapping)
        checked = F.check_row(cells, lookup, points, workers=workers)
        if overflows(raw, batch.headers):  # the shifted cells' own errors would only mislead
            checked.errors = [["row", "extra_cells"]]
        key = row_key(tenant_id, cells, checked)
        warnings, indexes = [], {}
        if key in keys_seen:
            checked.errors.append(["external_id" if cells.get("external_id") else "row", "repeated_row"])
        keys_seen.setdefault(key, number)
        if checked.ok:
            identity = checked.identity
            indexes = identity_indexes(identity["first_name"], identity["last_name"], identity["birth_year"],
                                       identity["tax_code"])
            for column in ("tax_code_bidx", "name_year_bidx"):
                value = indexes[column]
                if value and value in seen and seen[value] != number:
                    warnings.append(["duplicate_in_file", str(seen[value])])
                    break
            for column in ("tax_code_bidx", "name_year_bidx"):
                if indexes[column]:
                    seen.setdefault(indexes[column], number)
        results.append({"number": number, "key": key, "checked": checked, "warnings": warnings, "indexes": indexes})
    valid = [r for r in results if r["checked"].ok]
    existing_keys = _existing(Referral.submission_key, [r["key"] for r in valid])
    by_index = _existing_people(Person, valid)
    db.session.execute(delete(ImportRow).where(ImportRow.batch_id == batch.id))
    counts = dict.fromkeys(("valid", "invalid", "duplicate", "existing"), 0)
    objects, reads = [], []
    for r in results:
        if not r["checked"].ok:
            status = RowStatus.INVALID
        elif r["key"] in existing_keys:
            status = RowStatus.ALREADY_IMPORTED
        else:
            status = RowStatus.VALID
            for column in ("tax_code_bidx", "name_year_bidx"):
                match = by_index.get(r["indexes"].get(column))
                if match:
                    pseudonym, person_id = match
                    r["warnings"].append(["possible_duplicate", pseudonym])
                    # A row's identity matched to a pseudonym is an identity search (as /persone/cerca): in
                    # the person's access log, and counted by the unusual-access check.
                    reads.append((person_id, ["import", "tax_code" if column == "tax_code_bidx" else "name_year"]))
                    break
        counts[{RowStatus.INVALID: "invalid", RowStatus.ALREADY_IMPORTED: "existing"}.get(status, "valid")] += 1
        counts["duplicate"] += bool(r["warnings"]) and status == RowStatus.VALID
        objects.append(ImportRow(tenant_id=tenant_id, batch_id=batch.id, number=r["number"], row_key=r["key"],
                                 status=status, errors=r["checked"].errors, warnings=r["warnings"],
                                 flagged=bool(r["warnings"])))
    db.session.add_all(objects)
    record_identity_reads(reads)
    batch.valid_rows, batch.invalid_rows = counts["valid"], counts["invalid"]
    batch.duplicate_rows, batch.existing_rows = counts["duplicate"], counts["existing"]
    batch.state = BatchState.CHECKED
    db.session.flush()
    record("import.checked", "import_batch", batch.id, sorted(batch.mapping))


def _lookups(batch: ImportBatch):
    """Read once per batch or chunk: the codes, the antenna's information points, the node's case workers."""
    if batch.kind == CASES:
        return F.code_lookup(), {}, node_cases.workers()
    return F.code_lookup(), _points(batch.tenant_id), None


def _existing(column, values: list) -> set:
    found = set()
    for start in range(0, len(values), CHUNK):
        found.update(db.session.scalars(select(column).where(column.in_(values[start:start + CHUNK]))))
    return found


def _existing_people(Person, rows: list) -> dict:
    """Blind index -> (pseudonym, id) of the tenant's people (the scoping: an antenna's own) matching a row."""
    values = sorted({v for r in rows for c in ("tax_code_bidx", "name_year_bidx") if (v := r["indexes"].get(c))})
    found = {}
    for start in range(0, len(values), CHUNK):
        part = values[start:start + CHUNK]
        for pseudonym, person_id, tax, name_year in db.session.execute(
            select(Person.pseudonym, Person.id, Person.tax_code_bidx, Person.name_year_bidx)
            .where(Person.anonymised_at.is_(None))
            .where((Person.tax_code_bidx.in_(part)) | (Person.name_year_bidx.in_(part)))
        ):
            for value in (tax, name_year):
                if value in part:
                    found.setdefault(value, (pseudonym, person_id))
    return found


# --- the import ---------------------------------------------------------------------------------------

def start(batch: ImportBatch, expected_version) -> None:
    """Mark the checked batch as importing (the rows are created by ``import_chunk``, in a job)."""
    from ..core.locking import check_version

    _require(batch)
    check_version(batch, expected_version)
    if batch.state == BatchState.IMPORTING:
        return  # a resume: the rows already created are skipped by their keys
    if batch.state != BatchState.CHECKED:
        raise ImportError_(_("Prima verifica il file (prova senza importare)."))
    if not batch.valid_rows:
        raise ImportError_(_("Nessuna riga valida da importare."))
    batch.state = BatchState.IMPORTING
    batch.done_rows = 0
    db.session.flush()
    record("import.started", "import_batch", batch.id, ["valid_rows"])


@remembering_tax_codes()  # checked with its row, then again when the person is created
def import_chunk(batch: ImportBatch, size: int = CHUNK) -> int:
    """Create the next ``size`` valid rows through the referral form's service; return how many were done.

    The chunk runs in one savepoint; if the services refuse a row (the dry run should have caught it), the
    chunk is rolled back and done again row by row, each in its own savepoint, the refused rows marked
    failed. When no row is left the batch becomes ``imported``."""
    _require(batch)
    if batch.state != BatchState.IMPORTING:
        return 0
    rows = list(db.session.scalars(select(ImportRow).where(ImportRow.batch_id == batch.id,
                                                           ImportRow.status == RowStatus.VALID)
                                   .order_by(ImportRow.number).limit(size)))
    if not rows:
        batch.state, batch.imported_at = BatchState.IMPORTED, utcnow()
        db.session.flush()
        record("import.completed", "import_batch", batch.id, ["created_rows", "failed_rows"])
        return 0
    data_rows, mapping = batch.rows, batch.mapping
    lookup, points, workers = _lookups(batch)
    create = node_cases.create_case if batch.kind == CASES else _create
    work = [(row.id, row.row_key, F.check_row(_cells(data_rows[row.number - 2], mapping), lookup, points,
                                              workers=workers)) for row in rows]
    existing = _existing(Referral.submission_key, [key for _id, key, _checked in work])  # imported meanwhile
    try:
        with db.session.begin_nested(), bulk.batched():
            _hold_tenants(batch.tenant_id)
            outcomes = [create(key, checked, key_checked=key not in existing) for _id, key, checked in work]
    except (*REFUSALS, IntegrityError) as exc:  # a row refused, or its key taken by a concurrent import
        log.warning("import batch %s: chunk redone row by row (%s)", batch.id, type(exc).__name__)  # no cell values
        outcomes = []
        for _id, key, checked in work:
            try:
                with db.session.begin_nested():
                    outcomes.append(create(key, checked))
            except REFUSALS:
                outcomes.append(None)
    created = failed = 0
    for row, outcome in zip(rows, outcomes, strict=True):
        if outcome is None:
            row.status, row.errors = RowStatus.FAILED, [["row", "refused"]]
            failed += 1
        elif outcome[1]:
            row.status, row.referral_id, row.person_id = RowStatus.CREATED, outcome[0].id, outcome[0].person_id
            created += 1
        else:
            row.status = RowStatus.ALREADY_IMPORTED
    batch.created_rows += created
    batch.failed_rows += failed
    batch.done_rows += len(rows)
    db.session.flush()
    return len(rows)


def _refusals():
    from ..people.services import PersonError
    from ..referrals.services import ReferralError

    return (PersonError, ReferralError)


REFUSALS = _refusals()


def _create(key: str, checked: F.Checked, key_checked: bool = False):
    from ..referrals.services import create_with_person

    return create_with_person(identity=checked.identity, monitoring=checked.monitoring, data=checked.data,
                              submission_key=key, key_checked=key_checked)


def _hold_tenants(tenant_id: int) -> None:
    """Keep the importing tenant and its node in the session for the batch: the services read them for
    every row, and the identity map alone would let them go (and read them again) between rows."""
    held = bulk.kept()
    if held is not None:
        tenant = db.session.get(Tenant, tenant_id)
        held["tenants"] = (tenant, db.session.get(Tenant, tenant.node_id) if tenant.node_id else None)


def progress(batch: ImportBatch) -> int:
    """Percentage of the valid rows done (for the progress bar)."""
    if batch.state in (BatchState.IMPORTED, BatchState.CONFIRMED, BatchState.UNDONE):
        return 100
    return int(100 * batch.done_rows / batch.valid_rows) if batch.valid_rows else 0


# --- after the import ---------------------------------------------------------------------------------

def confirm(batch: ImportBatch, expected_version) -> None:
    """Final: no undo any more; the file's content is dropped."""
    from ..core.locking import check_version

    _require(batch)
    check_version(batch, expected_version)
    if batch.state != BatchState.IMPORTED:
        raise ImportError_(_("Si può confermare solo un'importazione completata."))
    batch.state, batch.finished_at, batch.rows = BatchState.CONFIRMED, utcnow(), None
    db.session.flush()
    record("import.confirmed", "import_batch", batch.id, ["created_rows"])


def undo(batch: ImportBatch, expected_version) -> int:
    """Remove the drafts (and their people) the batch created; refused if any was sent meanwhile."""
    from ..core.locking import check_version
    from ..referrals.discard import discard_draft, discardable

    _require(batch)
    check_version(batch, expected_version)
    if batch.state != BatchState.IMPORTED:
        raise ImportError_(_("Si può annullare solo un'importazione completata e non ancora confermata."))
    rows = list(db.session.scalars(select(ImportRow).where(ImportRow.batch_id == batch.id,
                                                           ImportRow.status == RowStatus.CREATED)))
    referrals = {r.id: r for r in db.session.scalars(select(Referral).where(
        Referral.id.in_([row.referral_id for row in rows])))} if rows else {}
    if batch.kind == CASES:
        found = list(referrals.values())
        untouched = set().union(*(node_cases.undoable(found[at:at + CHUNK], batch.imported_at)
                                  for at in range(0, len(found), CHUNK)))
        undoable, discard = (lambda referral: referral.id in untouched), node_cases.discard_case
    else:
        undoable, discard = discardable, discard_draft
    blocked = sum(1 for row in rows if row.referral_id not in referrals or not undoable(referrals[row.referral_id]))
    if blocked and batch.kind == CASES:
        raise ImportError_(ngettext(
            "%(num)d caso importato è già stato modificato o ha note, azioni o documenti: l'importazione non può "
            "più essere annullata.", "%(num)d casi importati sono già stati modificati o hanno note, azioni o "
            "documenti: l'importazione non può più essere annullata.", blocked))
    if blocked:
        raise ImportError_(ngettext(
            "%(num)d segnalazione importata è già stata inviata al nodo o ha allegati: l'importazione non può più "
            "essere annullata.", "%(num)d segnalazioni importate sono già state inviate al nodo o hanno allegati: "
            "l'importazione non può più essere annullata.", blocked))
    for row in rows:
        referral = referrals[row.referral_id]
        row.referral_id, row.person_id, row.status = None, None, RowStatus.REMOVED
        db.session.flush()
        discard(referral)
    batch.state, batch.finished_at, batch.rows = BatchState.UNDONE, utcnow(), None
    db.session.flush()
    record("import.undone", "import_batch", batch.id, ["created_rows"])
    return len(rows)
