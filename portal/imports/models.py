"""An import batch (one uploaded file, its column mapping and its state) and the outcome of each row.

Both tables are the importing tenant's alone (``TenantOwned``, RLS). The file's cells are identity and
special-category data: they are kept only as ciphertext (``headers`` and ``rows``, bound to the batch's
``uid``), only until the batch is confirmed, undone or discarded, and at the latest until ``flask rete
expire-imports`` drops them (``unfinished.py``). Row results store codes (error and warning codes, field
names), never cell values.
"""
import json
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..crypto import EncryptedField
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..models_base import CreatedBy, LabelledEnum, RowUid, Versioned
from ..tenancy.mixins import TenantOwned
from ..tenancy.models import enum_column


class BatchState(LabelledEnum):
    DRAFT = "draft", _l("Caricato: scegli le colonne")  # uploaded, columns not yet mapped
    CHECKED = "checked", _l("Verificato, da importare")  # dry run done: per-row errors and possible duplicates known
    IMPORTING = "importing", _l("Importazione in corso")  # rows are being created in chunks (the job queue)
    # Every valid row created (or the import stopped, the rows not reached failed: unfinished.close_stalled); undoable
    IMPORTED = "imported", _l("Importato: da confermare o annullare")
    CONFIRMED = "confirmed", _l("Confermato")  # final: no undo, file content dropped
    UNDONE = "undone", _l("Annullato")  # what the batch created was removed


STATE_LABELS = BatchState.labels()


class RowStatus(LabelledEnum):
    VALID = "valid", _l("Valida")
    INVALID = "invalid", _l("Con errori: non sarà importata")
    ALREADY_IMPORTED = "already_imported", _l("Già importata: saltata")  # the same row key exists already (an earlier import): skipped
    CREATED = "created", _l("Importata")
    FAILED = "failed", _l("Rifiutata")  # refused by the services at import time (the reason code is in ``errors``)
    REMOVED = "removed", _l("Rimossa con l'annullamento")  # undone


ROW_LABELS = RowStatus.labels()


class ImportBatch(TenantOwned, RowUid, Versioned, CreatedBy, db.Model):
    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="referrals")
    filename: Mapped[str] = mapped_column(String(200))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[BatchState] = mapped_column(enum_column(BatchState, name="import_batch_state"))
    # Only batches uploaded before the header moved into the ciphertext: a file without a header row has
    # its first person there. Emptied when their rows are dropped.
    plain_headers: Mapped[list] = mapped_column("headers", JSON, default=list)
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)  # Rete field -> column index
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    valid_rows: Mapped[int] = mapped_column(Integer, default=0)
    invalid_rows: Mapped[int] = mapped_column(Integer, default=0)
    duplicate_rows: Mapped[int] = mapped_column(Integer, default=0)  # rows with a possible-duplicate warning
    existing_rows: Mapped[int] = mapped_column(Integer, default=0)  # already imported before: skipped
    done_rows: Mapped[int] = mapped_column(Integer, default=0)  # progress of the import
    created_rows: Mapped[int] = mapped_column(Integer, default=0)
    failed_rows: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # confirmed or undone

    # The file's table, {"headers": [...], "rows": [[...], ...]} (before: the rows' list alone).
    rows_enc: Mapped[str | None] = mapped_column(Text)
    rows_json = EncryptedField("rows_enc")

    @property
    def headers(self) -> list[str]:
        """The file's column names: its first row, which may be a person's when the file has no header."""
        return self._table()["headers"]

    @headers.setter
    def headers(self, value: list[str]) -> None:
        self._store(value, self.rows)

    @property
    def rows(self) -> list[list[str]]:
        return self._table()["rows"]

    @rows.setter
    def rows(self, value: list[list[str]] | None) -> None:
        """None drops the file's content, its column names with it."""
        self._store(self.headers if value else None, value)

    def _table(self) -> dict:
        # Decrypted once per ciphertext: the dry run reads the headers for every row.
        token, cached = getattr(self, "_decrypted", (None, None))
        if cached is None or token is not self.rows_enc:
            value = self.rows_json
            cached = json.loads(value) if value else {"headers": [], "rows": []}
            if isinstance(cached, list):
                cached = {"headers": self.plain_headers or [], "rows": cached}
            self._decrypted = (self.rows_enc, cached)
        return cached

    def _store(self, headers: list[str] | None, rows: list[list[str]] | None) -> None:
        table = {"headers": headers or [], "rows": rows or []}
        self.rows_json = json.dumps(table, ensure_ascii=False, separators=(",", ":")) if headers or rows else None
        self.plain_headers = []


class ImportRow(TenantOwned, db.Model):
    """One data row of the file (``number`` as the spreadsheet shows it, the header being row 1)."""

    __tablename__ = "import_rows"
    __table_args__ = (
        UniqueConstraint("batch_id", "number", name="uq_import_rows_batch_number"),
        Index("ix_import_rows_batch_status", "batch_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"))
    number: Mapped[int] = mapped_column(Integer)
    # Keyed hash (external id or the row's content): the referral's submission key, so the same row is
    # created once whatever file or batch brings it again.
    row_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[RowStatus] = mapped_column(enum_column(RowStatus, name="import_row_status"))
    errors: Mapped[list] = mapped_column(JSON, default=list)  # [[field, code], ...]
    warnings: Mapped[list] = mapped_column(JSON, default=list)  # [[code, detail], ...] detail: a row number or a pseudonym
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)  # has warnings: listed in the dry run's table
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"))
