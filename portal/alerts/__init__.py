"""Alerts (situazioni di criticità): rules over referrals and cases, their owners and states, e-mails,
and security alerts on unusual access to identities for the data protection officer."""
