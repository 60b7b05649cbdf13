"""The forum' pages: the blueprint the app registers (portal.configure_blueprints)."""
from .views import bp

__all__ = ["bp"]
