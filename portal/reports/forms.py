"""Public-report forms: the report (nothing identifying required), the code to follow it, messages, and the
node's triage. Labels are Italian msgids."""

from flask_wtf.file import FileField, MultipleFileField
from wtforms import BooleanField, DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from ..core.choices import enum_choices
from ..core.fields import InputRequired, OptionalChoice
from ..core.forms import PortalForm
from ..directory import municipalities
from ..i18n import lazy_gettext as _l
from ..i18n import local_today
from ..referrals.forms import CheckboxesField
from ..referrals.models import Context, Ground
from .models import CloseReason, ReporterKind

NOTICE_VERSION = "2026-12"  # the privacy notice shown on /segnala; stored with each consent


def _not_future(form, field):
    if field.data and field.data > local_today():
        raise ValidationError(_l("La data non può essere nel futuro."))


class ReportForm(PortalForm):
    issued = HiddenField()  # signed render time (abuse.form_token)
    # Honeypot: hidden from people (CSS and aria-hidden); a robot filling every field fills it.
    website = StringField(_l("Non compilare questo campo"), validators=[Optional()])

    reporter_kind = RadioField(_l("Chi sta scrivendo?"), choices=enum_choices(ReporterKind),
                               validators=[InputRequired(message=_l("Indica chi sta scrivendo."))])
    what = TextAreaField(_l("Che cosa è successo?"),
                         validators=[DataRequired(message=_l("Racconta che cosa è successo.")), Length(max=10000)])
    municipality_code = SelectField(_l("In quale comune?"), validators=[OptionalChoice()])
    context = SelectField(_l("In quale ambito?"), choices=enum_choices(Context, _l("Scegli un ambito")),
                          validators=[InputRequired(message=_l("Scegli l'ambito in cui è successo."))])
    occurred_on = DateField(_l("Quando? (anche approssimativo)"), validators=[Optional(), _not_future])
    grounds = CheckboxesField(_l("Per quale motivo, secondo te?"), choices=enum_choices(Ground),
                              validators=[Optional()])
    wants_contact = BooleanField(_l("Voglio essere contattato o contattata dal nodo"))
    name = StringField(_l("Nome (facoltativo)"), validators=[Optional(), Length(max=200)])
    contact = StringField(_l("Telefono o e-mail per essere ricontattati (facoltativo)"),
                          validators=[Optional(), Length(max=200)])
    # email_validator's syntax check (no DNS look-up): "a@b.c,evil@x", a line break or "evil@x>" passed a test
    # for "@", then every notice failed and was retried for nothing, the reporter never told.
    notify_email = StringField(_l("E-mail per sapere quando c'è un nuovo messaggio (facoltativo)"),
                               validators=[Optional(), Length(max=200),
                                           Email(message=_l("Scrivi un indirizzo e-mail valido."),
                                                 check_deliverability=False)])
    consent = BooleanField(_l("Ho letto l'informativa sulla privacy e acconsento al trattamento dei dati della segnalazione"),
                           validators=[DataRequired(message=_l("Per inviare la segnalazione serve il consenso."))])
    files = MultipleFileField(_l("Documenti o foto (facoltativi: PDF, PNG o JPEG)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every municipality of the region: the province decides which node receives the report.
        self.municipality_code.choices = [("", _l("Non so / preferisco non dirlo"))] + [
            (code, f"{name} ({municipalities.province_of(code)})") for code, name in municipalities.province(None)]

    def validate_contact(self, field):
        if self.wants_contact.data and not (field.data or "").strip():
            raise ValidationError(_l("Per essere contattati scrivi un telefono o un'e-mail."))


class CodeForm(PortalForm):
    code = StringField(_l("Codice ricevuta"), validators=[DataRequired(message=_l("Scrivi il codice ricevuta."))])
    # A reply written while the access expired comes back here, and is sent once the code opens the report.
    body = TextAreaField(_l("Il tuo messaggio, da inviare dopo il codice"), validators=[Optional(), Length(max=10000)])


class ReplyForm(PortalForm):
    body = TextAreaField(_l("Il tuo messaggio"), validators=[DataRequired(message=_l("Scrivi il messaggio.")),
                                                              Length(max=10000)])
    file = FileField(_l("Allega un file (facoltativo: PDF, PNG o JPEG)"))


class NodeMessageForm(PortalForm):
    version = HiddenField()
    body = TextAreaField(_l("Messaggio per chi ha segnalato"),
                         validators=[DataRequired(message=_l("Scrivi il messaggio.")), Length(max=10000)])
    file = FileField(_l("Allega un file (facoltativo: PDF, PNG o JPEG)"))


class CloseForm(PortalForm):
    version = HiddenField()
    reason = SelectField(_l("Motivo della chiusura"), choices=enum_choices(CloseReason, _l("Scegli un motivo")),
                         validators=[InputRequired(message=_l("Scegli il motivo della chiusura."))])
    message = TextAreaField(_l("Messaggio per chi ha segnalato (facoltativo)"), validators=[Optional(), Length(max=10000)])


class ConvertForm(PortalForm):
    version = HiddenField()
