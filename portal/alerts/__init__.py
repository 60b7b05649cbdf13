"""Alerts (situazioni di criticità): rules over referrals and cases, their owners and states, e-mails,
and security alerts on unusual access to identities for the data protection officer.

Importing the package connects the alerts to the signals of the domains below (hooks.py): none of them
imports alerts.
"""
from . import hooks  # noqa: F401  (connects referral_changed, case_changed, identity_read)
