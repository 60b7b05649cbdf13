"""Case forms. Labels are Italian msgids; English lives in the catalogue.

Choices that depend on the node (providers, case workers, antennas) are filled in by the views from
the services. Hours are Decimal, typed in the user's locale (``core.fields.HoursField``).
"""

from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..core.choices import enum_choices
from ..core.fields import (
    HoursField,
    InputRequired,
    OptionalChoice,
    PlausibleDateField,
    Range,
    ServiceRule,
    SubmissionKeyField,
    VersionField,
    form_check,
)
from ..core.forms import PortalForm
from ..core.widgets import FilterSelectField
from ..i18n import lazy_gettext as _l
from ..referrals.forms import CheckboxesField
from ..referrals.labels import GROUND_LABELS
from ..referrals.models import Ground
from .models import ActionPhase, ActionStatus, CaseState, ClosureOutcome, ContractType, JobOutcome, ServiceType
from .pathway import check_delivered_day, check_own_day, check_own_hours, check_plan_period, check_planned_hours
from .services import check_closing_day
from .verifications import check_job_details, check_verification_day


class ActionPlanForm(PortalForm):
    version = HiddenField()
    submission_key = SubmissionKeyField()  # planning only (an edit changes the action it names)
    service_type = SelectField(_l("Tipo di servizio"), choices=enum_choices(ServiceType), validators=[DataRequired()])
    phase = SelectField(_l("Fase del percorso"), choices=enum_choices(ActionPhase), validators=[DataRequired()])
    provider = SelectField(_l("Soggetto attuatore"), choices=[], validate_choice=True, validators=[OptionalChoice()])
    office = SelectField(_l("Ufficio pubblico coinvolto"), choices=[], validate_choice=True, validators=[OptionalChoice()])
    planned_start = PlausibleDateField(_l("Inizio previsto"), validators=[InputRequired()])
    planned_end = PlausibleDateField(_l("Fine prevista"), validators=[
        Optional(), ServiceRule(check_plan_period, "planned_start", "planned_end")])
    planned_hours = HoursField(_l("Ore previste"), validators=[InputRequired(), Range(max=9999),
                                                               ServiceRule(check_planned_hours)])
    notes = TextAreaField(_l("Note per l'erogazione"), validators=[Optional(), Length(max=4000)])
    override_reason = TextAreaField(_l("Motivo della deroga"), validators=[Optional(), Length(max=2000)])

    def data_for_service(self) -> dict:
        return {
            "service_type": ServiceType(self.service_type.data), "phase": ActionPhase(self.phase.data),
            "provider": self.provider.data, "office": self.office.data, "planned_start": self.planned_start.data,
            "planned_end": self.planned_end.data, "planned_hours": self.planned_hours.data, "notes": self.notes.data,
            "override_reason": self.override_reason.data, "submission_key": self.submission_key.data,
        }


class OrderActionForm(PortalForm):
    """Order an action left "to order" (once a contract line covers it)."""

    override_reason = TextAreaField(_l("Motivo della deroga"), validators=[Optional(), Length(max=2000)])


class ActionRecordForm(PortalForm):
    version = VersionField()
    status = SelectField(_l("Stato"), choices=enum_choices(ActionStatus), validators=[DataRequired()])
    delivered_hours = HoursField(_l("Ore erogate"), validators=[Optional(), Range(min=0, max=9999)])
    delivered_on = DateField(_l("Data dell'ultima erogazione"), validators=[Optional(), ServiceRule(check_delivered_day)])
    outcome = TextAreaField(_l("Esito"), validators=[Optional(), Length(max=500)])
    #: Set by the view: the node delivers the action itself, so its hours and last day are typed here.
    own_action = False

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if not self.own_action or any(f.errors for f in (self.status, self.delivered_hours, self.delivered_on)):
            return valid
        typed = (ActionStatus(self.status.data), self.delivered_hours.data, self.delivered_on.data)
        hours_ok = form_check(self, check_own_hours, *typed)
        day_ok = form_check(self, check_own_day, *typed)
        return valid and hours_ok and day_ok

    def data_for_service(self) -> dict:
        return {
            "status": ActionStatus(self.status.data), "delivered_hours": self.delivered_hours.data,
            "delivered_on": self.delivered_on.data, "outcome": self.outcome.data,
        }


class DiaryForm(PortalForm):
    """A new entry of the case diary, or the correction of one (then ``version`` is the entry's)."""

    version = HiddenField()
    submission_key = SubmissionKeyField()  # a new entry only (a correction changes the entry it names)
    text = TextAreaField(_l("Nota"), validators=[DataRequired(message=_l("Scrivi il testo della nota.")), Length(max=10000)])


class DocumentForm(PortalForm):
    file = FileField(_l("File (PDF, PNG o JPEG)"), validators=[FileRequired(message=_l("Scegli un file da allegare."))])
    subject = SelectField(_l("Riferito a"), choices=[("case", _l("Il caso")), ("phase_1", _l("L'esito della fase 1"))],
                          default="case", validators=[OptionalChoice()])
    submission_key = SubmissionKeyField()  # kept on the document: the same form posted again stores nothing more


class DeliveryDocumentForm(PortalForm):
    file = FileField(_l("File (PDF, PNG o JPEG)"), validators=[FileRequired(message=_l("Scegli un file da allegare."))])


class AssignForm(PortalForm):
    version = VersionField()
    case_worker = SelectField(_l("Operatore/operatrice del caso"), choices=[], validators=[OptionalChoice()])


class TransitionForm(PortalForm):
    version = VersionField()
    transition = HiddenField(validators=[DataRequired()])


