"""The API domain's pages for the organisation's administrator: one blueprint, its view modules loaded here
so each adds its routes before the app registers it."""
from . import views_webhooks  # noqa: F401  (its routes join the blueprint)
from .views import bp

__all__ = ["bp"]
