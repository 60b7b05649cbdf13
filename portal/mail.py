"""Outgoing e-mail over real SMTP (a local test server in tests, the PA's relay in production).

``send_mail`` never talks to SMTP: it writes outbox rows in the caller's transaction, so a rolled-back
change sends nothing and a committed one is sent after the commit, retried while SMTP is down
(``portal.notifications.outbox``). With ``kind`` the recipients who are users of Rete also get an in-app
notification (``portal.notifications.services.notify``).
"""
import contextlib
import logging
import smtplib
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale

log = logging.getLogger(__name__)


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


def recipient_language(user) -> str:
    """The language a user of Rete chose in the portal (kept with the account), else the portal's."""
    config = current_app.config
    return user.locale if user is not None and user.locale in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]


def _in_language(language: str | None, subject, body, composed: dict) -> tuple[str, str]:
    """``subject`` and ``body`` as text in ``language`` (None: the current one), composed once per language."""
    if language not in composed:
        with force_locale(language) if language else contextlib.nullcontext():
            composed[language] = tuple(text() if callable(text) else str(text) for text in (subject, body))
    return composed[language]


def send_mail(
    to: str | list[str], subject, body, *, kind: str | None = None, params: dict | None = None,
    link: str | None = None, notify_tenant: int | None = None, tenant_id: int | None = None, private: bool = False,
) -> bool:
    """Queue a plain-text message, one outbox row per recipient (each sees only their own address).

    ``subject`` and ``body`` are text, or lazy text (``_l``) or a function returning text, composed for each
    recipient in their language: a user of Rete reads the one they chose in the portal, any other address (an
    organisation's mailbox) the portal's, whoever's action sent it (an English-speaking operator's referral
    does not reach the node in English). Plain text goes as it is; a private recipient reads the current one.

    Bodies never carry special-category data: link to the portal. ``kind``/``params``/``link`` also
    notify, in the app, the recipients who are users of Rete (``notify_tenant``: the tenant where they see
    it, by default their membership in the current tenant, else their first one). Returns True once queued.

    The rows belong to the tenant whose action caused them: the current one. An anonymous door (a public
    report, a network application) has none and names the owner with ``tenant_id`` (the node whose report or
    call it is); with neither, the recipient's own tenant. A row owned by no tenant can only be sent by the
    owner's ``send-outbox`` cron (row-level security hides it from the app), so it would not leave at once.

    ``private``: the address is confidential (a public report's reporter, who has no account): the outbox shows
    it to nobody and blanks it once sent, and no user with that address is notified in the app (that would tie
    the account to an anonymous report).
    """
    from .notifications import outbox, services
    from .notifications.models import PRIVATE_RECIPIENT
    from .tenancy.context import current_tenant_id

    acting = current_tenant_id()
    if acting is not None and tenant_id is not None and tenant_id != acting:
        raise ValueError("send_mail: tenant_id is for a context without a tenant, not another tenant's mail")
    owner = acting if acting is not None else tenant_id
    recipients = list(dict.fromkeys([to] if isinstance(to, str) else to))
    composed: dict = {}
    if private:
        for address in recipients:
            outbox.queue(address, *_in_language(None, subject, body, composed), kind=PRIVATE_RECIPIENT, tenant_id=owner)
        return True
    users = services.users_by_email(recipients)
    for address in recipients:
        user = users.get(address.lower())
        subject_text, body_text = _in_language(recipient_language(user), subject, body, composed)
        home = None
        if user is not None and (kind or owner is None):
            home = services.home_tenant(user.id, notify_tenant)
        row_owner = owner if owner is not None else home
        if row_owner is None:
            log.warning("outbox: a mail with no owning tenant; it waits for send-outbox")
        outbox.queue(address, subject_text, body_text, kind=kind, tenant_id=row_owner)
        if kind and home is not None:
            services.notify(user.id, kind, params or {}, link, tenant_id=home)
    return True
