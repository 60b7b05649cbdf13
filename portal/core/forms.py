from flask import current_app, has_request_context
from flask_wtf import FlaskForm
from wtforms import EmailField, Form, HiddenField, RadioField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from ..i18n import lazy_gettext as _l
from ..i18n import wtforms_translations


class PortalForm(FlaskForm):
    """The portal's forms: flask_wtf's, with wtforms' own messages in the user's language from a catalogue
    parsed once per process (flask_wtf reads it from disk once per request)."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            if not has_request_context() or not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)  # as flask_wtf decides: untranslated
            return wtforms_translations()


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
        validators=[Optional()],
    )
    message = TextAreaField(_l("Il tuo messaggio"), validators=[DataRequired(), Length(max=2000)])
    contact_email = EmailField(
        _l("E-mail (facoltativa, se vuoi una risposta)"), validators=[Optional(), Email(), Length(max=254)]
    )


class LanguageForm(PortalForm):
    lang = HiddenField(validators=[DataRequired()])
    next = HiddenField()
