"""API keys: ``rete_<tenant id>_<key id>_<secret>``, shown once; only SHA-256(secret) is stored.

The secret is 256 random bits, so a plain SHA-256 is enough (no slow hash: nothing to brute-force) and
the comparison is constant-time. The tenant id lets the look-up run under that tenant's scoping (and
RLS on PostgreSQL): the app never reads the clients table unscoped.
"""
import hashlib
import hmac
import re
import secrets

from ..core.edge import DB_INT_MAX

KEY_RE = re.compile(r"^rete_(\d{1,10})_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$")


def new_key(tenant_id: int) -> tuple[str, str, str]:
    """(full key to show once, key id, hash of the secret to store)."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return f"rete_{tenant_id}_{key_id}_{secret}", key_id, hash_secret(secret)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse(key: str) -> tuple[int, str, str] | None:
    match = KEY_RE.match(key or "")
    # A tenant id past the database's integer names no tenant: looked up, it overflowed (a 500 before any
    # authentication, from the rate limiter's key).
    if match is None or int(match.group(1)) > DB_INT_MAX:
        return None
    return int(match.group(1)), match.group(2), match.group(3)


def matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)
