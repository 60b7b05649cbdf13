"""Signals of the accounts, for the layers above them to answer.

``account_mail`` — sent(address, subject=…, body=…) for an account's own e-mails (an invitation, a password
reset link): the outbox (notifications, a layer above) queues it in the caller's transaction, so a rolled-back
invitation sends nothing. Nobody answering is an error: the mail would be lost without a word.
"""
from blinker import Namespace

_signals = Namespace()
account_mail = _signals.signal("account-mail")
