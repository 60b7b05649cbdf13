"""The cases' pages: one blueprint, its view modules loaded here so each adds its routes before the app
registers it (the story, the legal path, the transfers and the public offices build on views.py)."""
from . import views_legal, views_office, views_story, views_transfer  # noqa: F401  (their routes join the blueprint)
from .views import bp

__all__ = ["bp"]
