"""Referral screens (antenna: create, edit, submit, answer, withdraw; node: inbox and decisions).

Views are thin: they find the row (``get_visible`` → 404), build forms and call the services, which hold
the rules (who may do what, the state machine, consent, attachments' checks) and audit every change.
"""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ..accounts.permissions import Capability, current_membership, membership_required, requires
from ..core.rows import or_403, visible_or_404
from ..core.transaction import attempt
from ..core.views_helpers import already_sent, asked_from_this_site, asked_to_reveal, expose_labels, saved, send_read
from ..extensions import db
from ..people.duplicates import warning_context as duplicate_warning
from ..people.services import can_see_identity, can_view_person, reveal_identity
from ..tenancy.models import Tenant
from ..tenancy.scoping import get_visible
from . import attachments, labels, listing, services
from .forms import RESUBMIT, SUBMIT, TRANSITION_FORMS, AttachmentForm, InboxFilterForm, LegalBasisForm, ReferralForm
from .labels import STATE_LABELS
from .models import Attachment, DeclineReason, Referral, ReferralState
from .signals import referral_case

bp = Blueprint("referrals", __name__, url_prefix="/segnalazioni")


expose_labels(bp, labels, "GROUND_LABELS", "CONTEXT_LABELS", "URGENCY_LABELS", "DECLINE_LABELS", "LEGAL_BASIS_LABELS",
              "TRANSITION_LABELS", "OUTCOME_LABELS", everywhere=True,
              REFERRAL_STATE_LABELS="STATE_LABELS", REFERRAL_STATE_BADGES="STATE_BADGES")


def _get(referral_id) -> Referral:
    """The referral if the current tenant sees it (404 otherwise) and the user's role may read it (403)."""
    referral = visible_or_404(Referral, referral_id, may=services.may_read)  # includes another antenna's referral and, for the node, a draft
    return referral


def _unique_ids(form, prefix: str):
    """Several forms share one page: give their controls distinct ids (labels follow field.id)."""
    for field in form:
        field.id = f"{prefix}-{field.name}"
    return form


# --- lists ------------------------------------------------------------------------------------------

@bp.route("/")
@membership_required
@requires(Capability.SEE_REFERRALS)
def index():
    node_view = current_membership().tenant.is_node
    form = InboxFilterForm(request.args)
    if node_view:  # drafts are never in the node's inbox
        form.stato.choices = [c for c in form.stato.choices if c[0] != ReferralState.DRAFT.value]
    form.validate()
    page = max(request.args.get("pagina", 1, type=int), 1)
    rows, has_next = listing.list_referrals(page=page, state=form.state())
    return render_template(
        "referrals/index.html", rows=listing.table_rows(rows), has_next=has_next, page=page, node_view=node_view,
        form=form, stale_days=current_app.config["REFERRAL_STALE_DAYS"],
    )


# --- create and edit --------------------------------------------------------------------------------

@bp.route("/nuova", methods=["GET", "POST"])
@membership_required
@requires(Capability.REFER)
def new():
    form = ReferralForm()
    if request.method == "POST" and form.submission_key.data:
        # A second post of the same form (double click, back button): show the first, create nothing.
        existing = services.find_by_submission_key(form.submission_key.data)
        if existing is not None:
            return already_sent(_("Questa segnalazione era già stata registrata."),
                                url_for(".detail", referral_id=existing.id))
    if not form.submission_key.data:
        form.submission_key.data = services.new_submission_key()
    if request.method == "GET":  # the notice this antenna hands out, as on its last referral: typed once
        form.consent_notice_version.data = services.last_notice_version()
    if form.validate_on_submit():
        try:
            with attempt(form) as done:  # a refusal leaves nothing half-done: no person, referral or file
                referral, _created = services.create_with_person(
                    identity=form.identity(), monitoring=form.monitoring(), data=form.referral_data(),
                    submission_key=form.submission_key.data, submit=form.action.data == SUBMIT,
                    uploads=form.files.data or [],
                )
        except IntegrityError:  # the same form posted twice at the same instant: the other post won
            existing = services.find_by_submission_key(form.submission_key.data)
            if existing is None:
                raise
            return redirect(url_for(".detail", referral_id=existing.id))
        if done:
            if referral.state == ReferralState.SUBMITTED:
                flash(_("Segnalazione %(code)s inviata al nodo.", code=referral.person.pseudonym), "success")
            else:
                flash(_("Bozza %(code)s salvata.", code=referral.person.pseudonym), "success")
            return redirect(url_for(".detail", referral_id=referral.id))
    return render_template("referrals/form.html", form=form, referral=None)


