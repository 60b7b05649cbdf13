"""The outbox's answer to the accounts' ``account_mail`` signal (accounts/signals.py): the accounts sit below
the outbox and never import it. Connected when the package is imported (notifications/__init__.py)."""
from ..accounts.signals import account_mail
from ..mail import send_mail


@account_mail.connect
def queue_account_mail(address: str, *, subject: str, body: str) -> bool:
    return send_mail(address, subject, body)
