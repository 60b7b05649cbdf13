"""Outgoing e-mail over real SMTP (a local test server in tests, the PA's relay in production)."""
import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

from .jobs import enqueue

log = logging.getLogger(__name__)


def _settings() -> dict:
    c = current_app.config
    return {
        "host": c["MAIL_SERVER"], "port": c["MAIL_PORT"], "username": c["MAIL_USERNAME"],
        "password": c["MAIL_PASSWORD"], "tls": c["MAIL_USE_TLS"], "sender": c["MAIL_SENDER"],
    }


def deliver(settings: dict, to: list[str], subject: str, body: str) -> None:
    """Job body: connect, send, quit. Raises on failure so RQ can retry."""
    message = EmailMessage()
    message["From"] = settings["sender"]
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(settings["host"], settings["port"], timeout=10) as smtp:
        if settings["tls"]:
            smtp.starttls()
        if settings["username"]:
            smtp.login(settings["username"], settings["password"])
        smtp.send_message(message)


def send_mail(to: str | list[str], subject: str, body: str) -> bool:
    """Queue (or send) a plain-text message. Bodies never carry special-category data: link to the portal."""
    recipients = [to] if isinstance(to, str) else list(to)
    try:
        enqueue(deliver, _settings(), recipients, subject, body)
        return True
    except OSError as exc:  # SMTP unreachable: the action still stands, the failure is logged
        log.error("mail to %s not sent: %s", recipients, exc)
        return False
