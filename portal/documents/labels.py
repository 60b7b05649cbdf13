"""Words of the letters (msgids); the kinds' labels stand beside their codes in models.py."""
from ..i18n import lazy_gettext as _l
from .models import LETTER_KIND_LABELS as LETTER_KIND_LABELS

LANGUAGE_LABELS = {"it": _l("Italiano"), "en": _l("Inglese")}
