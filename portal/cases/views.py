"""Case screens of the node: case list, case page, pathway actions, verifications, analytical record.

Thin views: rules live in services.py, pathway.py (actions), record.py (scheda analitica) and listing.py
(case list). Every route needs a node membership that may decide on referrals (case workers and the
coordinator); ids of other tenants are 404 (``core.rows.visible_or_404``), a same-tenant user lacking
permission gets 403 (``services.Forbidden``, answered by ``core/errors.py``).
"""

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..accounts.permissions import Capability, can_in_node, membership_required, requires
from ..core.rows import visible_or_404
from ..core.transaction import attempt
from ..core.views_helpers import acted, already_sent, asked_to_reveal, edit_form, expose_labels, saved
from ..core.views_helpers import download as _download
from ..extensions import db
from ..models_base import utcnow
from ..people.services import can_see_identity, can_view_person, reveal_identity
from ..referrals import labels as referral_labels
from ..tenancy.models import Tenant
from . import exports, labels, listing, pathway, services, transfer_reads, transfers, verifications
from . import record as records
from .forms import (
    ActionPlanForm,
    ActionRecordForm,
    AssignForm,
    CaseFilterForm,
    CloseForm,
    FollowUpForm,
    JobOutcomeForm,
    OrderActionForm,
    TransitionForm,
)
from .labels import CASE_STATE_LABELS
from .models import Action, ActionStatus, Case, CaseState
from .story import story_context

bp = Blueprint("cases", __name__, url_prefix="/casi")


expose_labels(bp, labels, "CASE_STATE_LABELS", "SERVICE_TYPE_LABELS", "ACTION_PHASE_LABELS", "ACTION_STATUS_LABELS",
              "VERIFICATION_PHASE_LABELS", "JOB_OUTCOME_LABELS", "CONTRACT_TYPE_LABELS", "CLOSURE_OUTCOME_LABELS",
              "SORT_LABELS", "DOCUMENT_KIND_LABELS")
expose_labels(bp, referral_labels, "GROUND_LABELS")


def node_staff(view):
    """Login, a chosen membership and the node capability (403 otherwise; a service's Forbidden is a 403 too,
    answered by core/errors.py)."""
    return membership_required(requires(Capability.DECIDE_REFERRALS)(view))


# The case's version when a page with a case's form was rendered (cases/_form_page.html and the forms of the
# case page carry it): a form posted after the user lost the right to change the case is a conflict, not a 403.
CASE_VERSION = "case_version"


def may_still_edit(case: Case) -> Case:
    """``case`` if the current user may change it (403 otherwise). A form posted when that right went away after
    the page was rendered is the conflict page (409), which keeps what was typed."""
    if request.method == "POST":
        services.ensure_can_still_edit(case, request.form.get(CASE_VERSION))
    else:
        services.ensure_can_edit(case)
    return case


def editable_case(case_id) -> Case:
    """The node's own case (404 otherwise) that the current user may change (:func:`may_still_edit`)."""
    return may_still_edit(visible_or_404(Case, case_id, own=True))


def case_saved(form, save, message, case, section=None):
    """A case's form saved (:func:`saved`): back to the case page, at its ``section`` (an anchor)."""
    return saved(form, save, message, url_for("cases.detail", case_id=case.id, _anchor=section))


def _case_worker_choices():
    return [("", _("Nessuno"))] + [(str(u.id), u.full_name) for u in services.node_case_workers()]


# --- case list ---------------------------------------------------------------------------------------

