"""Encryption at rest for identifying fields, and blind indexes to search them.

AES-256-GCM with a key id in every ciphertext (``v1.<kid>.<base64 nonce|ciphertext>``). The associated
data binds each ciphertext to its table, column and row, so a value copied onto another row or field
fails to decrypt. Keys come from the environment (``RETE_DATA_KEYS``), never from the database; the
first key encrypts, all of them decrypt, and ``flask rete rotate-keys`` re-encrypts with the first.

Stored files (attachments, case documents, exports…) are sealed the same way as bytes (:func:`seal`), bound to
their random storage key; their names are an :class:`EncryptedField` bound to the same key (:class:`FileNameField`).
"""
import base64
import functools
import hashlib
import hmac
import logging
import os
import unicodedata
import uuid

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from flask_babel import gettext

log = logging.getLogger(__name__)


class DecryptionError(ValueError):
    pass


def _keys() -> list[tuple[str, bytes]]:
    return list(_parse_keys(current_app.config["DATA_KEYS"]))


@functools.lru_cache(maxsize=8)  # parsed once per key list, not once per field (an import encrypts 50,000)
def _parse_keys(spec: str) -> tuple[tuple[str, bytes], ...]:
    keys = []
    for item in spec.split(","):
        kid, _, b64 = item.strip().partition(":")
        key = base64.urlsafe_b64decode(b64)
        if len(key) != 32 or not kid.isalnum():
            raise ValueError("RETE_DATA_KEYS entries must be 'kid:base64(32 bytes)'")
        keys.append((kid, key))
    return tuple(keys)


def active_key_id() -> str:
    return _keys()[0][0]


def encrypt(plaintext: str | None, aad: str) -> str | None:
    if plaintext is None:
        return None
    kid, key = _keys()[0]
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), aad.encode())
    return f"v1.{kid}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(token: str | None, aad: str) -> str | None:
    if token is None:
        return None
    try:
        version, kid, b64 = token.split(".", 2)
        keys = dict(_keys())
        raw = base64.urlsafe_b64decode(b64)
        return AESGCM(keys[kid]).decrypt(raw[:12], raw[12:], aad.encode()).decode()
    except Exception as exc:  # wrong key, wrong row, tampered: all the same to the caller
        raise DecryptionError("cannot decrypt field") from exc


# A sealed file starts with this header, then the key id's length and the key id, then nonce and ciphertext.
# No file the portal keeps starts with a NUL byte (uploads are sniffed PDF, images or office documents;
# exports are XLSX, PDF, CSV or JSON), so a file without it is one stored before files were sealed.
FILE_MAGIC = b"\x00RETE-SEALED-1\x00"


def _file_aad(storage_key: str) -> bytes:
    return f"file.{storage_key}".encode()


def seal(content: bytes, storage_key: str) -> bytes:
    """A file's bytes encrypted with the active key, bound to its storage key (a copy under another key fails)."""
    kid, key = _keys()[0]
    nonce = os.urandom(12)
    return sealed_header(kid) + nonce + AESGCM(key).encrypt(nonce, content, _file_aad(storage_key))


def is_sealed(blob: bytes) -> bool:
    return bytes(blob[:len(FILE_MAGIC)]) == FILE_MAGIC


def sealed_header(kid: str) -> bytes:
    """What every file sealed with key ``kid`` starts with."""
    return FILE_MAGIC + bytes([len(kid)]) + kid.encode()


def sealed_key_id(blob: bytes) -> str | None:
    """The key id a sealed file was written with ("" for a header cut short); None for a file stored before
    sealing."""
    if not is_sealed(blob):
        return None
    start = len(FILE_MAGIC) + 1
    try:
        return bytes(blob[start:start + blob[len(FILE_MAGIC)]]).decode()
    except (IndexError, UnicodeDecodeError):
        return ""


def unseal(blob: bytes, storage_key: str) -> bytes:
    """The plain bytes of a stored file; a file stored before sealing is returned as it is."""
    blob = bytes(blob)
    kid = sealed_key_id(blob)
    if kid is None:
        return blob
    try:
        raw = blob[len(sealed_header(kid)):]
        return AESGCM(dict(_keys())[kid]).decrypt(raw[:12], raw[12:], _file_aad(storage_key))
    except Exception as exc:  # wrong key, another file's bytes, tampered: all the same to the caller
        raise DecryptionError("cannot decrypt file") from exc


def key_id_of(token: str | None) -> str | None:
    return token.split(".", 2)[1] if token else None


def normalise(value: str) -> str:
    """Case-, accent- and space-insensitive form used for blind indexes and matching."""
    value = unicodedata.normalize("NFKD", value)
    value = "".join(c for c in value if not unicodedata.combining(c))
    return " ".join(value.lower().replace("'", " ").split())


