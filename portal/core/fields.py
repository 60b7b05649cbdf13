"""Form fields shared by the domains' forms."""
from decimal import Decimal, InvalidOperation

from wtforms import DecimalField
from wtforms.widgets import TextInput

from ..i18n import decimal_point


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
        return value.quantize(Decimal("0.01"))

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
        if "," in raw:
            raw = raw.replace(".", "").replace(",", ".")
        try:
            self.data = self.checked(Decimal(raw))
        except (InvalidOperation, ValueError):
            self.data = None
            raise ValueError(self.refusal()) from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return self.text(Decimal(self.data)).replace(".", decimal_point())
