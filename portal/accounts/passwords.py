"""Password hashing (argon2id) and the password policy."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
_default = PasswordHasher()
# Test suites log in thousands of times: they may opt into cheap parameters (never in production).
_fast = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


def _hasher() -> PasswordHasher:
    from flask import current_app, has_app_context

    if has_app_context() and current_app.config.get("TESTING") and current_app.config.get("FAST_PASSWORD_HASH"):
        return _fast
    return _default


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def policy_problems(password: str, email: str = "") -> list[str]:
    """Human-readable reasons why a password is refused (empty list: accepted)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_l("La password deve contenere almeno %(n)d caratteri.", n=MIN_LENGTH))
    if len(set(password)) < 5:
        problems.append(_l("La password deve contenere almeno 5 caratteri diversi."))
    local = email.split("@")[0].lower()
    if len(local) >= 4 and local in password.lower():
        problems.append(_l("La password non deve contenere il tuo indirizzo e-mail."))
    return problems
