"""The budget's pages: one blueprint, its view modules loaded here so each adds its routes before the app
registers it (none of them loads another: no cycle between the pages and the orders' pages)."""
from . import views, views_controls, views_orders  # noqa: F401  (their routes join the blueprint)
from .viewkit import bp

__all__ = ["bp"]
