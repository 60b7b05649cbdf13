"""The ``v1`` ciphertext format (AES-256-GCM, ``v1.<kid>.<base64 nonce|ciphertext>``, associated data
binding table, field and row) as migration 0018 re-encrypts with it (frozen: see __init__.py).

Keys come from the application's configuration (``RETE_DATA_KEYS``), never from the database: the first
key encrypts, all of them decrypt. A wrong key raises, which stops the upgrade with nothing lost.
"""
import base64
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app


def _keys() -> dict[str, bytes]:
    pairs = (item.strip().partition(":") for item in current_app.config["DATA_KEYS"].split(","))
    return {kid: base64.urlsafe_b64decode(b64) for kid, _, b64 in pairs}


def encrypt(plaintext: str | None, aad: str) -> str | None:
    if plaintext is None:
        return None
    kid, key = next(iter(_keys().items()))
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), aad.encode())
    return f"v1.{kid}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(token: str | None, aad: str) -> str | None:
    if token is None:
        return None
    _version, kid, b64 = token.split(".", 2)
    raw = base64.urlsafe_b64decode(b64)
    return AESGCM(_keys()[kid]).decrypt(raw[:12], raw[12:], aad.encode()).decode()
