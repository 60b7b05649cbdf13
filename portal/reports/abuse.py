"""Abuse without third parties: a signed form timestamp (too-fast submissions are refused) and a honeypot
field. A burst of reports (faster than people write them) raises a security alert for the node's DPOs:
``signals.submitted`` is heard by ``portal/alerts/report_bursts.py``."""
import time

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

_SALT = "rete-public-report-form"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def form_token(issued_at: float | None = None) -> str:
    """The hidden ``issued`` field: when the form was rendered, signed so it cannot be back-dated."""
    return _serializer().dumps(int(issued_at if issued_at is not None else time.time()))


def seconds_since(token: str | None) -> float | None:
    """Seconds since the form was rendered; None for a missing, forged or expired token."""
    try:
        issued = float(_serializer().loads(token or ""))
    except (BadSignature, TypeError, ValueError):
        return None
    elapsed = time.time() - issued
    if elapsed < 0 or elapsed > current_app.config.get("PUBLIC_REPORT_FORM_MAX_AGE", 6 * 3600):
        return None
    return elapsed


def too_fast(elapsed: float) -> bool:
    return elapsed < current_app.config.get("PUBLIC_REPORT_MIN_SECONDS", 5)
