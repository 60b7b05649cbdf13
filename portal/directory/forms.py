"""Directory forms."""
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..core.fields import OptionalChoice
from ..core.forms import PortalForm, PortalSubForm
from ..core.grounds import GROUND_LABELS
from ..i18n import lazy_gettext as _l
from ..tenancy.models import KIND_LABELS
from .istat import PROVINCES
from .municipalities import choices


def _province() -> str | None:
    """The province of the current network's node when it is a Piedmont one; else (a region, a test node)
    every municipality of Piedmont."""
    from ..accounts.permissions import current_membership

    membership = current_membership()
    tenant = membership.tenant if membership is not None else None
    node = tenant if tenant is not None and tenant.is_node else (tenant.node if tenant is not None else None)
    code = (node.code or "").upper() if node is not None else ""
    return code if code in PROVINCES else None


def _municipalities(blank):
    return [("", blank)] + choices(_province())


class EntryForm(PortalForm):
    version = HiddenField()
    description = TextAreaField(_l("Chi siamo"), validators=[Optional(), Length(max=3000)])
    address = StringField(_l("Indirizzo"), validators=[Optional(), Length(max=300)])
    municipality_code = SelectField(_l("Comune"), validators=[OptionalChoice()])
    phone = StringField(_l("Telefono"), validators=[Optional(), Length(max=60)])
    email = StringField(_l("E-mail istituzionale"), validators=[Optional(), Email(), Length(max=200)])
    website = StringField(_l("Sito web"), validators=[Optional(), Length(max=300)])
    referents = TextAreaField(_l("Referenti"), validators=[Optional(), Length(max=2000)])
    grounds = SelectMultipleField(
        _l("Motivi di discriminazione seguiti"), choices=[(k.value, v) for k, v in GROUND_LABELS.items()],
        option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False), validators=[OptionalChoice()],
    )
    services = TextAreaField(_l("Servizi offerti"), validators=[Optional(), Length(max=3000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality_code.choices = _municipalities(_l("Non indicato"))

    def data_for_service(self) -> dict:
        return {
            "description": self.description.data or None, "address": self.address.data or None,
            "municipality_code": self.municipality_code.data or None, "phone": self.phone.data or None,
            "email": self.email.data or None, "website": self.website.data or None,
            "referents": self.referents.data or None, "grounds": list(self.grounds.data or []),
            "services": self.services.data or None,
        }


class PointFields(PortalSubForm):
    """An information point's fields: the organisation's page (PointForm) and the three rows of an application
    to join the network (network.forms) ask the same things."""

    name = StringField(_l("Nome del punto informativo"), validators=[Optional(), Length(max=200)])
    address = StringField(_l("Indirizzo del punto"), validators=[Optional(), Length(max=300)])
    municipality_name = StringField(_l("Comune del punto"), validators=[Optional(), Length(max=120)])
    opening_hours = StringField(_l("Orari"), validators=[Optional(), Length(max=300)])
    languages = StringField(_l("Lingue parlate"), validators=[Optional(), Length(max=200)])
    accessibility = StringField(_l("Accessibilità"), validators=[Optional(), Length(max=300)])
    phone = StringField(_l("Telefono del punto"), validators=[Optional(), Length(max=60)])
    email = StringField(_l("E-mail del punto"), validators=[Optional(), Email(), Length(max=200)])

    FIELDS = ("name", "address", "municipality_name", "opening_hours", "phone", "email", "languages", "accessibility")


class PointForm(PortalForm, PointFields):
    version = HiddenField()
    # Optional in an application's rows (a row may stay empty), required for a point of its own.
    name = StringField(_l("Nome del punto informativo"), validators=[DataRequired(), Length(max=200)])


class FilterForm(PortalForm):
    class Meta:
        csrf = False

    q = StringField(_l("Cerca per nome, servizio, comune o codice ISTAT"), validators=[Optional(), Length(max=100)])
    tipo = SelectField(_l("Tipo di organizzazione"), validators=[OptionalChoice()])
    motivo = SelectField(_l("Motivo di discriminazione"), validators=[OptionalChoice()])
    comune = SelectField(_l("Comune"), validators=[OptionalChoice()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tipo.choices = [("", _l("Tutti"))] + [(k.value, v) for k, v in KIND_LABELS.items()]
        self.motivo.choices = [("", _l("Tutti"))] + [(k.value, v) for k, v in GROUND_LABELS.items()]
        self.comune.choices = _municipalities(_l("Tutti"))