def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@bp.route("/")
@node_staff
def index():
    form = CaseFilterForm(request.args)
    form.antenna.choices = [("", _("Tutte"))] + [(str(i), name) for i, name in services.antenna_choices()]
    form.operatore.choices = (
        [("", _("Tutti")), ("0", _("Nessuno (da assegnare)"))]
        + [(str(i), name) for i, name in services.case_worker_choices()]
    )
    form.validate()

    def value(field):
        return field.data if field.data and not field.errors else ""

    filters = listing.CaseFilters(
        q=value(form.q), state=value(form.stato), ground=value(form.motivo),
        antenna_id=_int_or_none(value(form.antenna)), case_worker_id=_int_or_none(value(form.operatore)),
        phase=value(form.fase), sort=listing.normalise_sort(request.args.get("ordina")),
        page=request.args.get("pagina", 1, type=int) or 1,
    )
    form.ordina.data = filters.sort
    result = listing.case_list(filters)
    args = {k: v for k, v in request.args.items() if v and k != "pagina"}
    # htmx asks for the results only; its history restore (cache miss) needs the whole page.
    partial = bool(request.headers.get("HX-Request")) and not request.headers.get("HX-History-Restore-Request")
    context = {"form": form, "result": result, "rows": listing.table_rows(result), "args": args, "partial": partial}
    response = make_response(render_template("cases/_results.html" if partial else "cases/index.html", **context))
    response.vary.add("HX-Request")
    return response


# --- case page ---------------------------------------------------------------------------------------

def _case_page(case: Case, *, diary_form=None, document_form=None, assign_form=None, status=200):
    services.read_case(case)
    identity = None
    if asked_to_reveal():
        identity = reveal_identity(case.person)
        if identity is None:
            abort(403)
    editable = services.can_edit(case)
    if assign_form is None:
        assign_form = AssignForm(version=case.version, case_worker=str(case.case_worker_id or ""))
    assign_form.case_worker.choices = _case_worker_choices()
    record = records.analytical_record(case)
    transfer = transfer_reads.of_case(case)
    return render_template(
        "cases/detail.html", case=case, record=record, identity=identity, editable=editable,
        may_see_identity=can_see_identity(case.person), may_view_person=can_view_person(case.person),
        may_assign=services.can_assign(case),
        transitions=services.allowed_transitions(case), assign_form=assign_form,
        transition_form=TransitionForm(version=case.version), phase_1=services.phase_1_verification(case),
        follow_ups=services.follow_ups(case), order_form=OrderActionForm(),
        transfer=transfer, transfer_names=transfer_reads.tenant_names(transfer) if transfer else {},
        responsible=services.is_responsible(case),
        may_transfer=transfers.may_propose(case),
        **story_context(case, diary_form=diary_form, document_form=document_form),
    ), status


@bp.route("/<int:case_id>")
@node_staff
def detail(case_id):
    return _case_page(visible_or_404(Case, case_id, own=True))


@bp.route("/<int:case_id>/assegna", methods=["POST"])
@node_staff
def assign(case_id):
    case = visible_or_404(Case, case_id, own=True, may=services.can_assign)
    form = AssignForm()
    form.case_worker.choices = _case_worker_choices()
    return case_saved(form, lambda: services.assign_case_worker(case, form.case_worker.data, form.version.data),
                      _("Assegnazione aggiornata."), case) \
        or _case_page(case, assign_form=form)


@bp.route("/<int:case_id>/stato", methods=["POST"])
@node_staff
def transition(case_id):
    case = editable_case(case_id)
    form = TransitionForm()
    moves = {"start_phase_1": services.start_phase_1, "start_phase_2": services.start_phase_2}
    move = moves.get(form.transition.data)
    if move is None:
        abort(400)
    return acted(form, lambda: move(case, form.version.data),
                 lambda _result: _("Stato del caso aggiornato: %(state)s.", state=CASE_STATE_LABELS[case.state]),
                 url_for("cases.detail", case_id=case_id))


