"""Signals of the people domain, for the layers above it to subscribe to (people imports none of them).

``identity_read`` — sent(person_id) after each audited reveal of a person's identity, in the request;
the alerts' unusual-access check listens (portal/alerts/hooks.py).
"""
from blinker import Namespace

_signals = Namespace()
identity_read = _signals.signal("person-identity-read")