@bp.route("/<int:referral_id>/modifica", methods=["GET", "POST"])
@membership_required
def edit(referral_id):
    referral = _get(referral_id)
    if services.side_of_current_user(referral) != services.ANTENNA:
        abort(403)
    # On GET only: a form posted after a colleague sent or withdrew the referral is the service's conflict (409),
    # which keeps the edits typed.
    if request.method == "GET" and referral.state not in services.EDITABLE_STATES:
        flash(_("La segnalazione non è più modificabile."), "warning")
        return redirect(url_for(".detail", referral_id=referral.id))
    if request.method == "GET" and not asked_from_this_site():  # the form shows the identity: an audited read
        return redirect(url_for(".detail", referral_id=referral.id))
    form = ReferralForm(legal_basis=referral.legal_basis)
    if request.method == "GET":
        identity = reveal_identity(referral.person)
        if identity is None:
            abort(403)
        form.fill(referral, identity)
    elif form.validate_on_submit():
        with attempt(form) as done:  # the edit and the transition stand or fall together
            services.update_with_person(
                referral, identity=form.identity(), monitoring=form.monitoring(), data=form.referral_data(),
                expected_version=form.version.data, expected_person_version=form.person_version.data,
            )
            attachments.add_attachments(referral, form.files.data or [])
            if form.action.data == SUBMIT and referral.state == ReferralState.DRAFT:
                services.transition(referral, "submit", expected_version=referral.version)
            elif form.action.data == RESUBMIT and referral.state == ReferralState.INFO_REQUESTED:
                services.transition(referral, "resubmit", expected_version=referral.version, message=form.message.data)
        if done:
            flash(_("Segnalazione %(code)s salvata.", code=referral.person.pseudonym), "success")
            return redirect(url_for(".detail", referral_id=referral.id))
    return render_template("referrals/form.html", form=form, referral=referral)


# --- the referral page and what can be done on it ---------------------------------------------------

def _render_detail(referral: Referral, *, failed: str | None = None, failed_form=None, attachment_form=None,
                   legal_form=None):
    side = services.side_of_current_user(referral)
    # Need-to-know: who may not read the story sees the summary the inbox shows, and a note saying why.
    may_read_texts = services.can_read_texts(referral)
    texts = services.read_texts(referral) if may_read_texts else None
    identity = None
    show_identity = asked_to_reveal()
    may_see_identity = can_see_identity(referral.person)
    if show_identity and may_see_identity:
        identity = reveal_identity(referral.person)
    forms = {}
    for name in services.allowed_transitions(referral):
        if name == failed and failed_form is not None:
            form = failed_form
        else:
            form = TRANSITION_FORMS[name](formdata=None, version=referral.version)
        if name == "accept":
            form.case_worker_id.choices = [(u.id, u.full_name) for u in services.case_workers(referral.node_id)]
        if side == services.NODE and services.referred_by_node(referral):  # no antenna reads it: a note
            form.message.label.text = (_("Nota per la cronologia") if form.message.flags.required
                                       else _("Nota per la cronologia (facoltativa)"))
        forms[name] = _unique_ids(form, name)
    errors = list(failed_form.form_errors) if failed_form is not None and failed not in forms else []
    case = case_url = None
    if side == services.NODE and referral.state == ReferralState.ACCEPTED:
        # The case opened from it and its link, from the pathway (a layer above that answers the signal).
        answers = [answer for _receiver, answer in referral_case.send(referral) if answer]
        if answers:
            case, case_url = answers[0]
    may_attach = attachments.may_attach(referral)
    if may_attach and attachment_form is None:
        attachment_form = AttachmentForm(formdata=None)
    if attachment_form is not None:
        _unique_ids(attachment_form, "attachment")
    if services.may_decide(referral) and referral.state in services.LEGAL_BASIS_STATES \
            and (not services.has_consent(referral) or referral.legal_basis is not None):
        legal_form = legal_form or LegalBasisForm(formdata=None, version=referral.version, legal_basis=referral.legal_basis)
        _unique_ids(legal_form, "legal")
    else:
        legal_form = None
    return render_template(
        "referrals/detail.html", referral=referral, side=side, texts=texts, identity=identity,
        may_see_identity=may_see_identity, may_view_person=can_view_person(referral.person), forms=forms,
        errors=errors, events=services.timeline(referral), may_read_texts=may_read_texts,
        attachments=referral.attachments if may_read_texts else [],
        attachment_form=attachment_form, legal_form=legal_form, case=case, case_url=case_url,
        stale=side == services.NODE and listing.is_stale(referral), stale_days=current_app.config["REFERRAL_STALE_DAYS"],
        has_consent=services.has_consent(referral), antenna=db.session.get(Tenant, referral.tenant_id),
        referred_by_node=services.referred_by_node(referral),
        editable=side == services.ANTENNA and referral.state in services.EDITABLE_STATES,
        **duplicate_warning(referral.person),  # possible duplicates, where the node decides (node staff only)
    )


