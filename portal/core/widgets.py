"""Form widgets shared by the domains."""
from markupsafe import Markup, escape
from wtforms.widgets import Select


class LongSelect(Select):
    """A select for long option lists (one option per antenna of the network, ~200 at scale).

    WTForms builds every option through ``html_params``; at a few hundred options that was a third
    of the case list's render time. Plain options are formatted directly, with the same escaping.
    """

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        selected = " selected" if choice.selected else ""
        value = escape(str(choice.value))
        return Markup(f'<option value="{value}"{selected}>{escape(choice.label or choice.value)}</option>')
