"""Document downloads and letters of the node, on a case; the node's letter templates.
Thin: rendering and rules live in record_pdf.py and letters.py."""
from flask import Blueprint, abort, render_template, url_for
from flask_babel import gettext as _

from ..accounts.permissions import Capability, membership_required, requires
from ..cases import record as records
from ..cases.exports import filename
from ..cases.models import Case
from ..cases.services import Forbidden
from ..cases.views import node_staff
from ..core.pdf import PDF_MIMETYPE
from ..core.rows import visible_or_404
from ..core.views_helpers import download, saved
from . import letters, record_pdf
from .defaults import LANGUAGES
from .forms import LetterForm, TemplateForm
from .labels import LANGUAGE_LABELS, LETTER_KIND_LABELS
from .models import LetterKind

bp = Blueprint("documents", __name__)


def own_case(case_id: int) -> Case:
    return visible_or_404(Case, case_id, own=True)


def pdf_response(content: bytes, name: str):
    return download(content, PDF_MIMETYPE, name)


@bp.route("/casi/<int:case_id>/scheda.pdf")
@node_staff
def analytical_record_pdf(case_id):
    case = own_case(case_id)
    content = record_pdf.render(records.analytical_record(case, event="case.record_export_pdf"))
    return pdf_response(content, filename(case, "pdf"))


# --- letters -----------------------------------------------------------------------------------------

@bp.route("/casi/<int:case_id>/lettere/nuova", methods=["GET", "POST"])
@node_staff
def new_letter(case_id):
    case = own_case(case_id)
    if not letters.case_documents.may_upload(case):
        raise Forbidden()
    may_name = letters.may_address_by_name(case)
    form = LetterForm()
    if not may_name:
        del form.by_name
    return saved(form, lambda: letters.generate(case, LetterKind(form.kind.data), form.language.data,
                                                by_name=bool(may_name and form.by_name.data), reason=form.reason.data or "",
                                                appointment=form.appointment.data or ""),
                 _("Lettera generata e salvata tra i documenti del caso."), url_for("cases.detail", case_id=case.id)) \
        or (render_template("documents/new_letter.html", case=case, form=form), 422 if form.errors else 200)


def _letter_editor(view):
    return membership_required(requires(Capability.EDIT_LETTERS)(view))


@bp.route("/nodo/lettere")
@_letter_editor
def letter_templates():
    rows = [(kind, language, letters.template_row(kind, language)) for kind in LetterKind for language in LANGUAGES]
    return render_template("documents/templates.html", rows=rows, KIND_LABELS=LETTER_KIND_LABELS,
                           LANGUAGE_LABELS=LANGUAGE_LABELS)


@bp.route("/nodo/lettere/<kind>/<language>", methods=["GET", "POST"])
@_letter_editor
def edit_letter_template(kind, language):
    if kind not in {k.value for k in LetterKind} or language not in LANGUAGES:
        abort(404)
    kind = LetterKind(kind)
    subject, body, version = letters.template_text(kind, language)
    form = TemplateForm(version=version, subject=subject, body=body)
    return saved(form, lambda: letters.save_template(kind, language, form.subject.data, form.body.data, form.version.data),
                 _("Modello di lettera salvato."), url_for("documents.letter_templates")) \
        or (render_template("documents/edit_template.html", form=form, kind=kind, language=language,
                            KIND_LABELS=LETTER_KIND_LABELS, LANGUAGE_LABELS=LANGUAGE_LABELS,
                            placeholders=letters.PLACEHOLDERS), 422 if form.errors else 200)
