"""The territorial network's pages: the members' (information points, training, agreements, calls) and the
public ones (the points' list, the calls and their applications)."""
from .public_views import bp as public_bp
from .public_views import lists_bp
from .views import bp

__all__ = ["bp", "lists_bp", "public_bp"]
