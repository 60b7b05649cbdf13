"""The public door of a call: apply without an account, then follow the application through a personal link."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..core.rows import or_404
from ..core.transaction import attempt
from ..extensions import limiter
from ..i18n import local_today
from . import applications, services
from .files import store_upload
from .forms import ApplicationForm
from .models import STATUS_LABELS

bp = Blueprint("network_public", __name__, url_prefix="/rete/avvisi")
# The public lists: open calls and active information points (no account, nothing but published text).
lists_bp = Blueprint("network_lists", __name__)


@lists_bp.route("/avvisi")
def open_calls():
    return render_template("network/public_calls.html", calls=applications.open_calls(local_today()))


@lists_bp.route("/punti-informativi")
def public_points():
    return render_template("network/public_points.html", rows=services.public_points())


def _limit():
    return current_app.config["APPLICATION_RATE_LIMIT"]


def _call_or_404(call_id):
    return or_404(applications.get_call(call_id))


def _honeypot_filled(form) -> bool:
    return bool((form.website.data or "").strip())


@bp.route("/<int:call_id>/candidatura", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def apply(call_id):
    call = _call_or_404(call_id)
    is_open = call.is_open(local_today())
    form = ApplicationForm()
    status = 200
    if request.method == "POST":
        if not is_open:
            abort(404)
        key = form.submission_key.data
        if applications.by_key(call, key) is not None:  # a double click: the first one's confirmation, nothing more
            return render_template("network/public_sent.html", call=call)
        if form.validate_on_submit():
            if _honeypot_filled(form):
                abort(400)
            with attempt(form) as done:
                applications.apply(call, form.data_for_service(), store_upload(form.attachment.data, "attachment"),
                                   submission_key=key)
            if done or applications.by_key(call, key) is not None:  # the same form, sent at the same instant
                return render_template("network/public_sent.html", call=call)
        status = 400
    return render_template("network/public_apply.html", call=call, form=form, is_open=is_open), status


@bp.route("/<int:call_id>/candidatura/<token>", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def follow(call_id, token):
    call = _call_or_404(call_id)
    row = or_404(applications.by_token(call, token))
    editable = row.status.value == "changes_requested"
    form = ApplicationForm(obj=None if request.method == "POST" else row)
    if request.method == "GET":
        form.kind.data, form.version.data = row.kind.value, row.version
    status = 200
    if request.method == "POST":
        if not editable:
            abort(409)
        if form.validate_on_submit() and not _honeypot_filled(form):
            with attempt(form) as done:
                applications.edit(row, form.data_for_service(), form.version.data,
                                  store_upload(form.attachment.data, "attachment"))
            if done:
                flash(_("Candidatura corretta e inviata di nuovo al nodo."), "success")
                return redirect(url_for(".follow", call_id=call.id, token=token))
            row = or_404(applications.by_token(call, token))  # as the node: a refused change expired the row
        status = 400
    return render_template("network/public_follow.html", call=call, row=row, form=form, editable=editable,
                           STATUS_LABELS=STATUS_LABELS), status
