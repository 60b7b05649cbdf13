"""Second-factor recovery codes: ten single-use codes, shown once after enrolment (or regeneration).

Each code carries 80 random bits, so a salted SHA-256 is enough to keep them unusable if the table leaks
(nothing to brute-force, unlike a password); a slow hash would make the code step verify ten of them.
"""
import base64
import hashlib
import secrets

from sqlalchemy import delete, func, select

from ..audit.services import record
from ..extensions import db
from ..models_base import utcnow
from .models import RecoveryCode, User

COUNT = 10


def _normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _digest(user: User, code: str) -> str:
    return hashlib.sha256(f"rete-recovery:{user.id}:{_normalise(code)}".encode()).hexdigest()


def _new_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()  # 16 characters, 80 bits
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def replace(user: User) -> list[str]:
    """New codes for ``user`` (the old ones stop working); the plain codes are returned to show once."""
    remove(user)
    codes = [_new_code() for _ in range(COUNT)]
    now = utcnow()
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_digest(user, c), created_at=now) for c in codes)
    db.session.flush()
    return codes


def regenerate(user: User) -> list[str]:
    """The user asked for new codes (the old ones may have been seen): replaced and audited."""
    codes = replace(user)
    record("2fa.recovery_codes_replaced", "user", user.id, ("recovery_codes",), user_id=user.id)
    return codes


def remove(user: User) -> None:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def remaining(user: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def use(user: User, code: str) -> bool:
    """Spend one unused code; the caller holds the user row lock, so a code cannot be spent twice."""
    if len(_normalise(code)) != 16:
        return False
    row = db.session.scalar(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _digest(user, code),
                                   RecoveryCode.used_at.is_(None))
    )
    if row is None:
        return False
    row.used_at = utcnow()
    db.session.flush()
    return True
