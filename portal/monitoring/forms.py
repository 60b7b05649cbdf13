"""The monitoring filters: plain GET forms (no CSRF: they change nothing). Field names are the query string."""
from wtforms import DateField, SelectField
from wtforms.validators import Optional, ValidationError

from ..core.forms import PortalForm
from ..core.widgets import LongSelect
from ..i18n import lazy_gettext as _l
from ..referrals.labels import GROUND_LABELS
from ..referrals.models import Ground
from .filters import Filters, default_period

MAX_DAYS = 366 * 10


class PeriodForm(PortalForm):
    class Meta:
        csrf = False

    dal = DateField(_l("Dal"), validators=[Optional()])
    al = DateField(_l("Al"), validators=[Optional()])

    def validate_al(self, field):
        if self.dal.data and field.data:
            if field.data < self.dal.data:
                raise ValidationError(_l("La fine del periodo viene prima dell'inizio."))
            if (field.data - self.dal.data).days > MAX_DAYS:
                raise ValidationError(_l("Scegli un periodo di al massimo dieci anni."))

    def period(self):
        """The chosen period, or the default one for any part missing or invalid."""
        start, end = default_period()
        if self.errors:
            return start, end
        return self.dal.data or start, self.al.data or end


class AntennaFilterForm(PeriodForm):
    motivo = SelectField(
        _l("Motivo di discriminazione"),
        choices=[("", _l("Tutti"))] + [(g.value, GROUND_LABELS[g]) for g in Ground], validators=[Optional()],
    )

    def filters(self) -> Filters:
        start, end = self.period()
        return Filters(start, end, ground=_ok(self.motivo))


class NodeFilterForm(AntennaFilterForm):
    antenna = SelectField(_l("Antenna"), choices=[], validators=[Optional()], widget=LongSelect())
    fornitore = SelectField(_l("Soggetto attuatore"), choices=[], validators=[Optional()])

    def filters(self) -> Filters:
        start, end = self.period()
        return Filters(start, end, antenna_id=_int(_ok(self.antenna)), ground=_ok(self.motivo),
                       provider_id=_int(_ok(self.fornitore)))


def _ok(field) -> str:
    return field.data if field.data and not field.errors else ""


def _int(value) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None
