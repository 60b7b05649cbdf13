"""What a form carried when its view never ran — the session had ended, the form's token was no longer
valid — so the error page can show it back and nothing written is lost.

No form was built for such a request, so the view's forms are found in its code: the form classes its body
and its module's helpers name (a form built in another module is not found, and nothing of it is shown).
Only fields a person types or picks from a fixed list are shown: never hidden fields, passwords, files,
codes, or a name none of the view's forms declares (another page may post any name it likes).
"""
import inspect
from functools import cache

from wtforms import FieldList, FormField, SelectFieldBase
from wtforms.fields.core import UnboundField

from .forms import NEVER_SHOWN, NOT_SHOWN_FIELDS, PortalForm, shown_value


@cache
def declared_forms(view) -> tuple[dict, ...]:
    """Each of the view's forms as its fields by short name (a prefixed or nested field's last part)."""
    forms = {}
    _look_in(inspect.unwrap(view), forms, depth=2, seen=set())
    return tuple(forms.values())


def _look_in(function, forms, depth, seen) -> None:
    """Form classes ``function`` names (alone or as a dict's values: a form per step), and those of the
    helpers of its own module it calls, ``depth`` calls deep."""
    code, module = getattr(function, "__code__", None), getattr(function, "__globals__", {})
    if code is None or code in seen:
        return
    seen.add(code)
    for name in code.co_names:
        found = module.get(name)
        for candidate in found.values() if isinstance(found, dict) else (found,):
            if isinstance(candidate, type) and issubclass(candidate, PortalForm):
                forms.setdefault(candidate, _collect(candidate, {}))
            elif (depth and inspect.isfunction(candidate)
                  and candidate.__module__ == function.__module__):
                _look_in(candidate, forms, depth - 1, seen)


def _collect(form_class, fields) -> dict:
    for name in dir(form_class):
        unbound = getattr(form_class, name, None)
        while isinstance(unbound, UnboundField) and unbound.field_class is FieldList:
            unbound = unbound.args[0]  # the rows' field
        if not isinstance(unbound, UnboundField):
            continue
        if unbound.field_class is FormField:
            _collect(unbound.args[0], fields)
        else:
            fields.setdefault(name, unbound)
    return fields


def carried(view, formdata) -> list[tuple[str, str]]:
    """(label, value) pairs of what ``formdata`` carried for ``view``'s forms, in the order it was sent."""
    sent = [(name.rsplit("-", 1)[-1], value) for name, value in formdata.items(multi=True)]  # wtforms joins
    # prefixes and rows with "-". The form sent is the one whose fields it carried; of two (a form and its
    # subclass), the smaller.
    names = {short for short, _value in sent}
    fields = max(declared_forms(view), key=lambda form: (len(names & form.keys()), -len(form)), default={})
    pairs = []
    for short, value in sent:
        unbound = fields.get(short)
        if (not value or unbound is None or short in NEVER_SHOWN
                or issubclass(unbound.field_class, NOT_SHOWN_FIELDS)):
            continue
        label = unbound.kwargs.get("label", unbound.args[0] if unbound.args else None)
        shown = _shown(unbound, value)
        if label is not None and shown is not None:
            pairs.append((str(label), shown))
    return pairs


def _shown(unbound, value: str) -> str | None:
    kind, labels = unbound.field_class, None
    if issubclass(kind, SelectFieldBase):  # a list the view fills in is picked again, not typed: not shown
        choices = unbound.kwargs.get("choices")
        labels = {str(choice[0]): str(choice[1]) for choice in choices} if isinstance(choices, list | tuple) else {}
        if value not in labels:
            return None
    return shown_value(kind, [value], labels)
