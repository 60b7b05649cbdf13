"""The sealed-file format of release 0052 (``portal/crypto.py`` ``seal``), as migration 0052's downgrade opens
it (frozen: see __init__.py): ``FILE_MAGIC``, the key id's length and the key id, a 12-byte nonce, then AES-GCM
ciphertext whose associated data is ``file.<storage key>``. A file without the header is returned as it is."""
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

from helpers.crypto_v1 import _keys

FILE_MAGIC = b"\x00RETE-SEALED-1\x00"

# (table, content column, key column) of every table that kept files at 0052.
FILE_COLUMNS = (
    ("attachments", "content", "storage_key"), ("case_documents", "content", "storage_key"),
    ("forum_attachments", "content", "storage_key"), ("public_report_files", "content", "storage_key"),
    ("export_jobs", "content", "storage_key"), ("governance_minutes", "attachment_content", "attachment_key"),
    ("network_agreements", "content", "storage_key"), ("network_applications", "content", "storage_key"),
)
FOLDER_SETTINGS = ("ATTACHMENT_DIR", "FORUM_ATTACHMENT_DIR", "GOVERNANCE_ATTACHMENT_DIR")


def unseal(blob: bytes, storage_key: str) -> bytes:
    blob = bytes(blob)
    if not blob.startswith(FILE_MAGIC):
        return blob
    size = blob[len(FILE_MAGIC)]
    start = len(FILE_MAGIC) + 1
    kid, raw = blob[start:start + size].decode(), blob[start + size:]
    return AESGCM(_keys()[kid]).decrypt(raw[:12], raw[12:], f"file.{storage_key}".encode())  # a wrong key raises


def folders() -> set[str]:
    config = current_app.config
    return {config[s] for s in FOLDER_SETTINGS if config.get(s) and os.path.isdir(config[s])}
