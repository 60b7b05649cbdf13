"""Forms of the network package: the node's courses, agreements, calls and reviews; the public application."""
from flask_wtf.file import FileField
from stdnum.it import codicefiscale, iva
from wtforms import DateField, FieldList, FormField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from ..core.fields import HoursField, InputRequired, Range, SubmissionKeyField
from ..core.forms import PortalForm
from ..directory.forms import PointFields
from ..i18n import lazy_gettext as _l
from ..tenancy.models import KIND_LABELS, TenantKind

# Who may apply: every kind of antenna (not a node, not a service provider, never a regional centre: the
# accepted applicant becomes a tenant of that kind inside the node's network).
APPLICANT_KINDS = [
    k for k in TenantKind if k not in (TenantKind.NODE, TenantKind.SERVICE_PROVIDER, TenantKind.REGIONAL_CENTRE)
]


class CourseForm(PortalForm):
    title = StringField(_l("Titolo del corso"), validators=[DataRequired(), Length(max=200)])
    hours = HoursField(_l("Durata (ore)"), places=1, validators=[InputRequired(), Range(min=1, max=999)])
    starts_on = DateField(_l("Inizio"), validators=[Optional()])
    ends_on = DateField(_l("Fine"), validators=[Optional()])
    organiser = StringField(_l("Ente organizzatore"), validators=[Optional(), Length(max=200)])

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("La fine del corso non può precedere l'inizio."))


class ParticipationForm(PortalForm):
    email = StringField(_l("E-mail dell'operatore"), validators=[DataRequired(), Email(), Length(max=200)])
    organisation_id = SelectField(_l("Organizzazione"), coerce=int, validators=[InputRequired()])
    completed_on = DateField(_l("Completato il"), validators=[Optional()])
    hours_attended = HoursField(_l("Ore frequentate"), places=1, validators=[Optional(), Range(min=0, max=999)])


class AgreementForm(PortalForm):
    organisation_id = SelectField(_l("Organizzazione"), coerce=int, validators=[InputRequired()])
    signed_on = DateField(_l("Firmato il"), validators=[InputRequired()])
    expires_on = DateField(_l("Scade il"), validators=[InputRequired()])
    document = FileField(_l("Accordo firmato (PDF, PNG o JPEG)"))


class ActivationForm(PortalForm):
    version = HiddenField()


class CallForm(PortalForm):
    title = StringField(_l("Titolo dell'avviso"), validators=[DataRequired(), Length(max=200)])
    opens_on = DateField(_l("Aperto dal"), validators=[InputRequired()])
    closes_on = DateField(_l("Chiuso il"), validators=[InputRequired()])
    requirements = TextAreaField(_l("Requisiti"), validators=[Optional(), Length(max=5000)])


def valid_tax_code(value: str) -> bool:
    """An organisation's fiscal code: a partita IVA (11 digits, check digit) or a person's codice fiscale."""
    value = (value or "").strip().upper()
    return iva.is_valid(value) if value.isdigit() else codicefiscale.is_valid(value)


class ApplicationForm(PortalForm):
    version = HiddenField()
    submission_key = SubmissionKeyField()  # a new application only (a correction changes the one it follows)
    organisation_name = StringField(_l("Nome dell'organizzazione"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Tipo di organizzazione"), validators=[InputRequired()])
    tax_code = StringField(_l("Codice fiscale o partita IVA"), validators=[DataRequired(), Length(min=11, max=16)])
    contact_name = StringField(_l("Persona di contatto"), validators=[DataRequired(), Length(max=200)])
    contact_email = StringField(_l("E-mail della persona di contatto"),
                                validators=[DataRequired(), Email(), Length(max=200)])
    points = FieldList(FormField(PointFields), min_entries=3, max_entries=3)
    attachment = FileField(_l("Allegato (PDF, PNG o JPEG, facoltativo)"))
    # Left empty by people; bots fill every field. Hidden from sight and from screen readers in the template.
    website = StringField(_l("Lasciare vuoto"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [("", _l("Scegli"))] + [(k.value, KIND_LABELS[k]) for k in APPLICANT_KINDS]

    def validate_tax_code(self, field):
        if not valid_tax_code(field.data):
            raise ValidationError(_l("Codice fiscale o partita IVA non valido: controlla le cifre."))

    def validate_points(self, field):
        if not any(entry.form.name.data for entry in field.entries):
            raise ValidationError(_l("Indica almeno un punto informativo proposto (il nome)."))

    def data_for_service(self) -> dict:
        points = [{k: (entry.form[k].data or None) for k in entry.form.data}
                  for entry in self.points.entries if entry.form.name.data]
        return {"organisation_name": self.organisation_name.data.strip(), "kind": TenantKind(self.kind.data),
                "tax_code": self.tax_code.data.strip().upper(), "contact_name": self.contact_name.data.strip(),
                "contact_email": self.contact_email.data.strip(), "points": points}


class ReviewForm(PortalForm):
    version = HiddenField()
    decision = SelectField(_l("Decisione"), choices=[
        ("request_changes", _l("Chiedi modifiche")), ("accept", _l("Accetta")), ("reject", _l("Respingi"))])
    message = TextAreaField(_l("Messaggio o motivo"), validators=[Optional(), Length(max=3000)])
    signed_on = DateField(_l("Accordo firmato il"), validators=[Optional()])
    expires_on = DateField(_l("Accordo scade il"), validators=[Optional()])
    document = FileField(_l("Accordo firmato (PDF, PNG o JPEG)"))

    def validate(self, extra_validators=None):
        # Optional() stops the chain on an empty field, so what a decision needs is checked here.
        ok = super().validate(extra_validators)
        needs = {"accept": [(self.signed_on, _l("Per accettare indica la data di firma dell'accordo.")),
                            (self.expires_on, _l("Per accettare indica la scadenza dell'accordo."))]}
        needs["request_changes"] = needs["reject"] = [(self.message, _l("Scrivi il messaggio per l'organizzazione."))]
        for field, message in needs.get(self.decision.data, []):
            if not (field.data.strip() if isinstance(field.data, str) else field.data):
                field.errors = [*field.errors, message]
                ok = False
        return ok
