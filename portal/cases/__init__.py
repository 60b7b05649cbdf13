"""Cases (presa in carico), the personalised pathway of actions and the two verification phases.

Importing the package connects its part of the data subject's rights to the people's signals (gdpr.py) and
its answers to the referrals' (on_referrals.py).
"""
from . import (
    gdpr,  # noqa: F401  (connects person_anonymising, person_exporting, export_labels, retention_starts)
    on_referrals,  # noqa: F401  (answers referral_accepted, texts_needed, referral_case)
)
