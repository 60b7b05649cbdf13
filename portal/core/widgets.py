"""Form widgets and fields shared by the domains."""
from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape
from wtforms import SelectField
from wtforms.validators import ValidationError
from wtforms.widgets import Select, html_params

from .files import too_big


def _plain_choices(field):
    """The field's choices if they are all ``(str value, label)`` pairs (no groups, no render_kw), else None."""
    choices = field.choices
    if not isinstance(choices, list | tuple):
        return None
    for choice in choices:
        if type(choice) is not tuple or len(choice) != 2 or type(choice[0]) is not str:
            return None
    return choices


def _option_label(label, value):
    """What WTForms writes in an option: the label (a lazy string rendered as markup, as ``escape`` takes it)
    or the value when the label is empty. A lazy label is translated once here, not three times."""
    if isinstance(label, LazyString):
        label = Markup(str(label))
    return escape(label or value)


class LongSelect(Select):
    """A select that renders its options directly (the filter forms of the lists, one option per antenna of
    the network, ~200 at scale).

    WTForms wraps every choice twice (SelectChoice, Choice), inspects ``render_option``'s signature and
    builds every option through ``html_params``: at a few hundred options that was a third of the case
    list's render time. Plain ``(value, label)`` choices are formatted here with the same output; anything
    else (groups, per-option attributes, ``multiple``) goes through WTForms.
    """

    def __call__(self, field, **kwargs):
        choices = None if self.multiple else _plain_choices(field)
        if choices is None:
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for k in self.validation_attrs:
            if k not in kwargs and getattr(flags, k, False):
                kwargs[k] = getattr(flags, k)
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        coerce, data = field.coerce, field.data
        for value, label in choices:
            selected = "selected " if coerce(value) == data else ""  # html_params' order: sorted names
            html.append(f'<option {selected}value="{escape(value)}">{_option_label(label, value)}</option>')
        html.append("</select>")
        return Markup("".join(html))

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        selected = "selected " if choice.selected else ""
        value = escape(str(choice.value))
        return Markup(f'<option {selected}value="{value}">{escape(choice.label or choice.value)}</option>')


class FilterSelectField(SelectField):
    """A SelectField for the GET filter forms of the busy lists: rendered by :class:`LongSelect` and its
    submitted value checked against plain ``(value, label)`` choices without building WTForms' wrappers
    per option (same rule and message as SelectField)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", LongSelect())
        super().__init__(*args, **kwargs)
        self.type = "SelectField"  # the form macros (macros/forms.html) pick the control by this name

    def pre_validate(self, form):
        choices = _plain_choices(self) if self.validate_choice and not self.process_errors else None
        if choices is None:
            return super().pre_validate(form)
        coerce, data = self.coerce, self.data
        if not any(coerce(value) == data for value, _label in choices):
            raise ValidationError(self.invalid_choice_message or self.gettext("Not a valid choice."))
        return None


def described_by(field, help=None) -> str:
    """The ids a control is described by: its hint and its error message (macros/forms.html)."""
    ids = []
    if help:
        ids.append(f"{field.id}-help")
    if field.errors:
        ids.append(f"{field.id}-error")
    return " ".join(ids)


def _size_check(attrs: dict) -> None:
    """A file input's limit (``max_bytes=``) for rete.js, which names a file past it as soon as it is chosen,
    before minutes of upload on a phone; the server checks again (core/files.check_upload), same words."""
    limit = int(attrs.pop("max_bytes"))
    attrs["data-max-bytes"] = str(limit)
    attrs["data-too-big"] = _("«%(name)s»: %(reason)s", name="{name}", reason=too_big(limit))


def render_control(field, help=None, extra=None, base_class=None) -> Markup:
    """A form control with its classes and ARIA attributes (``_render`` in macros/forms.html).

    In Python rather than as a Jinja macro: every field of every form went through it, and the macro's
    dict and list building cost ~150 function calls a field (a referral form has twenty). The output is
    the same: WTForms writes the attributes in sorted order whatever order they are given in.
    """
    attrs = dict(extra or {})
    if attrs.get("max_bytes"):
        _size_check(attrs)
    classes = [base_class] if base_class else []
    if attrs.get("class"):
        classes.append(attrs.pop("class"))
    if field.errors:
        classes.append("is-invalid")
    if classes:
        attrs["class"] = " ".join(classes)
    ids = described_by(field, help)
    if ids:
        attrs["aria-describedby"] = ids
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field(**attrs)
