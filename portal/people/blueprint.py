"""The people's pages: one blueprint, its view modules loaded here so each adds its routes before the app
registers it (the DPO's pages and the search build on views.py)."""
from . import views_dpo, views_search  # noqa: F401  (their routes join the blueprint)
from .views import bp

__all__ = ["bp"]
