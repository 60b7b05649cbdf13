"""Referrals: an antenna asks the node to take a person in charge.

Importing the package connects its part of the data subject's rights to the people's signals (gdpr.py).
"""
from . import gdpr  # noqa: F401  (connects person_anonymising, person_exporting, export_labels)
