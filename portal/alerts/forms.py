"""Alert forms. Labels are Italian msgids; English lives in the catalogue."""
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..core.choices import enum_choices
from ..core.fields import InputRequired, OptionalChoice, VersionField, WholeNumberField
from ..core.forms import PortalForm
from ..i18n import lazy_gettext as _l
from .labels import RULE_LABELS
from .models import CASE_RULES, AlertState


class AlertFilterForm(PortalForm):
    """The alert list's GET form (no CSRF: it changes nothing). Field names are the query string."""

    class Meta:
        csrf = False

    regola = SelectField(
        _l("Regola"), choices=[("", _l("Tutte"))] + [(r.value, RULE_LABELS[r]) for r in CASE_RULES],
        validators=[OptionalChoice()],
    )
    stato = SelectField(_l("Stato"), choices=[("", _l("Da gestire (aperte e prese in visione)"))]
                        + enum_choices(AlertState) + [("tutte", _l("Tutte"))], validators=[OptionalChoice()])
    responsabile = SelectField(_l("Responsabile"), choices=[], validators=[OptionalChoice()])


class AcknowledgeForm(PortalForm):
    version = VersionField()


class ResolveForm(PortalForm):
    version = VersionField()
    note = TextAreaField(
        _l("Come è stata risolta"), validators=[DataRequired(_l("Scrivi come è stata risolta la situazione.")),
                                               Length(max=2000)],
    )


class RuleSettingForm(PortalForm):
    version = VersionField()
    enabled = BooleanField(_l("Regola attiva"))
    threshold = WholeNumberField(_l("Soglia"), validators=[InputRequired(_l("Indica una soglia valida.")), NumberRange(min=0, max=3650)])
    window_minutes = WholeNumberField(_l("Finestra di tempo (minuti)"), validators=[Optional(), NumberRange(min=1, max=1440)])
