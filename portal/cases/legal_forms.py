"""Forms of the legal path. Amounts are Decimal, typed the Italian way (``1.234,56``)."""
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..core.choices import enum_choices
from ..core.fields import InputRequired, MoneyField, Range, ServiceRule
from ..core.forms import PortalForm
from ..i18n import lazy_gettext as _l
from .legal import (
    DeadlineKind,
    Fund,
    LegalActionType,
    LegalOutcome,
)
from .legal_services import check_legal_dates

MAX_AMOUNT = 9_999_999_999


class LegalPathForm(PortalForm):
    version = HiddenField()
    action_type = SelectField(_l("Tipo di azione"), choices=enum_choices(LegalActionType), validators=[DataRequired()])
    counsel = TextAreaField(_l("Avvocato o associazione"), validators=[Optional(), Length(max=1000)])
    started_on = DateField(_l("Data di avvio"), validators=[Optional()])
    outcome = SelectField(_l("Esito"), choices=enum_choices(LegalOutcome), validators=[DataRequired()])
    outcome_on = DateField(_l("Data dell'esito"), validators=[Optional(), ServiceRule(check_legal_dates, "started_on",
                                                                                       "outcome_on")])

    def data_for_service(self) -> dict:
        return {"action_type": LegalActionType(self.action_type.data), "counsel": self.counsel.data,
                "started_on": self.started_on.data, "outcome": LegalOutcome(self.outcome.data),
                "outcome_on": self.outcome_on.data}


class DeadlineForm(PortalForm):
    version = HiddenField()
    due_on = DateField(_l("Data"), validators=[InputRequired()])
    kind = SelectField(_l("Tipo"), choices=enum_choices(DeadlineKind), validators=[DataRequired()])
    note = StringField(_l("Nota"), validators=[Optional(), Length(max=500)])
    done = BooleanField(_l("Svolta"))

    def data_for_service(self, today) -> dict:
        return {"due_on": self.due_on.data, "kind": DeadlineKind(self.kind.data), "note": self.note.data,
                "done_on": today if self.done.data else None}


class FundRequestForm(PortalForm):
    version = HiddenField()
    fund = SelectField(_l("Fondo"), choices=enum_choices(Fund), validators=[DataRequired()])
    requested = MoneyField(_l("Importo richiesto"), validators=[InputRequired(), Range(min=0, max=MAX_AMOUNT)])
    requested_on = DateField(_l("Data della richiesta"), validators=[InputRequired()])
    granted = MoneyField(_l("Importo concesso"), validators=[Optional(), Range(min=0, max=MAX_AMOUNT)])
    granted_on = DateField(_l("Data della concessione"), validators=[Optional()])
    paid = MoneyField(_l("Importo erogato"), validators=[Optional(), Range(min=0, max=MAX_AMOUNT)])
    paid_on = DateField(_l("Data dell'erogazione"), validators=[Optional()])

    def data_for_service(self) -> dict:
        return {"fund": Fund(self.fund.data), **{name: getattr(self, name).data for name in
                ("requested", "requested_on", "granted", "granted_on", "paid", "paid_on")}}
