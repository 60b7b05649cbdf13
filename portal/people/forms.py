"""People forms. Labels are Italian msgids; English lives in the catalogue."""

from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..core.choices import enum_choices, enum_or_none
from ..core.fields import VersionField, WholeNumberField
from ..core.forms import PortalForm
from ..i18n import lazy_gettext as _l
from ..i18n import local_today
from .labels import (
    REQUEST_KIND_LABELS,
)
from .models import AgeBand, CitizenshipGroup, EducationLevel, Gender, LabourStatus, RequestKind

NOT_STATED = _l("Non indicato")


def _bool_or_none(value):
    if value in (True, False, None):
        return value
    return {"yes": True, "no": False}.get(value)


def _this_year() -> int:
    return local_today().year


class BirthYearField(WholeNumberField):
    """A birth year from 1900 to the current year, the year read when the field is checked and drawn: a worker
    started in December still takes next January's births (a bound computed at import did not)."""

    def __init__(self, label=_l("Anno di nascita"), **kwargs):
        super().__init__(label, validators=[Optional(), NumberRange(min=1900, max=_this_year)], **kwargs)


class RectifyForm(PortalForm):
    version = VersionField()
    first_name = StringField(_l("Nome"), validators=[DataRequired(), Length(max=100)])
    last_name = StringField(_l("Cognome"), validators=[DataRequired(), Length(max=100)])
    tax_code = StringField(_l("Codice fiscale"), validators=[Optional(), Length(max=16)])
    birth_year = BirthYearField()
    contact = StringField(_l("Recapito (telefono o e-mail)"), validators=[Optional(), Length(max=200)])
    gender = SelectField(_l("Genere"), choices=enum_choices(Gender, NOT_STATED), coerce=enum_or_none(Gender), validate_choice=False)
    age_band = SelectField(_l("Fascia d'età"), choices=enum_choices(AgeBand, NOT_STATED), coerce=enum_or_none(AgeBand), validate_choice=False)
    citizenship_group = SelectField(
        _l("Cittadinanza"), choices=enum_choices(CitizenshipGroup, NOT_STATED), coerce=enum_or_none(CitizenshipGroup), validate_choice=False
    )
    disability = SelectField(
        _l("Disabilità"), choices=[("", _l("Non indicato")), ("yes", _l("Sì")), ("no", _l("No"))], coerce=_bool_or_none,
        validate_choice=False,
    )
    labour_status = SelectField(
        _l("Condizione occupazionale"), choices=enum_choices(LabourStatus, NOT_STATED), coerce=enum_or_none(LabourStatus), validate_choice=False
    )
    education_level = SelectField(
        _l("Titolo di studio"), choices=enum_choices(EducationLevel, NOT_STATED), coerce=enum_or_none(EducationLevel), validate_choice=False
    )

    def validate_tax_code(self, field):
        from .services import valid_tax_code

        if field.data and not valid_tax_code(field.data):
            raise ValidationError(_l("Il codice fiscale non è valido."))

    def _check_choice(self, field, enum_cls):
        raw = field.raw_data[0] if field.raw_data else ""
        if raw and raw not in {m.value for m in enum_cls}:
            raise ValidationError(_l("Scegli una delle voci proposte."))

    def validate_gender(self, field):
        self._check_choice(field, Gender)

    def validate_age_band(self, field):
        self._check_choice(field, AgeBand)

    def validate_citizenship_group(self, field):
        self._check_choice(field, CitizenshipGroup)

    def validate_labour_status(self, field):
        self._check_choice(field, LabourStatus)

    def validate_education_level(self, field):
        self._check_choice(field, EducationLevel)

    def validate_disability(self, field):
        raw = field.raw_data[0] if field.raw_data else ""
        if raw and raw not in ("yes", "no"):
            raise ValidationError(_l("Scegli una delle voci proposte."))

    def identity(self) -> dict:
        return {
            "first_name": self.first_name.data, "last_name": self.last_name.data, "tax_code": self.tax_code.data or None,
            "birth_year": self.birth_year.data, "contact": self.contact.data or None,
        }

    def monitoring(self) -> dict:
        return {name: getattr(self, name).data for name in
                ("gender", "age_band", "citizenship_group", "disability", "labour_status", "education_level")}


class VersionedActionForm(PortalForm):
    """A button that changes one row: carries the version it was rendered with."""

    version = VersionField()


class ActionForm(PortalForm):
    """A button with CSRF protection only."""


class DataSubjectRequestForm(PortalForm):
    kind = RadioField(
        _l("Tipo di richiesta"), choices=[(k.value, label) for k, label in REQUEST_KIND_LABELS.items()],
        validators=[DataRequired()],
    )
    reference = StringField(_l("Riferimento (numero di protocollo)"), validators=[Optional(), Length(max=100)])
    notes = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    confirm_erasure = BooleanField(_l("Per una cancellazione: confermo che i dati identificativi vanno cancellati subito, "
                                      "senza possibilità di recuperarli"))

    def validate_confirm_erasure(self, field):
        # An erasure runs as soon as it is registered and cannot be undone: one click on the wrong radio
        # button must not be enough.
        if self.kind.data == RequestKind.ERASURE and not field.data:
            raise ValidationError(_l("Conferma la cancellazione: una volta eseguita non si può annullare."))


class PseudonymSearchForm(PortalForm):
    """Everyone who may open person pages: by pseudonym (a GET form, no identity in it)."""

    codice = StringField(_l("Codice pseudonimo"), validators=[Optional(), Length(max=20)])


class IdentitySearchForm(PortalForm):
    """Who may see identity: posted, so names and codici fiscali never end up in URLs or server logs."""

    tax_code = StringField(_l("Codice fiscale"), validators=[Optional(), Length(max=16)])
    last_name = StringField(_l("Cognome"), validators=[Optional(), Length(max=100)])
    first_name = StringField(_l("Nome"), validators=[Optional(), Length(max=100)])
    birth_year = BirthYearField()

    IDENTITY_PARAMS = ("tax_code", "last_name", "first_name", "birth_year")

    def validate_tax_code(self, field):
        from .services import valid_tax_code

        if field.data and not valid_tax_code(field.data):
            raise ValidationError(_l("Il codice fiscale non è valido."))

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        if not self.tax_code.data and not (self.last_name.data and self.last_name.data.strip()):
            self.form_errors.append(_l("Indica il codice fiscale, oppure il cognome (con il nome e l'anno di nascita, se li conosci)."))
            return False
        return True