@bp.route("/<int:case_id>/chiudi", methods=["GET", "POST"])
@node_staff
def close(case_id):
    case = editable_case(case_id)
    # On GET only: a case closed by someone else after the form was opened is the service's conflict (409), which
    # keeps the reason typed.
    if request.method == "GET" and case.state == CaseState.CLOSED:
        flash(_("Il percorso è già concluso."), "info")
        return redirect(url_for("cases.detail", case_id=case.id))
    form = CloseForm() if request.method != "GET" else CloseForm(version=case.version)  # the version POSTed is checked
    return case_saved(form, lambda: services.close_case(case, outcome=form.outcome.data, reason=form.reason.data,
                                                        expected_version=form.version.data, closed_on=form.closed_on.data),
                      _("Percorso concluso."), case) \
        or render_template("cases/close.html", case=case, form=form, unfinished=services.unfinished_actions(case))


# --- actions -----------------------------------------------------------------------------------------

def _provider_choices():
    return [("", _("Il nodo (realizzazione diretta)"))] + [(str(p.id), p.name) for p in services.node_providers()]


def _office_choices():
    return [("", _("Nessuno"))] + [(str(o.id), o.name) for o in services.node_offices()]


@bp.route("/<int:case_id>/azioni/nuova", methods=["GET", "POST"])
@node_staff
def new_action(case_id):
    case = editable_case(case_id)
    form = ActionPlanForm()
    form.provider.choices = _provider_choices()
    form.office.choices = _office_choices()
    if request.method == "POST" and pathway.planned_by_key(case, form.submission_key.data) is not None:
        return already_sent(_("Questa azione era già stata pianificata."),
                            url_for("cases.detail", case_id=case.id, _anchor="azioni"))
    if form.validate_on_submit():
        with attempt(form) as done:
            ordering = pathway.plan_action(case, form.data_for_service())[1]
        if done:
            if ordering is None:
                flash(_("Azione pianificata."), "success")
            elif ordering.ordered:
                flash(_("Azione pianificata e ordinata al soggetto attuatore, che la vede subito."), "success")
            else:  # saved "to order": say what is missing
                flash(ordering.message or _("Azione salvata come da ordinare."), "warning")
            return redirect(url_for("cases.detail", case_id=case.id) + "#azioni")
    return render_template("cases/action_form.html", case=case, form=form, action=None)


@bp.route("/azioni/<int:action_id>", methods=["GET", "POST"])
@node_staff
def edit_action(action_id):
    action = _editable_action(action_id)
    case = action.case
    form = edit_form(ActionPlanForm, action)
    form.provider.choices = _provider_choices()
    form.office.choices = _office_choices()
    if action.office_id and str(action.office_id) not in dict(form.office.choices):  # since deactivated: keep it
        form.office.choices.append((str(action.office_id), db.session.get(Tenant, action.office_id).name))
    form.provider.validate_choice = False  # shown, never submitted (disabled)
    if request.method == "GET":
        form.service_type.data = action.service_type.value
        form.phase.data = action.phase.value
        form.office.data = str(action.office_id or "")
    # The provider is fixed once planned (the action is shared with it): show it, do not submit it.
    form.provider.data = str(action.provider_id or "")
    def update():
        data = form.data_for_service()
        data.pop("provider")
        pathway.update_action(action, data, form.version.data)

    return case_saved(form, update, _("Azione aggiornata."), case, "azioni") \
        or render_template("cases/action_form.html", case=case, form=form, action=action)


@bp.route("/azioni/<int:action_id>/registra", methods=["GET", "POST"])
@node_staff
def record_action(action_id):
    action = _editable_action(action_id)
    case = action.case
    form = edit_form(ActionRecordForm, action)
    form.own_action = action.provider_id is None
    form.status.choices = [c for c in form.status.choices if c[0] != ActionStatus.TO_ORDER.value or action.status == ActionStatus.TO_ORDER]
    if request.method == "GET":
        form.status.data = action.status.value
        if action.provider_id is not None:  # its delivered figures are the approved deliveries: not typed here
            form.delivered_hours.data = form.delivered_on.data = None
    return case_saved(form, lambda: pathway.record_action(action, form.data_for_service(), form.version.data),
                      _("Erogazione registrata."), case, "azioni") \
        or render_template("cases/action_record.html", case=case, form=form, action=action)


