"""The case's story on the case page: its referral (texts, messages, attachments), the case diary and the
documents on the case, its phase-1 outcome and its deliveries. Routes on the cases blueprint (loaded by
blueprint.py); what the case page shows of the story is story.py's; rules in diary.py, documents.py and
referrals.services.can_read_texts."""

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.permissions import membership_required
from ..core.rows import visible_or_404
from ..core.views_helpers import already_sent, asked_from_this_site, send_read
from . import diary, documents
from .forms import DiaryForm, DocumentForm
from .models import Case, CaseDocument, DiaryEntry
from .views import _case_page, bp, case_saved, editable_case, node_staff

# --- diary -------------------------------------------------------------------------------------------

@bp.route("/<int:case_id>/diario", methods=["POST"])
@node_staff
def diary_add(case_id):
    case = editable_case(case_id)
    form = DiaryForm()
    if diary.entry_by_key(case, form.submission_key.data) is not None:
        return already_sent(_("Questa nota era già stata aggiunta al diario."),
                            url_for("cases.detail", case_id=case.id, _anchor="diario"))
    return case_saved(form, lambda: diary.add_entry(case, form.text.data, form.submission_key.data),
                      _("Nota aggiunta al diario."), case, "diario") \
        or _case_page(case, diary_form=form)


@bp.route("/diario/<int:entry_id>", methods=["GET", "POST"])
@node_staff
def diary_edit(entry_id):
    entry = visible_or_404(DiaryEntry, entry_id, own=True)
    case = editable_case(entry.case_id)
    if entry.author_id != current_user.id:
        abort(403)
    form = DiaryForm() if request.method != "GET" else DiaryForm(version=entry.version, text=entry.text)
    return case_saved(form, lambda: diary.correct_entry(entry, form.text.data, form.version.data),
                      _("Nota corretta: la versione precedente resta nel diario."), case, "diario") \
        or render_template("cases/diary_edit.html", case=case, entry=entry, form=form,
                           open=diary.can_correct(entry, case), deadline=diary.edit_deadline(entry))


# --- documents ---------------------------------------------------------------------------------------

@bp.route("/<int:case_id>/documenti", methods=["POST"])
@node_staff
def document_upload(case_id):
    case = visible_or_404(Case, case_id, own=True, may=documents.may_upload)
    form = DocumentForm()
    if documents.document_by_key(case, form.submission_key.data) is not None:
        return already_sent(_("Questo documento era già stato aggiunto."),
                            url_for("cases.detail", case_id=case.id, _anchor="documenti"))
    return case_saved(form, lambda: documents.add_case_document(case, form.file.data, phase_1=form.subject.data == "phase_1",
                                                                submission_key=form.submission_key.data),
                      _added, case, "documenti") \
        or _case_page(case, document_form=form)


def _added(document) -> str:
    return _("Documento «%(name)s» aggiunto.", name=document.filename)


def _download(document: CaseDocument):
    return send_read(document, documents.read)


@bp.route("/documenti/<int:document_id>")
@membership_required
def document_download(document_id):
    """Node staff who read the case; for a delivery's document also its provider (hence no node_staff)."""
    document = visible_or_404(CaseDocument, document_id)
    if document.names_person and not asked_from_this_site():  # opening it reads the identity: not from a link
        return redirect(url_for("cases.detail", case_id=document.case_id))  # on another site
    return _download(document)


@bp.route("/prestazioni/<int:delivery_id>/documenti", methods=["GET", "POST"])
def delivery_documents_moved(delivery_id):
    """A delivery's documents are the budget's page now (budget/views_orders.py): links and bookmarks to the old
    address follow it; 308 keeps an upload a POST. The page itself checks who may see it."""
    return redirect(url_for("budget.delivery_documents", delivery_id=delivery_id), 308)
