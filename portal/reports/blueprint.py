"""The public reporting door's pages (anyone) and the node's pages that triage what came in."""
from .views_node import bp as node_bp
from .views_public import bp as public_bp

__all__ = ["node_bp", "public_bp"]