def _editable_action(action_id) -> Action:
    """The node's own action (404 otherwise) on a case the current user may change (:func:`may_still_edit`)."""
    action = visible_or_404(Action, action_id, own=True)
    may_still_edit(action.case)
    return action


@bp.route("/azioni/<int:action_id>/ordina", methods=["POST"])
@node_staff
def order_action(action_id):
    """Order an action saved "to order", once a contract line covers it (same path as planning)."""
    action = _editable_action(action_id)
    form = OrderActionForm()

    def asking_override(error):
        # Past the contract line's room the order needs an override's reason: the case page asks who may give
        # one for it, on this action's button (the plain button has no box for it).
        asks = error.field_name == "override_reason" and can_in_node(Capability.APPROVE_MONEY)
        return url_for("cases.detail", case_id=action.case_id, deroga=action.id if asks else None) + "#azioni"

    return acted(form, lambda: pathway.order_action(action, form.override_reason.data),
                 _("Azione ordinata al soggetto attuatore, che la vede subito."),
                 url_for("cases.detail", case_id=action.case_id) + "#azioni", refused_target=asking_override)


# --- verifications -----------------------------------------------------------------------------------

@bp.route("/<int:case_id>/esito-fase-1", methods=["GET", "POST"])
@node_staff
def job_outcome(case_id):
    case = editable_case(case_id)
    existing = services.phase_1_verification(case)
    # On GET only: a case that left phase 1 after the form was opened is the service's refusal, on the form with
    # the outcome typed.
    if request.method == "GET" and case.state != CaseState.PHASE_1:
        flash(_("L'esito della fase 1 si registra durante la fase 1."), "info")
        return redirect(url_for("cases.detail", case_id=case.id))
    form = JobOutcomeForm(obj=existing if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = existing.version if existing else 0
        if existing is not None:
            form.job_outcome.data = existing.job_outcome.value if existing.job_outcome else None
            form.contract_type.data = existing.contract_type.value if existing.contract_type else ""
    return case_saved(form, lambda: verifications.record_job_outcome(case, form.data_for_service(), form.version.data),
                      _("Esito della fase 1 registrato."), case, "verifiche") \
        or render_template("cases/job_outcome.html", case=case, form=form)


@bp.route("/<int:case_id>/follow-up/<int:months>", methods=["GET", "POST"])
@node_staff
def follow_up(case_id, months):
    case = editable_case(case_id)
    verification = next((v for v in services.follow_ups(case) if v.months_after == months), None)
    if verification is None:
        abort(404)
    form = edit_form(FollowUpForm, verification)
    if request.method == "GET" and verification.still_in_work is not None:
        form.still_in_work.data = "si" if verification.still_in_work else "no"
    return case_saved(form, lambda: verifications.record_follow_up(verification, form.data_for_service(), form.version.data),
                      _("Follow-up registrato."), case, "verifiche") \
        or render_template("cases/follow_up.html", case=case, form=form, verification=verification)


# --- analytical record -------------------------------------------------------------------------------

@bp.route("/<int:case_id>/scheda")
@node_staff
def analytical_record(case_id):
    case = visible_or_404(Case, case_id, own=True)
    record = records.analytical_record(case, event="case.record_read")
    return render_template("cases/record.html", case=case, record=record, now=utcnow())


@bp.route("/<int:case_id>/scheda.csv")
@node_staff
def analytical_record_csv(case_id):
    case = visible_or_404(Case, case_id, own=True)
    content = exports.record_csv(records.analytical_record(case, event="case.record_export_csv"))
    return _download(content, "text/csv", exports.filename(case, "csv"))


@bp.route("/<int:case_id>/scheda.xlsx")
@node_staff
def analytical_record_xlsx(case_id):
    case = visible_or_404(Case, case_id, own=True)
    content = exports.record_xlsx(records.analytical_record(case, event="case.record_export_xlsx"))
    return _download(content, exports.XLSX_MIMETYPE, exports.filename(case, "xlsx"))