class CloseForm(PortalForm):
    version = VersionField()
    closed_on = PlausibleDateField(_l("Data di chiusura"), validators=[Optional(), ServiceRule(check_closing_day)])
    outcome = SelectField(
        _l("Esito del percorso"), choices=enum_choices(ClosureOutcome, blank=_l("Scegli l'esito")),
        validators=[DataRequired(message=_l("Indica l'esito del percorso."))],
    )
    reason = TextAreaField(
        _l("Motivo della chiusura"),
        validators=[DataRequired(message=_l("Indica il motivo della chiusura.")), Length(max=4000)],
    )


class JobOutcomeForm(PortalForm):
    version = VersionField()
    job_outcome = RadioField(_l("Esito dell'inserimento lavorativo"), choices=enum_choices(JobOutcome), validators=[DataRequired()])
    contract_type = SelectField(
        _l("Tipo di contratto"), choices=enum_choices(ContractType, blank=_l("Non applicabile")), validators=[OptionalChoice()]
    )
    hours_per_week = HoursField(_l("Ore settimanali"), validators=[Optional(), Range(min=0, max=80)])
    sector = StringField(_l("Settore"), validators=[Optional(), Length(max=120)])
    start_date = PlausibleDateField(_l("Data di inizio"), validators=[Optional()])
    evidence = StringField(_l("Documentazione a riprova"), validators=[Optional(), Length(max=300)])
    done_on = DateField(_l("Data della verifica"), validators=[InputRequired(), ServiceRule(check_verification_day)])

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if any(field.errors for field in (self.job_outcome, self.contract_type, self.hours_per_week, self.start_date)):
            return valid
        return form_check(self, check_job_details, JobOutcome(self.job_outcome.data), self.data_for_service()) and valid

    def data_for_service(self) -> dict:
        return {
            "job_outcome": JobOutcome(self.job_outcome.data),
            "contract_type": ContractType(self.contract_type.data) if self.contract_type.data else None,
            "hours_per_week": self.hours_per_week.data, "sector": self.sector.data, "start_date": self.start_date.data,
            "evidence": self.evidence.data, "done_on": self.done_on.data,
        }


class FollowUpForm(PortalForm):
    version = VersionField()
    done_on = DateField(_l("Data della verifica"), validators=[InputRequired(), ServiceRule(check_verification_day)])
    still_in_work = RadioField(
        _l("La persona lavora ancora?"), choices=[("si", _l("Sì")), ("no", _l("No"))], validators=[DataRequired()]
    )
    difficulties = TextAreaField(_l("Difficoltà incontrate"), validators=[Optional(), Length(max=4000)])
    support_needed = TextAreaField(_l("Sostegno necessario"), validators=[Optional(), Length(max=4000)])

    def data_for_service(self) -> dict:
        return {
            "done_on": self.done_on.data, "still_in_work": self.still_in_work.data == "si",
            "difficulties": self.difficulties.data, "support_needed": self.support_needed.data,
        }


class CaseFilterForm(PortalForm):
    """The case list's GET form (no CSRF: it changes nothing). Field names are the query string."""

    class Meta:
        csrf = False

    q = StringField(_l("Cerca per codice pseudonimo"), validators=[Optional(), Length(max=20)])
    stato = FilterSelectField(_l("Stato"), choices=enum_choices(CaseState, blank=_l("Tutti")), validators=[OptionalChoice()])
    motivo = FilterSelectField(
        _l("Motivo di discriminazione"),
        choices=[("", _l("Tutti"))] + [(g.value, GROUND_LABELS[g]) for g in Ground], validators=[OptionalChoice()],
    )
    antenna = FilterSelectField(_l("Antenna"), choices=[], validators=[OptionalChoice()])
    operatore = FilterSelectField(_l("Operatore/operatrice"), choices=[], validators=[OptionalChoice()])
    fase = FilterSelectField(
        _l("Azioni nella fase"), choices=enum_choices(ActionPhase, blank=_l("Tutte")), validators=[OptionalChoice()]
    )
    ordina = HiddenField()



class TransferForm(PortalForm):
    """Propose the case to another node of the region: which node, why, which diary notes go with it."""

    version = VersionField()
    # Not validated against the choices: the service refuses any other node with its own clear message.
    target = SelectField(_l("Nodo che riceve il caso"), choices=[], validate_choice=False,
                         validators=[DataRequired(message=_l("Scegli il nodo che riceve il caso."))])
    reason = TextAreaField(
        _l("Motivo del trasferimento"),
        validators=[DataRequired(message=_l("Indica il motivo del trasferimento.")), Length(max=2000)],
    )
    notes = CheckboxesField(_l("Note del diario da condividere"), choices=[], validate_choice=False,
                            validators=[Optional()])
    files = CheckboxesField(_l("Documenti e allegati da inviare"), choices=[], validate_choice=False,
                            validators=[Optional()])


class TransferAcceptForm(PortalForm):
    version = VersionField()
    case_worker = SelectField(_l("Operatore/operatrice del caso"), choices=[], validators=[OptionalChoice()])


class TransferDeclineForm(PortalForm):
    version = VersionField()
    reason = TextAreaField(
        _l("Motivo per cui non accogli il trasferimento"),
        validators=[DataRequired(message=_l("Indica il motivo per cui il trasferimento non è accolto.")),
                    Length(max=2000)],
    )


class TransferWithdrawForm(PortalForm):
    version = VersionField()


class OfficeTakeForm(PortalForm):
    """The office took the person in charge; what came of it (optional, may be written later)."""

    version = VersionField()
    note = TextAreaField(_l("Esito o nota dell'ufficio"), validators=[Optional(), Length(max=2000)])
