from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, RadioField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from ..i18n import lazy_gettext as _l


class FeedbackForm(FlaskForm):
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


class LanguageForm(FlaskForm):
    lang = HiddenField(validators=[DataRequired()])
    next = HiddenField()
