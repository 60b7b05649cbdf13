"""How each kind of notification reads, in the viewer's language.

Rows store a code and parameters; the text is made when shown. Packages above this one register their
kinds (``register("referral.moved", render)``) so this layer imports none of them; ``render`` receives
the stored parameters and returns the text (already translated with gettext).
"""
from collections.abc import Callable

from flask_babel import gettext as _

_RENDERERS: dict[str, Callable[[dict], str]] = {}


def register(kind: str, render: Callable[[dict], str]) -> None:
    _RENDERERS[kind] = render


def text(kind: str, params: dict) -> str:
    render = _RENDERERS.get(kind)
    if render is None:
        return _("Nuova notifica")
    try:
        return render(params or {})
    except (KeyError, ValueError, TypeError):  # an older row whose parameters no longer fit
        return _("Nuova notifica")
