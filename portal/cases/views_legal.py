"""The legal path's screens (routes on the cases blueprint, loaded by blueprint.py): the path
itself, its hearings and deadlines, the fund requests. Rules in legal_services.py. The case page shows
them through the ``legal_panel`` template global (cases/_legal.html)."""

import flask
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..core.rows import visible_or_404
from ..core.transaction import attempt
from ..i18n import local_today
from . import legal_services as legal
from . import services
from .legal import (
    DEADLINE_KIND_LABELS,
    FUND_LABELS,
    LEGAL_ACTION_LABELS,
    LEGAL_OUTCOME_LABELS,
    FundRequest,
    LegalDeadline,
)
from .legal_forms import DeadlineForm, FundRequestForm, LegalPathForm
from .models import Case
from .views import bp, case_saved, editable_case, may_still_edit, node_staff


@bp.app_template_global()
def legal_panel(case: Case) -> dict:
    """The case page's legal section: the rows and who may change them."""
    return {**legal.legal_context(case), "may_edit": services.can_edit(case), "is_due": legal.is_due,
            "LEGAL_ACTION_LABELS": LEGAL_ACTION_LABELS, "LEGAL_OUTCOME_LABELS": LEGAL_OUTCOME_LABELS,
            "DEADLINE_KIND_LABELS": DEADLINE_KIND_LABELS, "FUND_LABELS": FUND_LABELS}


def _page(template, case, form, **context):
    return render_template(template, case=case, form=form, **context)


def _case_and(model, case_id, row_id):
    """The case and, on an edit route, its row of ``model``: both the node's own (404 otherwise)."""
    row = None if row_id is None else visible_or_404(model, row_id, own=True)
    return visible_or_404(Case, case_id if row is None else row.case_id, own=True), row


def _posted() -> bool:
    """A POST: its form is the request's alone, the ``version`` it carries the one checked (the row's own values
    would fill a field left out, a missing version among them, and skip the check)."""
    return flask.request.method != "GET"


@bp.route("/<int:case_id>/tutela", methods=["GET", "POST"])
@node_staff
def legal_edit(case_id):
    case = editable_case(case_id)
    path = legal.legal_path(case)
    if _posted():
        form = LegalPathForm()
    elif path is None:
        form = LegalPathForm(version="0")
    else:
        form = LegalPathForm(version=path.version, action_type=path.action_type.value, counsel=path.counsel,
                             started_on=path.started_on, outcome=path.outcome.value, outcome_on=path.outcome_on)
    return case_saved(form, lambda: legal.save_path(case, form.data_for_service(), form.version.data),
                      _("Tutela legale salvata."), case, "tutela") \
        or _page("cases/legal_form.html", case, form)


def _deadline_form(case, deadline):
    if deadline is None or _posted():
        return DeadlineForm()
    return DeadlineForm(version=deadline.version, due_on=deadline.due_on, kind=deadline.kind.value,
                        note=deadline.note, done=deadline.done_on is not None)


def _save_deadline(case, deadline):
    may_still_edit(case)
    form = _deadline_form(case, deadline)

    def save():
        data = form.data_for_service(local_today())
        if deadline is not None and deadline.done_on and data["done_on"]:
            data["done_on"] = deadline.done_on  # keep the day it was first marked done
        legal.save_deadline(case, data, deadline, form.version.data)

    return case_saved(form, save, _("Scadenza salvata."), case, "tutela") \
        or _page("cases/legal_deadline.html", case, form, deadline=deadline)


@bp.route("/<int:case_id>/tutela/scadenze", methods=["GET", "POST"], endpoint="legal_deadline_add")
@bp.route("/tutela/scadenze/<int:deadline_id>", methods=["GET", "POST"], endpoint="legal_deadline_edit")
@node_staff
def legal_deadline(case_id=None, deadline_id=None):
    return _save_deadline(*_case_and(LegalDeadline, case_id, deadline_id))


def _save_fund_request(case, request):
    may_still_edit(case)
    if request is None or _posted():
        form = FundRequestForm()
    else:
        form = FundRequestForm(version=request.version, fund=request.fund.value, requested=request.requested,
                               requested_on=request.requested_on, granted=request.granted, granted_on=request.granted_on,
                               paid=request.paid, paid_on=request.paid_on)
    if form.validate_on_submit():
        problems = legal.check_amounts(form.data_for_service())
        for name, message in problems:  # every problem on its field at once, not one per submission
            getattr(form, name).errors = list(getattr(form, name).errors or []) + [message]
        if not problems:
            with attempt(form) as done:
                legal.save_fund_request(case, form.data_for_service(), request, form.version.data)
            if done:
                flash(_("Richiesta al fondo salvata."), "success")
                return redirect(url_for("cases.detail", case_id=case.id, _anchor="tutela"))
    return _page("cases/legal_fund.html", case, form, fund_request=request), 200


@bp.route("/<int:case_id>/tutela/fondi", methods=["GET", "POST"], endpoint="legal_fund_add")
@bp.route("/tutela/fondi/<int:request_id>", methods=["GET", "POST"], endpoint="legal_fund_edit")
@node_staff
def legal_fund(case_id=None, request_id=None):
    return _save_fund_request(*_case_and(FundRequest, case_id, request_id))
