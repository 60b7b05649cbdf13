"""Abuse without third parties: a signed form timestamp (too-fast submissions are refused), a honeypot
field, and a burst check that tells the node's DPOs when reports arrive faster than people write them."""
import time
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select

from ..audit.services import record
from ..extensions import db
from ..models_base import utcnow
from .models import PublicReport

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


def check_burst(node_id: int) -> bool:
    """After a new report (acting as the node): more than the threshold in the window is recorded for the
    DPO once per window (audit event ``public_report.burst``, e-mail to the node's DPOs). Returns True when
    it raised one."""
    threshold = current_app.config.get("PUBLIC_REPORT_BURST_THRESHOLD", 20)
    window = timedelta(minutes=current_app.config.get("PUBLIC_REPORT_BURST_MINUTES", 10))
    since = utcnow() - window
    count = db.session.scalar(
        select(func.count(PublicReport.id)).where(PublicReport.tenant_id == node_id, PublicReport.submitted_at >= since)
    ) or 0
    if count <= threshold:
        return False
    from ..audit.models import AuditEvent

    already = db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.tenant_id == node_id, AuditEvent.action == "public_report.burst", AuditEvent.at >= since)
    )
    if already:
        return False
    record("public_report.burst", "public_report", None, ["count"], tenant_id=node_id, keep_ip=False)
    _notify_dpos(node_id, count, window)
    return True


def _notify_dpos(node_id: int, count: int, window: timedelta) -> None:
    from flask_babel import gettext as _

    from ..alerts.security import dpo_emails
    from ..mail import send_mail

    recipients = dpo_emails(node_id)
    if recipients:
        send_mail(
            recipients,
            _("Rete – molte segnalazioni pubbliche in poco tempo"),
            _("Sono arrivate %(count)s segnalazioni pubbliche in %(minutes)s minuti: può trattarsi di un abuso.\n"
              "Controlla le segnalazioni pubbliche in Rete: %(link)s\n",
              count=count, minutes=int(window.total_seconds() // 60), link=_list_link()),
        )


def _list_link() -> str:
    path = current_app.url_map.bind("localhost").build("reports_node.index")
    return current_app.config["SERVER_BASE_URL"].rstrip("/") + path
