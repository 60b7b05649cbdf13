"""The accounts' pages: sign-in and profile, the second factor, SPID/CIE sign-in (three blueprints)."""
from .identity_views import bp as identity_bp
from .two_factor_views import bp as two_factor_bp
from .views import bp

__all__ = ["bp", "identity_bp", "two_factor_bp"]
