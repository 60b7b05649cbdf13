"""Referral forms. Labels are Italian msgids; English lives in the catalogue.

The new-referral form also creates the person (identity and monitoring attributes), so it carries both.
Which button was pressed ("Salva bozza" / "Invia al nodo") arrives in ``action``; the rules for sending
(grounds, consent or a legal basis) are checked here for the user and again by the services.
"""

from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import BooleanField, DateField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..core.choices import enum_choices, enum_or_none
from ..core.fields import InputRequired, OptionalChoice, SubmissionKeyField, VersionField
from ..core.forms import PortalForm
from ..core.widgets import FilterSelectField
from ..i18n import lazy_gettext as _l
from ..i18n import local_today
from ..people.forms import BirthYearField
from ..people.models import CitizenshipGroup, EducationLevel, Gender, LabourStatus
from ..people.services import valid_tax_code
from .labels import LEGAL_BASIS_LABELS
from .models import Context, DeclineReason, Ground, LegalBasis, ReferralState, Urgency

NOT_STATED = _l("Non indicato")



def _disability(value):
    return {"yes": True, "no": False}.get(value) if isinstance(value, str) else value


class CheckboxesField(SelectMultipleField):
    """A group of checkboxes (rendered by templates/referrals/_fields.html in a fieldset with a legend)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


SUBMIT, SAVE, RESUBMIT = "submit", "save", "resubmit"


class ReferralForm(PortalForm):
    submission_key = SubmissionKeyField()
    version = HiddenField()
    person_version = HiddenField()
    action = StringField()  # the button pressed (never rendered as a field)

    # The person: identity (encrypted, need-to-know) ...
    first_name = StringField(_l("Nome"), validators=[DataRequired(), Length(max=100)])
    last_name = StringField(_l("Cognome"), validators=[DataRequired(), Length(max=100)])
    # No minimum: a short code gets the validity check's one error (WTForms has no Italian for "exactly 16").
    tax_code = StringField(_l("Codice fiscale"), validators=[Optional(), Length(max=16)])
    birth_year = BirthYearField()
    contact = StringField(_l("Recapito (telefono o e-mail)"), validators=[Optional(), Length(max=200)])
    # ... and monitoring attributes (aggregate statistics only).
    gender = SelectField(_l("Genere"), choices=enum_choices(Gender, NOT_STATED), coerce=enum_or_none(Gender),
                         validators=[OptionalChoice()])
    citizenship_group = SelectField(_l("Cittadinanza"), choices=enum_choices(CitizenshipGroup, NOT_STATED),
                                    coerce=enum_or_none(CitizenshipGroup), validators=[OptionalChoice()])
    disability = SelectField(_l("Disabilità"), choices=[("", NOT_STATED), ("yes", _l("Sì")), ("no", _l("No"))],
                             coerce=_disability, validators=[OptionalChoice()])
    labour_status = SelectField(_l("Condizione occupazionale"), choices=enum_choices(LabourStatus, NOT_STATED),
                                coerce=enum_or_none(LabourStatus), validators=[OptionalChoice()])
    education_level = SelectField(_l("Titolo di studio"), choices=enum_choices(EducationLevel, NOT_STATED),
                                  coerce=enum_or_none(EducationLevel), validators=[OptionalChoice()])

    # The referral.
    grounds = CheckboxesField(_l("Motivi di discriminazione"), choices=enum_choices(Ground), validators=[Optional()])
    context = SelectField(_l("Ambito"), choices=enum_choices(Context, _l("Scegli un ambito")),
                          validators=[InputRequired(message=_l("Scegli l'ambito in cui è avvenuta la discriminazione."))])
    urgency = SelectField(_l("Urgenza"), choices=enum_choices(Urgency), default=Urgency.NORMAL.value,
                          validators=[DataRequired()])
    situation = TextAreaField(_l("La situazione"), validators=[Optional(), Length(max=10000)])
    needs = TextAreaField(_l("Bisogni della persona"), validators=[Optional(), Length(max=5000)])
    availability = StringField(_l("Disponibilità (giorni, orari, modalità di contatto)"), validators=[Optional(), Length(max=500)])
    consent = BooleanField(_l("La persona ha ricevuto l'informativa sulla privacy e ha dato il consenso"))
    consent_notice_version = StringField(_l("Versione dell'informativa"), validators=[Optional(), Length(max=20)])
    consent_date = DateField(_l("Data del consenso"), validators=[Optional()])
    legal_basis_requested = BooleanField(
        _l("Consenso non raccoglibile: chiedo al nodo di valutare una base giuridica")
    )
    # Only with "Salva e invia di nuovo" after the node asked for information.
    message = TextAreaField(_l("Risposta per il nodo"), validators=[Optional(), Length(max=5000)])
    files = MultipleFileField(_l("Documenti da allegare (facoltativo)"))

    information_point_id = SelectField(_l("Inviata dal punto informativo"), coerce=lambda v: int(v) if v else None,
                                       validators=[OptionalChoice()])

    def __init__(self, *args, legal_basis=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._legal_basis = legal_basis
        from ..tenancy.context import current
        from .services import information_points

        self.information_point_id.choices = [("", _l("Nessuno (la sede dell'antenna)"))] + [
            (p.id, p.name) for p in information_points(current().tenant_id)]

    @property
    def sending(self) -> bool:
        return self.action.data in (SUBMIT, RESUBMIT)

    def validate_context(self, field):
        if field.data and field.data not in {c.value for c in Context}:
            raise ValidationError(_l("Scegli un ambito dall'elenco."))

    def validate_tax_code(self, field):
        if field.data and not valid_tax_code(field.data):
            raise ValidationError(_l("Il codice fiscale non è valido."))

    def validate_consent_date(self, field):
        if field.data and field.data > local_today():
            raise ValidationError(_l("La data del consenso non può essere nel futuro."))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.consent.data:
            if not (self.consent_notice_version.data or "").strip():
                self.consent_notice_version.errors.append(_l("Indica la versione dell'informativa consegnata."))
                ok = False
            if not self.consent_date.data and not self.consent_date.errors:
                self.consent_date.errors.append(_l("Indica la data del consenso."))
                ok = False
        if self.sending:
            if not self.grounds.data:
                self.grounds.errors.append(_l("Indica almeno un motivo di discriminazione."))
                ok = False
            if not (self.situation.data or "").strip():
                self.situation.errors.append(_l("Descrivi la situazione prima di inviare la segnalazione al nodo."))
                ok = False
            if self.action.data == RESUBMIT and not (self.message.data or "").strip():
                self.message.errors.append(_l("Scrivi la risposta alle richieste del nodo."))
                ok = False
            if not self.consent.data and not self.legal_basis_requested.data and self._legal_basis is None:
                self.consent.errors.append(_l(
                    "Senza il consenso informato della persona (versione dell'informativa e data) la segnalazione "
                    "non può essere inviata: salvala come bozza, oppure chiedi al nodo di valutare una base giuridica."
                ))
                ok = False
        if self.consent.data and self.legal_basis_requested.data:
            self.legal_basis_requested.errors.append(_l(
                "La persona ha dato il consenso: non serve chiedere al nodo un'altra base giuridica."
            ))
            ok = False
        return ok

    # What the services take.
    def identity(self) -> dict:
        return {
            "first_name": self.first_name.data, "last_name": self.last_name.data,
            "tax_code": (self.tax_code.data or "").strip().upper() or None, "birth_year": self.birth_year.data,
            "contact": self.contact.data,
        }

    def monitoring(self) -> dict:
        return {
            "gender": self.gender.data, "citizenship_group": self.citizenship_group.data,
            "disability": self.disability.data, "labour_status": self.labour_status.data,
            "education_level": self.education_level.data,
        }

    def referral_data(self) -> dict:
        consent = bool(self.consent.data)
        return {
            "grounds": sorted(self.grounds.data or []),
            "context": Context(self.context.data),
            "urgency": Urgency(self.urgency.data),
            "situation": (self.situation.data or "").strip() or None,
            "needs": (self.needs.data or "").strip() or None,
            "availability": (self.availability.data or "").strip() or None,
            "consent_notice_version": (self.consent_notice_version.data or "").strip() or None if consent else None,
            "consent_date": self.consent_date.data if consent else None,
            "legal_basis_requested": bool(self.legal_basis_requested.data) and not consent,
            "information_point_id": self.information_point_id.data or None,
        }

    def fill(self, referral, identity: dict) -> None:
        """Pre-fill from a referral, its person's monitoring attributes and the revealed identity (GET)."""
        person = referral.person
        self.version.data = referral.version
        self.person_version.data = person.version
        for name in ("first_name", "last_name", "tax_code", "birth_year", "contact"):
            getattr(self, name).data = identity.get(name)
        self.gender.data = person.gender
        self.citizenship_group.data = person.citizenship_group
        self.disability.data = person.disability
        self.labour_status.data = person.labour_status
        self.education_level.data = person.education_level
        self.grounds.data = list(referral.grounds or [])
        self.context.data = referral.context.value if referral.context else ""
        self.urgency.data = referral.urgency.value if referral.urgency else Urgency.NORMAL.value
        self.situation.data = referral.situation
        self.needs.data = referral.needs
        self.availability.data = referral.availability
        self.consent.data = bool(referral.consent_notice_version and referral.consent_date)
        self.consent_notice_version.data = referral.consent_notice_version
        self.consent_date.data = referral.consent_date
        self.legal_basis_requested.data = bool(referral.legal_basis_requested)
        self.information_point_id.data = referral.information_point_id


