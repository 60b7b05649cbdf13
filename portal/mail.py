"""Outgoing e-mail over real SMTP (a local test server in tests, the PA's relay in production).

``send_mail`` never talks to SMTP: it writes outbox rows in the caller's transaction, so a rolled-back
change sends nothing and a committed one is sent after the commit, retried while SMTP is down
(``portal.notifications.outbox``). With ``kind`` the recipients who are users of Rete also get an in-app
notification (``portal.notifications.services.notify``).
"""
import smtplib
from email.message import EmailMessage

from flask import current_app


def settings() -> dict:
    c = current_app.config
    return {
        "host": c["MAIL_SERVER"], "port": c["MAIL_PORT"], "username": c["MAIL_USERNAME"],
        "password": c["MAIL_PASSWORD"], "tls": c["MAIL_USE_TLS"], "sender": c["MAIL_SENDER"],
    }


def deliver(settings: dict, to: list[str], subject: str, body: str) -> None:
    """Connect, send, quit. Raises on failure: the outbox keeps the row and retries."""
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


def send_mail(
    to: str | list[str], subject: str, body: str, *, kind: str | None = None, params: dict | None = None,
    link: str | None = None, notify_tenant: int | None = None,
) -> bool:
    """Queue a plain-text message, one outbox row per recipient (each sees only their own address).

    Bodies never carry special-category data: link to the portal. ``kind``/``params``/``link`` also
    notify, in the app, the recipients who are users of Rete (``tenant_id``: the tenant where they see it,
    by default their membership in the current tenant, else their first one). Returns True once queued.
    """
    from .notifications import outbox, services
    from .tenancy.context import current_tenant_id

    acting = current_tenant_id()
    recipients = list(dict.fromkeys([to] if isinstance(to, str) else to))
    users = services.users_by_email(recipients)
    for address in recipients:
        user = users.get(address.lower())
        home = None
        if user is not None and (kind or acting is None):
            home = services.home_tenant(user.id, notify_tenant)
        # The row belongs to the tenant whose action caused it (an anonymous one: the recipient's).
        outbox.queue(address, subject, body, kind=kind, tenant_id=acting if acting is not None else home)
        if kind and home is not None:
            services.notify(user.id, kind, params or {}, link, tenant_id=home)
    return True
