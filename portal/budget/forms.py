"""Budget and contract forms. Money is Decimal, typed in the user's locale (``core.fields.MoneyField``)."""
from decimal import Decimal

from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional

from ..cases.models import ServiceType
from ..core.choices import enum_choices
from ..core.fields import (
    HoursField,
    InputRequired,
    MoneyField,
    OptionalChoice,
    Range,
    ServiceRule,
    SubmissionKeyField,
    VersionField,
    WholeNumberField,
    form_check,
)
from ..core.forms import PortalForm, PortalSubForm
from ..i18n import lazy_gettext as _l
from .contracts import (
    check_cig,
    check_contract_period,
    check_contract_value,
    check_lines,
    check_order_quantity,
    check_units,
)
from .controls import check_sample_period, check_sample_size
from .editing import check_allocation
from .models import Procedure, Unit
from .services import check_not_future, check_positive_amount


class ContractLineForm(PortalSubForm):
    service_type = SelectField(_l("Tipo di servizio"), choices=enum_choices(ServiceType, blank=_l("Nessuno")), validators=[OptionalChoice()])
    unit = SelectField(_l("Unità"), choices=enum_choices(Unit), validators=[OptionalChoice()])
    unit_price = MoneyField(_l("Prezzo unitario (€)"), validators=[Optional(), Range(min=0)])
    quantity = HoursField(_l("Quantità"), validators=[Optional(), Range(min=0, max=9999999)])

    def line(self) -> dict | None:
        """The row as the services take it; None for a row left empty."""
        if not self.service_type.data:
            return None
        return {"service_type": self.service_type.data, **self._terms()}

    def _terms(self) -> dict:
        return {"unit": self.unit.data or "hour", "unit_price": self.unit_price.data or Decimal("0"),
                "quantity": self.quantity.data or Decimal("0")}


class _ContractLines:
    """A contract form's rows (``lines``), the empty ones left out; checked against the total with the
    form's other errors (the service's own check)."""

    def line_data(self) -> list[dict]:
        return [row for row in (entry.form.line() for entry in self.lines) if row is not None]

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.lines.errors or self.total_value.errors or self.total_value.data is None:
            return valid
        return form_check(self, check_lines, self.line_data(), self.total_value.data) and valid


def _contract_terms(legal_basis=None, vat_rate=None):
    """The terms a new contract and a contract's edit both ask for, made where each form declares them:
    WTForms orders fields by creation, and the error summary lists them in that order."""
    return (
        SelectField(_l("Procedura"), choices=enum_choices(Procedure), validators=[DataRequired()]),
        StringField(_l("Riferimento normativo"), default=legal_basis, validators=[DataRequired(), Length(max=120)]),
        StringField(_l("Codice CIG"), validators=[DataRequired(), Length(max=12), ServiceRule(check_cig)]),
        DateField(_l("Inizio"), validators=[InputRequired()]),
        DateField(_l("Fine"), validators=[InputRequired(), ServiceRule(check_contract_period, "start_date", "end_date")]),
        MoneyField(_l("Valore totale, IVA inclusa (€)"), validators=[InputRequired(), ServiceRule(check_contract_value)]),
        HoursField(_l("Aliquota IVA (%)"), default=vat_rate, validators=[Optional(), Range(min=0, max=100)]),
    )


class ContractForm(_ContractLines, PortalForm):
    title = StringField(_l("Oggetto del contratto"), validators=[DataRequired(), Length(max=300)])
    budget_line = SelectField(_l("Linea di budget"), choices=[], validators=[DataRequired()])
    provider = SelectField(_l("Soggetto attuatore"), choices=[], validators=[DataRequired()])
    procedure, legal_basis, cig, start_date, end_date, total_value, vat_rate = _contract_terms(
        legal_basis="D.Lgs. 36/2023", vat_rate=Decimal("5"))
    lines = FieldList(FormField(ContractLineForm), min_entries=3, max_entries=20)
    override_reason = TextAreaField(_l("Motivo della deroga"), validators=[Optional(), Length(max=2000)])


class SettlementForm(PortalForm):
    version = VersionField()
    note = TextAreaField(_l("Come è stata risolta la differenza"), validators=[DataRequired(), Length(max=4000)])


class OrderForm(PortalForm):
    action = SelectField(_l("Azione da affidare"), choices=[], validators=[DataRequired()])
    line = SelectField(_l("Riga del contratto"), choices=[], validators=[DataRequired()])
    quantity = HoursField(_l("Quantità ordinata"), validators=[InputRequired(), Range(max=99999),
                                                               ServiceRule(check_order_quantity)])
    override_reason = TextAreaField(_l("Motivo della deroga"), validators=[Optional(), Length(max=2000)])


class DeliveryForm(PortalForm):
    # A key per rendered form (the delivery keeps it): a double click or a resent page registers it once.
    submission_key = SubmissionKeyField()
    delivered_on = DateField(_l("Data della prestazione"), validators=[InputRequired(), ServiceRule(check_not_future)])
    units = HoursField(_l("Ore o unità erogate"), validators=[InputRequired(), Range(max=9999), ServiceRule(check_units)])
    attended = BooleanField(_l("La persona era presente"), default=True)
    note = StringField(_l("Nota breve"), validators=[Optional(), Length(max=500)])


class ReviewForm(PortalForm):
    version = VersionField()
    decision = HiddenField(validators=[AnyOf(("approve", "return"))])  # the button pressed; else a forged form (400)
    note = StringField(_l("Nota per il soggetto attuatore"), validators=[Optional(), Length(max=500)])
    override_reason = StringField(_l("Motivo della deroga"), validators=[Optional(), Length(max=2000)])