def blind_index(value: str | None, purpose: str) -> str | None:
    """Keyed hash of the normalised value: equality search without decrypting everything."""
    if not value:
        return None
    key = current_app.config["BLIND_INDEX_KEY"].encode()
    return hmac.new(key, f"{purpose}:{normalise(value)}".encode(), hashlib.sha256).hexdigest()[:40]


class EncryptedField:
    """Descriptor: ``first_name = EncryptedField("first_name_enc")`` on a model with a ``uid`` column.

    Reading decrypts, writing encrypts; the ciphertext column is the only thing stored.
    """

    def __init__(self, column: str):
        self.column = column

    def __set_name__(self, owner, name):
        self.name = name

    def _aad(self, obj) -> str:
        if not obj.uid:  # the row key must exist before the first encryption binds to it
            obj.uid = uuid.uuid4().hex
        return f"{obj.__tablename__}.{self.name}.{obj.uid}"

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        return decrypt(getattr(obj, self.column), self._aad(obj))

    def __set__(self, obj, value):
        setattr(obj, self.column, encrypt(value or None, self._aad(obj)))

    def reencrypt(self, obj) -> bool:
        token = getattr(obj, self.column)
        if token is None or key_id_of(token) == active_key_id():
            return False
        self.__set__(obj, self.__get__(obj))
        return True


class FileNameField(EncryptedField):
    """A stored file's name (``Mario_Rossi_certificato.pdf`` names a person): encrypted like identity, bound to
    the row's storage key, which is random, unique and set with the file (so it must be set first)."""

    def _aad(self, obj) -> str:
        if not obj.storage_key:
            raise ValueError(f"{type(obj).__name__}: set storage_key before {self.name}")
        return f"{obj.__tablename__}.{self.name}.{obj.storage_key}"

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        if getattr(obj, self.column) is None:
            return None  # an export not ready yet has neither key nor name
        try:
            return super().__get__(obj, owner)
        except DecryptionError:
            # One unreadable name (a key missing from RETE_DATA_KEYS) must not take down the forum thread or the
            # case page that lists it: a neutral name, and the row in the log (its file is refused as well).
            log.error("file name not decryptable: %s %s", type(obj).__name__, getattr(obj, "id", None))
            return gettext("file non leggibile")

    def __set__(self, obj, value):
        if not value:
            setattr(obj, self.column, None)
        else:
            super().__set__(obj, value)


def encrypted_fields() -> dict[type, list[EncryptedField]]:
    """Every mapped model with EncryptedField attributes, found generically (new models included)."""
    from .extensions import db

    found: dict[type, list[EncryptedField]] = {}
    for mapper in db.Model.registry.mappers:
        cls = mapper.class_
        fields, seen = [], set()
        for klass in cls.__mro__:
            for name, value in vars(klass).items():
                if isinstance(value, EncryptedField) and name not in seen:
                    seen.add(name)
                    fields.append(value)
        if fields:
            found[cls] = sorted(fields, key=lambda f: f.name)
    return dict(sorted(found.items(), key=lambda item: item[0].__name__))


def rotate_all(batch_size: int = 200) -> tuple[dict[str, int], list[str]]:
    """Re-encrypt with the active key every ciphertext written under another key, in committed batches.

    Run in system context (every tenant's rows). A plain UPDATE of the ciphertext columns: rotating a
    key is not a change of the data, so versions and ``updated_at`` stay as they are.
    Returns (re-encrypted values per ``Model.field``, rows that could not be decrypted).
    """
    from sqlalchemy import and_, or_, select, update

    from .extensions import db

    kid = active_key_id()
    prefix = f"v1.{kid}."
    counts: dict[str, int] = {}
    failures: list[str] = []
    for cls, fields in encrypted_fields().items():
        table = cls.__table__
        columns = [getattr(cls, field.column) for field in fields]
        stale = or_(*[and_(column.isnot(None), ~column.startswith(prefix, autoescape=True)) for column in columns])
        last_id = 0
        while True:
            rows = db.session.scalars(select(cls).where(stale, cls.id > last_id).order_by(cls.id).limit(batch_size)).all()
            if not rows:
                break
            last_id = rows[-1].id
            for obj in rows:
                values = {}
                for field in fields:
                    token = getattr(obj, field.column)
                    if token is None or key_id_of(token) == kid:
                        continue
                    aad = field._aad(obj)
                    try:
                        values[field.column] = encrypt(decrypt(token, aad), aad)
                    except DecryptionError:
                        failures.append(f"{cls.__name__} {obj.id} {field.name}")
                        continue
                    key = f"{cls.__name__}.{field.name}"
                    counts[key] = counts.get(key, 0) + 1
                if values:
                    db.session.execute(update(table).where(table.c.id == obj.id).values(**values))
            db.session.commit()
    return counts, failures
