"""E-mail outbox and in-app notifications.

Every notification e-mail is an outbox row written in the transaction of the change that causes it
(``portal.mail.send_mail``); sending happens after the commit, and ``flask rete send-outbox`` retries.
When the mail (or a caller directly, ``services.notify``) names a ``kind``, the recipient users also get
an in-app notification, rendered in the viewer's language from a code and its parameters.
"""
from . import account_mail  # noqa: F401  (answers accounts.signals.account_mail)
