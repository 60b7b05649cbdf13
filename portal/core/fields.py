"""Form fields shared by the domains' forms."""
import re
import secrets
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from wtforms import DateField, DecimalField, HiddenField, IntegerField, validators
from wtforms.validators import Length, NumberRange, Optional, StopValidation, ValidationError
from wtforms.widgets import TextInput

from ..i18n import decimal_point, format_money, format_quantity
from ..i18n import lazy_gettext as _l
from .checks import check_plausible_day
from .edge import DB_INT_MAX
from .errors import ServiceError
from .transaction import show_on_form

_GROUPED = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d*)?")
_DOT_GROUPED = re.compile(r"-?\d{1,3}(\.\d{3})+")
# What Decimal reads beyond a typed number ("1e5", "NaN", "Infinity") is refused, not interpreted.
_PLAIN = re.compile(r"-?(\d+(\.\d*)?|\.\d+)")
_WHOLE = re.compile(r"-?\d+")


class LocaleDecimalField(DecimalField):
    """A Decimal (2 places) typed the Italian way (``1.234,56``) or with a dot, in a text box (a number box
    refuses the comma), shown in the user's locale. Subclasses say which characters a typist may add
    (``ignored``), what a value must be (``checked``), how it is written (``text``) and the refusal."""

    widget = TextInput()
    ignored = " "

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("places", 2)
        render_kw = {"inputmode": "decimal", "autocomplete": "off", **(kwargs.pop("render_kw", None) or {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def refusal(self) -> str:
        raise NotImplementedError

    def checked(self, value: Decimal) -> Decimal:
        return value.quantize(Decimal(1).scaleb(-self.places))  # the column's places (2 unless told)

    def text(self, value: Decimal) -> str:
        return format(value, "f")

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = (valuelist[0] or "").strip()
        for char in self.ignored:
            raw = raw.replace(char, "")
        if not raw:
            self.data = None
            return
        if decimal_point() == ",":
            if "," in raw:  # 1.234,56; without a comma the dot is the decimal point (12.5)
                raw = raw.replace(".", "").replace(",", ".")
            elif _DOT_GROUPED.fullmatch(raw):  # 60.000: sixty thousand as written, sixty from a keypad's dot
                raw = "invalid"
        elif "," in raw:  # 1,234.56 where the point is a dot; a comma elsewhere is not guessed at
            raw = raw.replace(",", "") if _GROUPED.fullmatch(raw) else "invalid"
        if not _PLAIN.fullmatch(raw):
            raw = "invalid"
        try:
            self.data = self.checked(Decimal(raw))
        except (InvalidOperation, ValueError):
            self.data = None
            raise ValueError(self.refusal()) from None

    def pre_validate(self, form):
        # An unreadable number is refused once: the range check then read "no value" and added its own
        # "must be between 0 and 99999" under the refusal.
        if self.process_errors:
            raise StopValidation()

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return self.text(Decimal(self.data)).replace(".", decimal_point())


class HoursField(LocaleDecimalField):
    """Hours (or a rate) as Decimal, typed as ``12,5`` or ``12.5``; shown in the user's locale."""

    def refusal(self) -> str:
        return _("Scrivi un numero di ore, ad esempio 12,5.")

    def text(self, value: Decimal) -> str:
        return format(value.normalize(), "f")


#: The most a money column (``Numeric(12, 2)``) holds: a larger amount failed the database write.
LARGEST_AMOUNT = Decimal("9999999999.99")


class MoneyField(LocaleDecimalField):
    """Euro amounts as Decimal (at most 2 places), typed the Italian way (``1.234,56``) or with a dot, no
    larger than the database keeps."""

    ignored = " €\u00a0"

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and abs(self.data) > LARGEST_AMOUNT:
            raise ValueError(_("L'importo non può superare %(amount)s.", amount=format_money(LARGEST_AMOUNT)))

    def refusal(self) -> str:
        return _("Scrivi un importo in euro, ad esempio 1.234,56.")

    def checked(self, value: Decimal) -> Decimal:
        if value != value.quantize(Decimal("0.01")):
            raise InvalidOperation
        return super().checked(value)

    def text(self, value: Decimal) -> str:
        return f"{value:.2f}"


class Range(NumberRange):
    """wtforms' NumberRange for amounts and hours, its bounds written as the user's locale writes numbers
    ("tra 0 e 9.999.999", not "9999999"). Not for years, which are never grouped."""

    def __call__(self, form, field):
        try:
            super().__call__(form, field)
        except ValidationError:
            if self.message is not None:
                raise
            low, high = self._resolve(self.min), self._resolve(self.max)
            if high is None:
                text = field.gettext("Number must be at least %(min)s.")
            elif low is None:
                text = field.gettext("Number must be at most %(max)s.")
            else:
                text = field.gettext("Number must be between %(min)s and %(max)s.")
            raise ValidationError(text % {"min": _bound(low), "max": _bound(high)}) from None


def _bound(value) -> str:
    if value is None:
        return ""
    return format_quantity(value)


class WholeNumberField(IntegerField):
    """A whole number (a year, a count, a threshold). What is not one ("1.985", "1e3") is refused once, in the
    page's language: wtforms' own refusal read "Non è una valore intero valido" and the range check added
    its "must be between" under it."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = (valuelist[0] or "").strip()
        if not raw:
            self.data = None
            return
        if not _WHOLE.fullmatch(raw):
            self.data = None
            raise ValueError(_("Scrivi un numero intero, senza virgola né punto."))
        # Counted before it is read: hundreds of digits made the range check overflow (math.isnan), and what
        # an integer column cannot keep failed its write.
        if len(raw.lstrip("-").lstrip("0")) > 10 or not -DB_INT_MAX <= int(raw) <= DB_INT_MAX:
            self.data = None
            raise ValueError(_("Il numero è troppo grande."))
        self.data = int(raw)

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)


class SubmissionKeyField(HiddenField):
    """A key per rendered form, kept on the row the form creates (``core.rows.by_submission_key``): a double
    click or a page sent again creates nothing a second time."""

    def __init__(self, **kwargs):
        super().__init__(default=new_submission_key, validators=[Optional(), Length(max=64)], **kwargs)


class VersionField(HiddenField):
    """The version of the row an edit form was rendered from, checked by the service against the row's
    (``core.locking.check_version``). Left out of a POST (a client that strips hidden fields, a hand-made
    request), the form answers with what was typed and says what is missing: wtforms' own message,
    "campo obbligatorio", named no field the page shows."""

    def __init__(self, **kwargs):
        super().__init__(validators=[InputRequired(message=_l(
            "Il modulo è arrivato incompleto (manca la versione dei dati): ricarica la pagina e invia di nuovo "
            "le modifiche."))], **kwargs)


# --- a service's own rule, checked with the form's ----------------------------------------------------

class InputRequired(validators.InputRequired):
    """wtforms' InputRequired, with input made only of spaces counted as none: "  " in an amount passed it,
    the field read it as no value, and the service was handed None (a 500 instead of "obbligatorio")."""

    def __call__(self, form, field):
        if field.raw_data and isinstance(field.raw_data[0], str) and not field.raw_data[0].strip():
            field.errors[:] = []
            raise StopValidation(self.message or field.gettext("This field is required."))
        super().__call__(form, field)


class OptionalChoice(Optional):
    """wtforms' Optional for a choice (select, radio, checkboxes): the chain stops only on input that is truly
    empty. wtforms' own also stopped on spaces and cleared the errors, so "   " passed the choice check and
    reached the service as a value (a 500 instead of "scelta non valida")."""

    def __init__(self):
        super().__init__(strip_whitespace=False)


class ServiceRule:
    """A validator that runs a service's own check of typed values, so a rule that needs no database shows
    in the first round with the form's other errors, on its field, the input kept. The service still runs
    it (it is the authority: the API calls it too); this is the same function, never a second spelling.

    ``check(*values)`` raises the service's ``ServiceError``; ``names`` are the fields whose data it takes,
    in order (the field itself when none is named). Skipped while one of them is empty or already refused:
    a missing or unreadable value has its own error."""

    def __init__(self, check, *names: str):
        self.check, self.names = check, names

    def __call__(self, form, field):
        fields = [form[name] for name in self.names] if self.names else [field]
        if field.errors or any(f.data is None or f.errors or f.process_errors for f in fields):
            return
        try:
            self.check(*(f.data for f in fields))
        except ServiceError as exc:
            raise ValidationError(str(exc)) from None


def form_check(form, check, *args) -> bool:
    """A service's check over several of ``form``'s values (rows, a total), run once the fields are valid:
    False when it refuses, its message on the field it names or atop the form (as a refused save shows)."""
    try:
        check(*args)
    except ServiceError as exc:
        show_on_form(form, exc)
        return False
    return True


class PlausibleDateField(DateField):
    """A day of the work between 1 January 2000 and five years from today (``core.checks``), the bound read
    when the field is checked, as ``people.forms.BirthYearField`` reads its year: 1900 or 9999 is a slip of
    the keyboard, refused with the form's other errors. The service refuses it too, with the same check."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, [*(validators or ()), ServiceRule(check_plausible_day)], **kwargs)