class TransitionForm(PortalForm):
    """A state change: the version the page was rendered with and an optional message."""

    version = VersionField()
    message = TextAreaField(_l("Messaggio (facoltativo)"), validators=[Optional(), Length(max=5000)])


class RequestInfoForm(TransitionForm):
    message = TextAreaField(_l("Quali informazioni servono"), validators=[DataRequired(), Length(max=5000)])


class ResubmitForm(TransitionForm):
    message = TextAreaField(_l("Risposta per il nodo"), validators=[DataRequired(), Length(max=5000)])
    files = MultipleFileField(_l("Documenti da allegare (facoltativo)"))


class DeclineForm(TransitionForm):
    decline_reason = SelectField(
        _l("Motivo"), choices=enum_choices(DeclineReason, _l("Scegli un motivo")),
        validators=[InputRequired(message=_l("Scegli il motivo."))],
    )
    message = TextAreaField(_l("Messaggio per l'antenna"), validators=[DataRequired(), Length(max=5000)])

    def validate_decline_reason(self, field):
        if field.data not in {r.value for r in DeclineReason}:
            raise ValidationError(_l("Scegli il motivo dall'elenco."))


class AcceptForm(TransitionForm):
    case_worker_id = SelectField(_l("Case manager"), coerce=int, validators=[InputRequired(message=_l("Scegli il case manager."))])
    message = TextAreaField(_l("Messaggio per l'antenna (facoltativo)"), validators=[Optional(), Length(max=5000)])


