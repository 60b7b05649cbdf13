"""Contracted services, providers and the budget oversight of Azione 2.

Importing the package connects the budget's receivers of the signals below it (cases and people never
import budget): planning an action with a provider orders it (ordering.py), cancelling it ends its order
(orders.py), moving a case to another node revokes its identity grants (grants.py); anonymising a person
clears the budget's texts about them (gdpr.py).
"""
from . import gdpr, grants, ordering, orders  # noqa: F401  (person_anonymising; cases.signals.action_planned, action_cancelled, case_transferred)