@bp.route("/<int:referral_id>")
@membership_required
def detail(referral_id):
    return _render_detail(_get(referral_id))


@bp.route("/<int:referral_id>/stato/<name>", methods=["POST"])
@membership_required
def move(referral_id, name):
    if name not in TRANSITION_FORMS:
        abort(404)
    referral = _get(referral_id)
    side = services.side_of_current_user(referral)
    if side != services.TRANSITIONS[name].side or (side == services.NODE and not services.may_decide(referral)):
        abort(403)
    form = TRANSITION_FORMS[name]()
    if name == "accept":
        form.case_worker_id.choices = [(u.id, u.full_name) for u in services.case_workers(referral.node_id)]
    if form.validate_on_submit():
        extra = {}
        if name == "accept":
            extra["case_worker_id"] = form.case_worker_id.data
        elif name == "decline":
            extra["decline_reason"] = DeclineReason(form.decline_reason.data)
        with attempt(form) as done:
            if name == "resubmit":  # the answer to the node may bring documents
                attachments.add_attachments(referral, form.files.data or [])
            services.transition(referral, name, expected_version=form.version.data, message=form.message.data, **extra)
        if done:
            flash(_("Segnalazione %(code)s: %(state)s.", code=referral.person.pseudonym,
                    state=STATE_LABELS[referral.state]), "success")
            return redirect(url_for(".detail", referral_id=referral.id))
    return _render_detail(referral, failed=name, failed_form=form)


@bp.route("/<int:referral_id>/base-giuridica", methods=["POST"])
@membership_required
def legal_basis(referral_id):
    referral = _get(referral_id)
    if services.side_of_current_user(referral) != services.NODE:
        abort(403)
    form = LegalBasisForm()
    return saved(form, lambda: services.set_legal_basis(referral, form.legal_basis.data, form.version.data),
                 _("Base giuridica registrata."), url_for(".detail", referral_id=referral.id)) \
        or _render_detail(referral, legal_form=form)


# --- attachments ------------------------------------------------------------------------------------

@bp.route("/<int:referral_id>/allegati", methods=["POST"])
@membership_required
def upload(referral_id):
    referral = _get(referral_id)
    or_403(attachments.may_attach(referral))
    form = AttachmentForm()
    if form.validate_on_submit():
        with attempt(form) as done:
            attachment = attachments.add_attachment(referral, form.files.data)
        if done:
            flash(_("Allegato «%(name)s» aggiunto.", name=attachment.filename), "success")
            return redirect(url_for(".detail", referral_id=referral.id, _anchor="allegati"))
    return _render_detail(referral, attachment_form=form)


@bp.route("/<int:referral_id>/allegati/<int:attachment_id>")
@membership_required
def download(referral_id, attachment_id):
    referral = _get(referral_id)
    attachment = get_visible(Attachment, attachment_id)
    if attachment is None or attachment.referral_id != referral.id:
        abort(404)
    return send_read(attachment, attachments.read_attachment)
