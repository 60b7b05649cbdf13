"""Import forms: the upload and the column mapping (one select per Rete field, built for the file's headers)."""
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField

from ..core.forms import PortalForm
from ..i18n import lazy_gettext as _l
from .fields import FIELDS
from .parsing import FileError, read_table  # noqa: F401  (the views catch FileError from here)

NOT_PRESENT = ""


class UploadForm(PortalForm):
    file = FileField(_l("File CSV o XLSX"), validators=[FileRequired(_l("Scegli il file da importare."))])


class VersionForm(PortalForm):
    version = HiddenField()


def _column(value):
    return int(value) if value not in (None, NOT_PRESENT) else None


def mapping_form(headers: list[str], mapping: dict, formdata=None, fields=FIELDS) -> PortalForm:
    """A form with one select per Rete field, offering the file's columns (by header) or none."""

    class MappingForm(PortalForm):
        pass

    choices = [(NOT_PRESENT, _l("— non presente nel file —"))] + [(str(i), h) for i, h in enumerate(headers)]
    for field in fields:
        label = _l("%(label)s (obbligatorio)", label=field.label) if field.required else field.label
        setattr(MappingForm, f"f_{field.key}", SelectField(label, choices=choices, coerce=_column))
    form = MappingForm(formdata=formdata) if formdata is not None else MappingForm(
        data={f"f_{k}": v for k, v in mapping.items()})
    return form


def mapping_of(form, fields=FIELDS) -> dict:
    return {field.key: getattr(form, f"f_{field.key}").data for field in fields}
