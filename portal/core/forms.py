import contextlib
from datetime import date

from flask import current_app, g, has_request_context, request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    FileField,
    Form,
    FormField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectFieldBase,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional

from ..i18n import format_day, wtforms_translations
from ..i18n import lazy_gettext as _l


class PortalForm(FlaskForm):
    """The portal's forms: flask_wtf's, with wtforms' own messages in the user's language from a catalogue
    parsed once per process (flask_wtf reads it from disk once per request)."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            if not has_request_context() or not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)  # as flask_wtf decides: untranslated
            return wtforms_translations()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A submitted form is remembered for the request: the conflict page shows what was typed under the
        # form's own labels and choices, not under field names and stored codes.
        if has_request_context() and request.method == "POST":
            g.setdefault("rete_submitted_forms", []).append(self)


class PortalSubForm(Form):
    """A form's repeated rows (``FormField``) and query-string filters: no CSRF token of their own, and
    wtforms' messages translated as the page's (a plain ``Form`` answers in English)."""

    class Meta:
        def get_translations(self, form):
            if not has_request_context() or not current_app.config.get("WTF_I18N_ENABLED", True):
                return None
            return wtforms_translations()


class FeedbackForm(PortalForm):
    page = HiddenField()
    rating = RadioField(
        _l("Quanto sono chiare le informazioni su questa pagina?"),
        choices=[("5", _l("Molto")), ("4", _l("Abbastanza")), ("2", _l("Poco")), ("1", _l("Per niente"))],
        validators=[Optional(strip_whitespace=False)],  # fields.OptionalChoice (that module imports this one)
    )
    message = TextAreaField(_l("Il tuo messaggio"), validators=[DataRequired(), Length(max=2000)])
    contact_email = EmailField(
        _l("E-mail (facoltativa, se vuoi una risposta)"), validators=[Optional(), Email(), Length(max=254)]
    )


class LanguageForm(PortalForm):
    lang = HiddenField(validators=[DataRequired()])
    next = HiddenField()


# Never shown back on an error page: what nobody types, secrets, files, and the names of tokens, keys and codes.
NOT_SHOWN_FIELDS = (HiddenField, PasswordField, SubmitField, FileField)
NEVER_SHOWN = frozenset({"csrf_token", "version", "case_version", "submission_key", "password", "confirm", "current",
                         "code"})


def typed_input(forms, formdata, skip) -> list[tuple[str, str]]:
    """What the user typed in ``formdata``, as (label, value) pairs in the forms' order: a choice by its label,
    a date as dd/mm/yyyy, a box as typed. Names no form knows are listed as sent."""
    pairs, seen = [], set()
    for form in forms:
        for field in form:
            pairs.extend(_typed(field, "", formdata, skip, seen))
    pairs.extend((name, value) for name, value in formdata.items(multi=True)
                 if name not in seen and name not in skip and value)
    return pairs


def _typed(field, prefix, formdata, skip, seen):
    if isinstance(field, FieldList):
        for number, entry in enumerate(field.entries, start=1):
            yield from _typed(entry, _("Riga %(n)s", n=number) + ": ", formdata, skip, seen)
        return
    if isinstance(field, FormField):
        for sub in field:
            yield from _typed(sub, prefix, formdata, skip, seen)
        return
    if field.name not in formdata:
        return
    seen.add(field.name)
    if isinstance(field, NOT_SHOWN_FIELDS) or field.short_name in skip:
        return
    sent = [value for value in formdata.getlist(field.name) if value]
    if not sent:
        return
    labels = ({str(choice.value): str(choice.label) for choice in field.iter_choices()}
              if isinstance(field, SelectFieldBase) else None)
    yield f"{prefix}{field.label.text}", shown_value(type(field), sent, labels)


def shown_value(kind: type, sent: list[str], labels: dict[str, str] | None = None) -> str:
    """What was sent as the person saw it: a box as "Sì", a choice by its label, a date as dd/mm/yyyy, a text
    as typed. For the conflict page (the bound form) and core/kept.py (only the form's class)."""
    if issubclass(kind, BooleanField):
        return _("Sì")
    if issubclass(kind, SelectFieldBase):
        return ", ".join((labels or {}).get(value, value) for value in sent)
    if issubclass(kind, DateField):
        with contextlib.suppress(ValueError):
            return format_day(date.fromisoformat(sent[0]))
    return ", ".join(sent)
