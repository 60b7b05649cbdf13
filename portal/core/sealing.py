"""Every stored file sealed with the active data key (``flask rete rotate-keys``): files sealed under an older
key, and files stored before files were sealed (portal/core/storage.py).

The tables that keep files are found by their content columns' ``file_key`` info (``models_base.file_content``);
the local folders are walked for the files those tables expect there (a row without bytes in its column), by
name, so nothing else an operator keeps under ATTACHMENT_DIR is touched. Rows are read a batch of ids at a time
and each file's bytes one at a time (a file may be 5 MB), and only rows whose bytes do not already begin with
the active key's header are read at all. Run in system context; commits per batch.
"""
import os
import tempfile

from flask import current_app
from sqlalchemy import LargeBinary, and_, func, literal, select, update

from .. import crypto
from ..extensions import db
from . import storage


def _file_columns():
    """(table, content column, key column) of every table that keeps files."""
    for mapper in db.Model.registry.mappers:
        table = mapper.class_.__table__
        for column in table.columns:
            if column.info.get("file_key"):
                yield table, column, table.c[column.info["file_key"]]


class _Resealer:
    def __init__(self):
        self.header = crypto.sealed_header(crypto.active_key_id())
        self.count = 0
        self.failures: list[str] = []

    def again(self, blob: bytes, storage_key: str, where: str) -> bytes | None:
        """``blob`` (not under the active key: the callers read only those) sealed with it; None when it cannot
        be read (a failure)."""
        try:
            plain = crypto.unseal(blob, storage_key)
        except crypto.DecryptionError:
            self.failures.append(where)
            return None
        self.count += 1
        return crypto.seal(plain, storage_key)

    def columns(self, batch_size: int) -> None:
        for table, content, key in _file_columns():
            head = func.substr(content, 1, len(self.header), type_=LargeBinary)
            stale = and_(content.isnot(None), head != literal(self.header, LargeBinary))
            last_id = 0
            while ids := db.session.execute(select(table.c.id, key).where(stale, table.c.id > last_id)
                                            .order_by(table.c.id).limit(batch_size)).all():
                last_id = ids[-1][0]
                for row_id, storage_key in ids:
                    # The key in both statements: a file replaced meanwhile (minutes, an agreement) keeps its
                    # new bytes instead of getting the old ones back.
                    mine = and_(table.c.id == row_id, key == storage_key)
                    blob = db.session.scalar(select(content).where(mine))
                    sealed = self.again(blob, storage_key, f"{table.name} {row_id}") if blob is not None else None
                    if sealed is not None:
                        db.session.execute(update(table).where(mine).values({content.name: sealed}))
                db.session.commit()

    def folders(self) -> None:
        expected = set()
        for _table, content, key in _file_columns():
            expected |= set(db.session.scalars(select(key).where(content.is_(None), key.isnot(None))))
        db.session.commit()
        for folder in sorted(_folders()):
            for root, _dirs, names in os.walk(folder):
                for name in names:
                    if name in expected:
                        self._file(os.path.join(root, name), name)

    def _file(self, path: str, storage_key: str) -> None:
        try:
            with open(path, "rb") as stored:
                if stored.read(len(self.header)) == self.header:
                    return
                stored.seek(0)
                sealed = self.again(stored.read(), storage_key, path)
            if sealed is None:
                return
            # A new file beside it, renamed over it: a crash leaves the old or the new one, never half of one
            # (and a temporary name no later run mistakes for a stored file).
            handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".sealing-")
            with os.fdopen(handle, "wb") as out:
                out.write(sealed)
            if os.path.exists(path):  # not erased meanwhile: an erased file must not come back
                os.replace(temporary, path)
            else:
                os.remove(temporary)
        except OSError as exc:
            self.failures.append(f"{path}: {exc.strerror}")


def _folders() -> set[str]:
    config = current_app.config
    found = {config["ATTACHMENT_DIR"]} | {config[s] for s in storage.FOLDER_SETTINGS.values() if config.get(s)}
    return {folder for folder in found if folder and os.path.isdir(folder)}


def reseal_all(batch_size: int = 200) -> tuple[int, list[str]]:
    """Seal again with the active key every file not sealed with it. Returns (files sealed, files that could
    not be read or written, by table and row or by path)."""
    resealer = _Resealer()
    resealer.columns(batch_size)
    resealer.folders()
    return resealer.count, resealer.failures
