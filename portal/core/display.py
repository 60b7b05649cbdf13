"""Display helpers for templates that are not about one domain."""
import re

from markupsafe import Markup, escape

# A pseudonym as people.services.next_pseudonym makes it: the node's code, the year, six digits.
PSEUDONYM = re.compile(r"\b[A-Z0-9]{1,10}-\d{4}-\d{6}\b")


def codes_whole(text) -> Markup:
    """The text, escaped, with each pseudonym kept on one line (``rete-nowrap``): a browser may break a line
    at a hyphen, and "NO-2026-" above "000019" in a heading or a narrow list is read and copied wrong.
    For text only (a heading, a label), never an attribute's value."""
    return Markup(PSEUDONYM.sub(lambda m: f'<span class="rete-nowrap">{m.group(0)}</span>', str(escape(text))))
