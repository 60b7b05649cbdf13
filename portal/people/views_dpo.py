"""The data protection officer's screens (join the people blueprint): who accessed a person, the
data-subject requests, the export (JSON and printable). Rules and audit in ``gdpr.py``, ``access_log.py``
and ``export.py``."""
import json

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..accounts.permissions import membership_required
from ..audit.services import record
from ..core.views_helpers import download
from ..tenancy.scoping import get_visible
from . import access_log, gdpr, services
from . import export as exports
from .forms import ActionForm, DataSubjectRequestForm
from .models import DataSubjectRequest, RequestKind
from .views import PAGE_SIZE, _person, bp


@bp.route("/<int:person_id>/accessi")
@membership_required
def accesses(person_id):
    person = _person(person_id, check=services.is_node_dpo)
    page = max(request.args.get("pagina", 1, type=int), 1)
    lines, has_next = access_log.access_log(person, page=page, page_size=PAGE_SIZE)
    record("person.accesses_viewed", "person", person.id, [])
    return render_template("people/accesses.html", person=person, lines=lines, page=page, has_next=has_next)


@bp.route("/<int:person_id>/richieste", methods=["GET", "POST"])
@membership_required
def requests(person_id):
    person = _person(person_id, check=services.is_node_dpo)
    form = DataSubjectRequestForm()
    if form.validate_on_submit():
        if person.anonymised_at is not None:
            flash(_("I dati di questa persona sono già stati anonimizzati."), "warning")
            return redirect(url_for("people.requests", person_id=person.id))
        dsr, refusal = gdpr.open_request(
            person, RequestKind(form.kind.data), reference=form.reference.data, notes=form.notes.data
        )
        if refusal:
            flash(refusal, "warning")
        elif dsr.kind == RequestKind.ERASURE:
            flash(_("Richiesta di cancellazione eseguita: i dati identificativi sono stati cancellati."), "success")
        else:
            flash(_("Richiesta registrata. Finché è aperta puoi vedere i dati identificativi; ogni lettura è registrata."), "success")
        return redirect(url_for("people.requests", person_id=person.id))
    return render_template(
        "people/requests.html", person=person, form=form, action_form=ActionForm(),
        dsrs=gdpr.person_requests(person), may_see_identity=services.can_see_identity(person),
        may_rectify=services.can_rectify(person),
        may_export=services.open_request_for(person, kinds=[RequestKind.ACCESS]) is not None,
    )


@bp.route("/<int:person_id>/richieste/<int:request_id>/chiudi", methods=["POST"])
@membership_required
def close_request(person_id, request_id):
    person = _person(person_id, check=services.is_node_dpo)
    dsr = get_visible(DataSubjectRequest, request_id)
    if dsr is None or dsr.person_id != person.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    gdpr.close_request(dsr)
    flash(_("Richiesta chiusa."), "success")
    return redirect(url_for("people.requests", person_id=person.id))


@bp.route("/<int:person_id>/esporta")
@membership_required
def export(person_id):
    person, data = _export(person_id, "json")
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return download(body, "application/json", f"{person.pseudonym or person.id}.json")


@bp.route("/<int:person_id>/esporta/stampa")
@membership_required
def export_html(person_id):
    """The same export, readable and printable (the browser's print makes the PDF)."""
    person, data = _export(person_id, "html")
    response = make_response(render_template("people/export.html", person=person, data=data, **exports.labels()))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:person_id>/esporta.pdf")
@membership_required
def export_pdf(person_id):
    """The same export as a PDF to hand to the data subject."""
    from . import export_pdf as pdf

    person, data = _export(person_id, "pdf")
    return download(pdf.render(data, exports.labels()), "application/pdf", f"{person.pseudonym or person.id}.pdf")


def _export(person_id, fmt: str):
    """The person (the node's DPO only) and what the export holds of them in ``fmt`` (audited by exports)."""
    person = _person(person_id, check=services.is_node_dpo)
    return person, exports.export_person(person, fmt=fmt)
