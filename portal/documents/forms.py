"""Forms of the node's documents: a letter to generate on a case, a letter template to edit."""
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..core.choices import enum_choices
from ..core.fields import VersionField
from ..core.forms import PortalForm
from ..i18n import lazy_gettext as _l
from .labels import LANGUAGE_LABELS
from .models import LetterKind


class LetterForm(PortalForm):
    kind = SelectField(_l("Tipo di lettera"), choices=enum_choices(LetterKind, blank=_l("Scegli il tipo")),
                       validators=[DataRequired(message=_l("Scegli il tipo di lettera."))])
    language = SelectField(_l("Lingua"), choices=list(LANGUAGE_LABELS.items()), default="it", validators=[DataRequired()])
    by_name = BooleanField(_l("Intesta la lettera al nome della persona (la lettura dei dati identificativi è registrata)"))
    reason = TextAreaField(_l("Motivo del diniego"), validators=[Length(max=2000)])
    appointment = StringField(_l("Data, ora e luogo del colloquio"), validators=[Length(max=300)])


class TemplateForm(PortalForm):
    version = VersionField()
    subject = StringField(_l("Oggetto"), validators=[DataRequired(message=_l("Indica l'oggetto.")), Length(max=200)])
    body = TextAreaField(_l("Testo"), validators=[DataRequired(message=_l("Scrivi il testo della lettera.")), Length(max=20000)])
