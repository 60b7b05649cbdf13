"""The node's side of public reports (``/segnalazioni-pubbliche``): list, read, ask, close, convert.

Coordinator and case workers of a node only (``services.may_triage``); another node's report is 404 (the
scoping hides it), an antenna gets 403."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..core.rows import or_404
from ..core.transaction import attempt
from ..core.views_helpers import guarded, send_read
from ..directory import municipalities
from ..referrals.labels import CONTEXT_LABELS, GROUND_LABELS
from . import files as report_files
from . import services
from .forms import CloseForm, ConvertForm, NodeMessageForm
from .labels import CLOSE_LABELS, NODE_STATE_LABELS, PUBLIC_LANGUAGES, REPORTER_LABELS
from .models import ReportState

bp = Blueprint("reports_node", __name__, url_prefix="/segnalazioni-pubbliche")
node_only = guarded(services.may_triage)


def _report_or_404(report_id: int):
    return or_404(services.get(report_id))


@bp.route("/")
@node_only
def index():
    state = request.args.get("stato") or "open"
    if state not in {"open", *ReportState}:
        state = "open"
    return render_template("reports/node_index.html", reports=services.listing(state), state=state,
                           STATE_LABELS=NODE_STATE_LABELS, REPORTER_LABELS=REPORTER_LABELS, CONTEXT_LABELS=CONTEXT_LABELS)


def _detail(report, message_form=None, close_form=None, status=200):
    texts = services.read(report)
    message_form = message_form or NodeMessageForm(version=report.version)
    close_form = close_form or CloseForm(version=report.version)
    return render_template(
        "reports/node_detail.html", report=report, texts=texts, message_form=message_form, close_form=close_form,
        convert_form=ConvertForm(version=report.version), municipality=municipalities.name_of(report.municipality_code or ""),
        open=report.state in services.OPEN_STATES, STATE_LABELS=NODE_STATE_LABELS, REPORTER_LABELS=REPORTER_LABELS,
        CLOSE_LABELS=CLOSE_LABELS, CONTEXT_LABELS=CONTEXT_LABELS, GROUND_LABELS=GROUND_LABELS,
        LANGUAGE_NAMES=dict(PUBLIC_LANGUAGES),
    ), status


@bp.route("/<int:report_id>")
@node_only
def detail(report_id: int):
    return _detail(_report_or_404(report_id))


@bp.route("/<int:report_id>/messaggio", methods=["POST"])
@node_only
def message(report_id: int):
    form = NodeMessageForm()

    def ask(report):
        uploads = report_files.uploads_of(form.file.data)
        services.ask(report, form.body.data, uploads[0] if uploads else None, form.version.data)

    return _answered(report_id, form, ask, "message_form",
                     _("Messaggio inviato: chi ha segnalato lo legge aprendo la segnalazione con il codice della ricevuta."))


@bp.route("/<int:report_id>/chiudi", methods=["POST"])
@node_only
def close(report_id: int):
    form = CloseForm()
    return _answered(report_id, form, lambda report: services.close(report, form.reason.data, form.message.data,
                                                                    form.version.data), "close_form",
                     _("Segnalazione pubblica chiusa: chi ha segnalato ne vede il motivo."))


def _answered(report_id: int, form, act, form_name: str, done: str):
    """The node's answer to a report (``act(report)``), then back to it saying ``done``; an invalid or refused
    form: the report again (read anew: the refusal rolled back) with the form's errors, 400."""
    report = _report_or_404(report_id)
    if form.validate_on_submit():
        with attempt(form):
            act(report)
            flash(done, "success")
            return redirect(url_for(".detail", report_id=report.id))
        report = _report_or_404(report_id)
    return _detail(report, status=400, **{form_name: form})


@bp.route("/<int:report_id>/converti", methods=["POST"])
@node_only
def convert(report_id: int):
    report = _report_or_404(report_id)
    form = ConvertForm()
    if not form.validate_on_submit():
        abort(400)
    with attempt() as done:
        referral = services.convert(report, form.version.data)
    if not done:
        abort(409, str(done.error))
    flash(_("La segnalazione pubblica è ora una segnalazione da decidere, con la scheda della persona."), "success")
    return redirect(url_for("referrals.detail", referral_id=referral.id))


@bp.route("/file/<int:file_id>")
@node_only
def download(file_id: int):
    item = or_404(services.file_for_node(file_id))
    return send_read(item, report_files.read)


