"""The receipt code: 16 digits from ``secrets``, shown once, stored only as an argon2id hash.

To find a report from a code without trying every hash, ``public_report_keys`` holds a keyed HMAC of the
code (the blind-index key, which lives outside the database); the argon2 hash is then verified. A code that
matches no key is still verified against a dummy hash, so a wrong code and a right one take the same time.
"""
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..crypto import blind_index

DIGITS = 16
_default = PasswordHasher()
_fast = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)  # test suites only (FAST_PASSWORD_HASH)
_DUMMY = {}


def _hasher() -> PasswordHasher:
    from flask import current_app, has_app_context

    if has_app_context() and current_app.config.get("TESTING") and current_app.config.get("FAST_PASSWORD_HASH"):
        return _fast
    return _default


def new_code() -> str:
    return f"{secrets.randbelow(10 ** DIGITS):0{DIGITS}d}"


def normalise(typed: str | None) -> str | None:
    """Digits only (people copy it with spaces or dashes); None unless exactly 16 of them."""
    digits = "".join(c for c in (typed or "") if c.isdigit())
    return digits if len(digits) == DIGITS else None


def grouped(code: str) -> str:
    return " ".join(code[i:i + 4] for i in range(0, len(code), 4))


def prefix(typed: str | None) -> str:
    """The first four digits: the key of the per-prefix rate limit (not secret, not enough to find anything)."""
    return "".join(c for c in (typed or "") if c.isdigit())[:4] or "-"


def lookup(code: str) -> str:
    return blind_index(code, "public_report_receipt")


def hash_code(code: str) -> str:
    return _hasher().hash(code)


def verify(code_hash: str | None, code: str) -> bool:
    hasher = _hasher()
    if code_hash is None:  # no such code: spend the same time on a dummy hash
        key = id(hasher)
        if key not in _DUMMY:
            _DUMMY[key] = hasher.hash(secrets.token_hex(8))
        code_hash, code = _DUMMY[key], code + "x"
    try:
        return hasher.verify(code_hash, code)
    except (VerificationError, InvalidHashError):
        return False