TRANSITION_FORMS = {
    "submit": TransitionForm,
    "resubmit": ResubmitForm,
    "withdraw": TransitionForm,
    "request_info": RequestInfoForm,
    "accept": AcceptForm,
    "decline": DeclineForm,
}


class LegalBasisForm(PortalForm):
    version = VersionField()
    # Consent is the antenna's to record (notice version and date): the node chooses among the others.
    legal_basis = SelectField(
        _l("Base giuridica del trattamento"),
        choices=enum_choices({k: v for k, v in LEGAL_BASIS_LABELS.items() if k != LegalBasis.CONSENT}, _l("Nessuna")),
        coerce=enum_or_none(LegalBasis), validators=[OptionalChoice()],
    )


class AttachmentForm(PortalForm):
    """One file on the referral's page; named as on the referral form, the name the service's refusals give."""

    files = FileField(_l("File (PDF, PNG o JPEG)"), validators=[FileRequired(message=_l("Scegli un file da allegare."))])


class InboxFilterForm(PortalForm):
    class Meta:
        csrf = False

    stato = FilterSelectField(_l("Stato"), choices=enum_choices(ReferralState, _l("Tutte le inviate")),
                              validators=[OptionalChoice()])

    def state(self) -> ReferralState | None:
        return ReferralState(self.stato.data) if self.stato.data in {s.value for s in ReferralState} else None

