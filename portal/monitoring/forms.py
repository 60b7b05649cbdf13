"""The monitoring filters: plain GET forms (no CSRF: they change nothing). Field names are the query string."""
from wtforms import SelectField
from wtforms.validators import Optional, ValidationError

from ..core.fields import OptionalChoice, PlausibleDateField, form_check
from ..core.forms import PortalForm
from ..core.quarters import last_closed
from ..core.widgets import LongSelect
from ..i18n import lazy_gettext as _l
from ..i18n import local_today
from ..referrals.labels import GROUND_LABELS
from ..referrals.models import Ground
from . import opendata
from .filters import Filters, default_period

MAX_DAYS = 366 * 10


class PeriodForm(PortalForm):
    class Meta:
        csrf = False

    # Plausible days (2000 to five years ahead): 9999-12-31 overflowed the end of the period into a 500.
    dal = PlausibleDateField(_l("Dal"), validators=[Optional()])
    al = PlausibleDateField(_l("Al"), validators=[Optional()])

    def validate_dal(self, field):
        if field.data and self.al.data is None and field.data > default_period()[1]:  # the end would be today
            raise ValidationError(_l("L'inizio del periodo viene dopo oggi: scegli anche la fine."))

    def validate_al(self, field):
        if field.data is None or self.dal.errors:
            return
        start = self._start()
        if field.data < start:
            raise ValidationError(_l("La fine del periodo viene prima dell'inizio."))
        if (field.data - start).days > MAX_DAYS:
            raise ValidationError(_l("Scegli un periodo di al massimo dieci anni."))

    def _start(self):
        """The first day: as chosen; with only the end chosen, 1 January of the end's year (the programme
        reports by calendar year), so ``?al=`` alone is that year up to the day, never a period that ends
        before it starts."""
        if self.dal.data:
            return self.dal.data
        return self.default()[0] if self.al.data is None else self.al.data.replace(month=1, day=1)

    def default(self) -> tuple:
        """The period of a form left empty."""
        return default_period()

    def period(self) -> tuple | None:
        """The chosen period, the default one for a part left empty; None when the dates typed are refused
        (call ``validate`` first): the error is on its field, the dates stay as typed, and no page shows another
        period's figures in their place."""
        if self.dal.errors or self.al.errors:
            return None
        return self._start(), self.al.data or self.default()[1]

    def typed(self) -> dict:
        """The period as the query string carries it: the dates chosen, or as typed when refused."""
        period = self.period()
        if period is None:
            return {name: " ".join(getattr(self, name).raw_data or []) for name in ("dal", "al")}
        return {"dal": period[0].isoformat(), "al": period[1].isoformat()}


class OpenDataForm(PeriodForm):
    """The open data's period: one closed calendar quarter (``opendata.check_period``), the last one by default."""

    def default(self) -> tuple:
        quarter = last_closed(local_today())
        return quarter.start, quarter.last

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        return form_check(self, opendata.check_ready, *self.period())


class AntennaFilterForm(PeriodForm):
    motivo = SelectField(
        _l("Motivo di discriminazione"),
        choices=[("", _l("Tutti"))] + [(g.value, GROUND_LABELS[g]) for g in Ground], validators=[OptionalChoice()],
    )

    def filters(self) -> Filters | None:
        """The dashboard's filters; None when the period is refused (the other filters: ignored if invalid)."""
        period = self.period()
        return None if period is None else Filters(*period, **self._others())

    def _others(self) -> dict:
        return {"ground": _ok(self.motivo)}


class NodeFilterForm(AntennaFilterForm):
    antenna = SelectField(_l("Antenna"), choices=[], validators=[OptionalChoice()], widget=LongSelect())
    fornitore = SelectField(_l("Soggetto attuatore"), choices=[], validators=[OptionalChoice()])

    def _others(self) -> dict:
        return {"antenna_id": _int(_ok(self.antenna)), "ground": _ok(self.motivo), "provider_id": _int(_ok(self.fornitore))}


def _ok(field) -> str:
    return field.data if field.data and not field.errors else ""


def _int(value) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None
