"""Contracted services, providers and the budget oversight of Azione 2 (issue 5)."""
