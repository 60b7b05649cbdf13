"""Contracted services, providers and the budget oversight of Azione 2 (issue 5).

Importing the package connects the budget's receivers of the cases layer's signals (cases sits below
budget and never imports it): planning an action with a provider orders it (ordering.py).
"""
from . import ordering  # noqa: E402,F401  (connects cases.signals.action_planned)
