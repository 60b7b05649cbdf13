"""Forms of the network groups, their meetings and minutes."""
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..core.choices import enum_choices
from ..core.fields import InputRequired, OptionalChoice
from ..core.forms import PortalForm
from ..i18n import lazy_gettext as _l
from .models import GroupKind

MARKDOWN_HELP = _l("Puoi usare Markdown (grassetto, elenchi, link).")


class GroupForm(PortalForm):
    version = HiddenField()
    name = StringField(_l("Nome del gruppo"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Tipo di gruppo"), choices=enum_choices(GroupKind), validators=[DataRequired()])
    description = TextAreaField(_l("Descrizione"), validators=[Optional(), Length(max=3000)])
    members = SelectMultipleField(
        _l("Organizzazioni che ne fanno parte"), coerce=int, option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False), validators=[OptionalChoice()],
    )


class MeetingForm(PortalForm):
    version = HiddenField()
    held_on = DateField(_l("Data"), validators=[InputRequired(message=_l("Indica la data della riunione."))])
    starts_at = TimeField(_l("Ora di inizio"), validators=[Optional()])
    place = StringField(_l("Luogo"), validators=[DataRequired(), Length(max=300)])
    agenda = TextAreaField(_l("Ordine del giorno"), validators=[DataRequired(), Length(max=10000)])


class MinutesForm(PortalForm):
    version = HiddenField()
    body = TextAreaField(_l("Testo del verbale"), validators=[DataRequired(), Length(max=50000)])
    file = FileField(_l("Allegato (facoltativo): il verbale firmato o un documento"))


class ApproveForm(PortalForm):
    version = HiddenField()
