"""Document downloads and letters of the node, on a case. Thin: rendering lives in record_pdf.py/letters.py."""
from flask import Blueprint, abort, make_response

from ..cases import record as records
from ..cases.exports import filename
from ..cases.models import Case
from ..cases.views import node_staff
from ..core.pdf import PDF_MIMETYPE
from ..tenancy.context import current
from ..tenancy.scoping import get_visible
from . import record_pdf

bp = Blueprint("documents", __name__, url_prefix="/casi")


def own_case(case_id: int) -> Case:
    case = get_visible(Case, case_id)
    if case is None or case.tenant_id != current().tenant_id:
        abort(404)
    return case


def pdf_response(content: bytes, name: str):
    response = make_response(content)
    response.mimetype = PDF_MIMETYPE
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:case_id>/scheda.pdf")
@node_staff
def analytical_record_pdf(case_id):
    case = own_case(case_id)
    content = record_pdf.render(records.analytical_record(case, event="case.record_export_pdf"))
    return pdf_response(content, filename(case, "pdf"))
