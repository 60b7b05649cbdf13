"""Transfer screens: propose a case to another node of the region (from the case page), the node's list of
transfers ("Trasferimenti") with those waiting for it, one transfer's page with the answer. Routes on the
cases blueprint (loaded by blueprint.py); rules in transfers.py, who reads what in transfer_reads.py. A
transfer of two other nodes is 404 (the scoping hides it), a user of the two nodes who is not their
coordinator gets 403, and so does the receiving node's once the proposal was declined or withdrawn."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..core.rows import or_403, or_404, visible_or_404
from ..core.transaction import attempt
from ..core.views_helpers import asked_to_reveal, saved
from ..extensions import db
from ..i18n import format_size
from ..referrals.labels import CONTEXT_LABELS
from ..tenancy.context import current
from . import diary, services, transfer_files, transfer_reads, transfers
from .forms import TransferAcceptForm, TransferDeclineForm, TransferForm, TransferWithdrawForm
from .labels import TRANSFER_STATE_LABELS
from .models import Case, CaseTransfer, DiaryEntry
from .views import bp, node_staff


def _transfer(transfer_id, may=None) -> CaseTransfer:
    """The transfer (404 when the node does not see it); 403 when ``may(transfer)`` says no."""
    transfer = or_404(transfer_reads.get(transfer_id))
    if may is not None and not may(transfer):
        abort(403)
    return transfer


def _propose_form(case, form=None) -> tuple[TransferForm, list[DiaryEntry]]:
    form = form or TransferForm(version=case.version)
    form.target.choices = [("", _("Scegli il nodo"))] + [(str(t.id), t.name) for t in transfers.target_nodes()]
    entries = list(db.session.scalars(
        select(DiaryEntry).where(DiaryEntry.case_id == case.id).order_by(DiaryEntry.written_at)))
    form.notes.choices = [(str(e.id), _("Nota del %(day)s", day=e.written_at.strftime("%d/%m/%Y"))) for e in entries]
    form.files.choices = [(c["value"], _file_label(c)) for c in transfer_files.choices(case)]
    return form, entries


def _file_label(choice: dict) -> str:
    where = {transfer_files.DOCUMENT: _("documento del caso"), transfer_files.ATTACHMENT: _("allegato della segnalazione")}
    size = format_size(choice["size"])
    return f"{choice['filename']} ({where[choice['source']]}, {size})"


@bp.route("/<int:case_id>/trasferimento", methods=["GET", "POST"])
@node_staff
def transfer_propose(case_id):
    case = visible_or_404(Case, case_id, own=True, may=transfers.may_propose)
    form, entries = _propose_form(case, TransferForm() if request.method == "POST" else None)
    if request.method == "POST" and form.validate_on_submit():
        with attempt(form) as done:
            transfer = transfers.propose(case, target_id=form.target.data, reason=form.reason.data,
                                         note_ids=form.notes.data, file_values=form.files.data,
                                         expected_version=form.version.data)
        if not done:
            form, entries = _propose_form(case, form)
        else:
            flash(_("Trasferimento proposto: il caso resta in sola lettura finché l'altro nodo risponde."), "success")
            return redirect(url_for("cases.transfer_detail", transfer_id=transfer.id))
    if entries:
        diary.entries(case)  # the notes' texts are shown to choose them: an audited read
    return render_template("cases/transfer_propose.html", case=case, form=form, entries=entries,
                           has_region=bool(form.target.choices[1:]))


@bp.route("/trasferimenti")
@node_staff
def transfer_list():
    or_403(transfer_reads.is_coordinator())
    rows = transfer_reads.listing()
    names = transfer_reads.tenant_names(*rows["incoming"], *rows["others"])
    readable = {t.id for t in rows["incoming"] + rows["others"] if transfer_reads.is_party(t)}
    return render_template("cases/transfer_list.html", names=names, TRANSFER_STATE_LABELS=TRANSFER_STATE_LABELS,
                           readable=readable, **rows)


def _accept_choices() -> list:
    """Whom the accepted case may go to: one of the node's case workers, or nobody yet."""
    return [("", _("Da assegnare"))] + [(str(u.id), u.full_name) for u in services.node_case_workers()]


def _detail(transfer, accept_form=None, decline_form=None, status=200):
    or_403(transfer_reads.is_party(transfer))
    content = transfer_reads.snapshot(transfer)
    identity = None
    if asked_to_reveal():
        identity = transfer_reads.reveal_identity(transfer)
    may_decide = transfers.may_decide(transfer)
    if may_decide:
        accept_form = accept_form or TransferAcceptForm(version=transfer.version)
        accept_form.case_worker.choices = _accept_choices()
        decline_form = decline_form or TransferDeclineForm(version=transfer.version)
    return render_template(
        "cases/transfer_detail.html", transfer=transfer, content=content, identity=identity,
        names=transfer_reads.tenant_names(transfer), may_decide=may_decide, accept_form=accept_form,
        decline_form=decline_form, withdraw_form=TransferWithdrawForm(version=transfer.version),
        may_withdraw=transfers.may_withdraw(transfer), TRANSFER_STATE_LABELS=TRANSFER_STATE_LABELS,
        CONTEXT_LABELS=CONTEXT_LABELS, own=transfer.tenant_id == current().tenant_id,
    ), status


@bp.route("/trasferimenti/<int:transfer_id>")
@node_staff
def transfer_detail(transfer_id):
    return _detail(_transfer(transfer_id))


@bp.route("/trasferimenti/<int:transfer_id>/accetta", methods=["POST"])
@node_staff
def transfer_accept(transfer_id):
    transfer = _transfer(transfer_id, transfers.may_decide)
    form = TransferAcceptForm()
    form.case_worker.choices = _accept_choices()
    return saved(form, lambda: transfers.accept(transfer, form.version.data, form.case_worker.data),
                 lambda case: _("Trasferimento accolto: il caso è ora del tuo nodo con il codice %(code)s.",
                                code=transfer.new_pseudonym),
                 lambda case: url_for("cases.detail", case_id=case.id)) or _detail(transfer, accept_form=form)


@bp.route("/trasferimenti/<int:transfer_id>/rifiuta", methods=["POST"])
@node_staff
def transfer_decline(transfer_id):
    transfer = _transfer(transfer_id, transfers.may_decide)
    form = TransferDeclineForm()
    return saved(form, lambda: transfers.decline(transfer, form.reason.data, form.version.data),
                 _("Trasferimento non accolto: il caso resta al nodo che lo ha proposto."),
                 url_for("cases.transfer_list")) or _detail(transfer, decline_form=form)


@bp.route("/trasferimenti/<int:transfer_id>/ritira", methods=["POST"])
@node_staff
def transfer_withdraw(transfer_id):
    transfer = _transfer(transfer_id, transfers.may_withdraw)
    form = TransferWithdrawForm()
    if form.validate_on_submit():
        transfers.withdraw(transfer, form.version.data)
        flash(_("Proposta di trasferimento ritirata: il caso è di nuovo modificabile."), "success")
        return redirect(url_for("cases.detail", case_id=transfer.case_id))
    abort(400)