class InvoiceForm(PortalForm):
    number = StringField(_l("Numero della fattura"), validators=[DataRequired(), Length(max=40)])
    issued_on = DateField(_l("Data della fattura"), validators=[InputRequired(), ServiceRule(check_not_future)])
    amount = MoneyField(_l("Importo, IVA inclusa (€)"), validators=[InputRequired(), ServiceRule(check_positive_amount)])


class InvoiceActionForm(PortalForm):
    version = VersionField()
    step = HiddenField(validators=[AnyOf(("verify", "pay"))])  # the button pressed; else a forged form (400)
    paid_on = DateField(_l("Data del pagamento"), validators=[Optional()])
    reference = StringField(_l("Riferimento del mandato"), validators=[Optional(), Length(max=80)])
    # Ticked, it carries the excess the page showed: verified as an advance up to that, not beyond (another
    # invoice verified meanwhile can make it larger).
    advance = DecimalField(_l("È un acconto previsto dal contratto"), places=2, validators=[Optional()])


class InternalCostForm(PortalForm):
    line = SelectField(_l("Linea di budget"), choices=[], validators=[DataRequired()])
    spent_on = DateField(_l("Data"), validators=[InputRequired(), ServiceRule(check_not_future)])
    description = StringField(_l("Descrizione"), validators=[DataRequired(), Length(max=300)])
    amount = MoneyField(_l("Importo (€)"), validators=[InputRequired(), ServiceRule(check_positive_amount)])
    override_reason = TextAreaField(_l("Motivo della deroga"), validators=[Optional(), Length(max=2000)])
    submission_key = SubmissionKeyField()  # kept on the cost: the same form posted again counts it once


# --- editing, order status, identity grants, controls ---------------------------------------------------

class ContractLineEditForm(ContractLineForm):
    line_id = HiddenField()

    def line(self) -> dict | None:
        # A row of the contract whose service type was cleared is removed (refused once orders use it).
        if not self.service_type.data and not self.line_id.data:
            return None
        return {"id": self.line_id.data or None, "service_type": self.service_type.data or None, **self._terms()}


class ContractEditForm(_ContractLines, PortalForm):
    version = VersionField()
    title = StringField(_l("Oggetto del contratto"), validators=[DataRequired(), Length(max=300)])
    procedure, legal_basis, cig, start_date, end_date, total_value, vat_rate = _contract_terms()
    lines = FieldList(FormField(ContractLineEditForm), min_entries=1, max_entries=30)
    override_reason = TextAreaField(_l("Motivo della deroga"), validators=[Optional(), Length(max=2000)])


class BudgetLineForm(PortalForm):
    version = VersionField()
    title = StringField(_l("Titolo della linea"), validators=[DataRequired(), Length(max=300)])
    allocated = MoneyField(_l("Stanziato (€)"), validators=[InputRequired(), ServiceRule(check_allocation)])


class OrderStatusForm(PortalForm):
    version = VersionField()
    step = SelectField(_l("Operazione"), choices=[("close", _l("Chiudi l'ordine (servizio concluso)")),
                                                  ("cancel", _l("Annulla l'ordine (emesso per errore)"))],
                       validators=[DataRequired()])
    reason = TextAreaField(_l("Motivo"), validators=[Optional(), Length(max=2000)])


class OrderFilterForm(PortalSubForm):
    """The order list's filters, read from the query string (GET: no CSRF)."""

    contratto = SelectField(_l("Contratto"), choices=[], validators=[OptionalChoice()])
    fornitore = SelectField(_l("Soggetto attuatore"), choices=[], validators=[OptionalChoice()])
    stato = SelectField(_l("Stato"), choices=[], validators=[OptionalChoice()])


class DeliveryEditForm(DeliveryForm):
    version = VersionField()


class GrantForm(PortalForm):
    provider = SelectField(_l("Soggetto attuatore"), choices=[], validators=[DataRequired()])
    reason = TextAreaField(_l("Perché deve conoscere l'identità"), validators=[Optional(), Length(max=2000)])


class RevokeForm(PortalForm):
    version = VersionField()
    reason = StringField(_l("Motivo della revoca"), validators=[Optional(), Length(max=500)])


class SampleDrawForm(PortalForm):
    provider = SelectField(_l("Soggetto attuatore"), choices=[], validators=[DataRequired()])
    size = WholeNumberField(_l("Numero di prestazioni"), validators=[Optional(), Range(min=1, max=10000)])
    percent = HoursField(_l("Oppure percentuale (%)"), validators=[Optional(), Range(min=0.01, max=100)])
    period_from = DateField(_l("Prestazioni dal"), validators=[Optional()])
    period_to = DateField(_l("Prestazioni al"), validators=[Optional(), ServiceRule(check_sample_period, "period_from",
                                                                                     "period_to")])
    seed = WholeNumberField(_l("Seme dell'estrazione"), validators=[Optional(), NumberRange(min=0, max=2_000_000_000)])
    note = StringField(_l("Nota"), validators=[Optional(), Length(max=500)])

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.size.errors or self.percent.errors:
            return valid
        return form_check(self, check_sample_size, self.size.data, self.percent.data) and valid


class VerifyItemForm(PortalForm):
    version = VersionField()
    outcome = SelectField(_l("Esito della verifica"), choices=[], validators=[DataRequired()])
    discrepancy_amount = MoneyField(_l("Importo non riconosciuto (€)"), validators=[Optional()])
    note = StringField(_l("Nota della verifica"), validators=[Optional(), Length(max=500)])
