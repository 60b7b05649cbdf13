"""The public door (no account): explanations, the report form, the receipt code, following a report.

Pages speak the chosen language of ``labels.PUBLIC_LANGUAGES`` (``?lingua=``, kept in the session) for the
whole request (``g.page_locale``, read by ``i18n.select_locale``), so the six extra languages exist only here
and the rest of the app keeps it/en.
A verified receipt code opens the report for ``PUBLIC_REPORT_SESSION_MINUTES`` in this browser's session
(the report's id, never the code); the code itself is only ever POSTed.
"""
import time

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale, refresh
from flask_babel import gettext as _
from limits import parse as parse_limit
from werkzeug.exceptions import RequestEntityTooLarge

from ..accounts.visitor import as_visitor
from ..core.errors import ErrorFrame, frame_errors
from ..core.files import send_stored
from ..core.rows import or_404
from ..core.transaction import attempt
from ..extensions import csrf, db, limiter
from . import abuse, receipt, services
from . import files as report_files
from .forms import NOTICE_VERSION, CodeForm, ReplyForm, ReportForm
from .labels import CLOSE_LABELS, PUBLIC_LANGUAGES, RTL_LANGUAGES, STATE_LABELS
from .models import PublicReport, PublicReportFile

bp = Blueprint("reports_public", __name__, url_prefix="/segnala")

LANG_KEY = "public_report_lang"
ACCESS_KEY = "public_report"


def _lang(values=None) -> str:
    codes = dict(PUBLIC_LANGUAGES)
    chosen = (request.values if values is None else values).get("lingua")
    if chosen in codes:
        session[LANG_KEY] = chosen
        return chosen
    chosen = session.get(LANG_KEY)
    return chosen if chosen in codes else str(get_locale())


def _direction(lang: str) -> str:
    return "rtl" if lang in RTL_LANGUAGES else "ltr"


@bp.before_request
def _visitor_language() -> None:
    """The whole request in the visitor's language, not only the page: the messages a view or a form's checks
    write before it is rendered (a wrong receipt code, "not a valid date") too."""
    try:
        g.page_locale = _lang()
    except RequestEntityTooLarge:  # the body cannot be read: the address and the session say; the view answers 413
        g.page_locale = _lang(request.args)
    refresh()  # a locale looked up before this request reached the door is forgotten


def _render(template: str, status: int = 200, **context):
    lang = g.page_locale
    page = render_template(template, lang=lang, page_dir=_direction(lang),
                           public_languages=PUBLIC_LANGUAGES, notice_version=NOTICE_VERSION,
                           REPORT_STATE_LABELS=STATE_LABELS, REPORT_CLOSE_LABELS=CLOSE_LABELS, **context)
    return page, status


# _FORM_CHECKS_CSRF: the forms of these pages check their CSRF token themselves (every FlaskForm does, in
# validate_on_submit, and the view acts only when it passes), instead of the app-wide check before the view.
# A token that no longer matches (the phone's browser dropped the session while the reporter wrote) then
# comes back as the form's own error, with the report kept in the form and a fresh token, rather than as a
# 400 page that loses what was written. A forged request still does nothing.


@bp.record_once
def _frame_errors(state) -> None:
    frame_errors(state.app, bp.url_prefix, _error_frame)


def _error_frame() -> ErrorFrame:
    """The door's error pages (404, 413, 429, 503…) in the visitor's language, leading back to the door."""
    lang = _lang(request.args)  # never the body: reading it is what raised a 413
    return ErrorFrame(lang, _direction(lang), url_for(f"{bp.name}.index"), public=True)


def _submit_limit() -> str:
    return current_app.config.get("PUBLIC_REPORT_RATE_LIMIT", "10 per hour")


def _code_limit() -> str:
    return current_app.config.get("PUBLIC_REPORT_CODE_LIMIT", "20 per day")


def _prefix_refuses(typed: str) -> bool:
    """Counts a wrong code against its first four digits, from whatever address: wrong guesses at one prefix
    stop at the code limit (a cap a botnet's many addresses do not multiply). The right code still opens its
    report past it: refused too, anyone who knew a reporter's first digits could lock them out for a day."""
    limit, prefix = parse_limit(_code_limit()), receipt.prefix(typed)
    exhausted = not limiter.limiter.test(limit, "public-report-code-prefix", prefix)
    if not exhausted:
        limiter.limiter.hit(limit, "public-report-code-prefix", prefix)
    return exhausted


def _wrong_code(response) -> bool:
    return bool(g.get("public_report_wrong_code"))


@bp.route("")
def index():
    return _render("reports/public_index.html")


@csrf.exempt  # checked by the form itself: see _FORM_CHECKS_CSRF
@bp.route("/modulo", methods=["GET", "POST"])
@limiter.limit(_submit_limit, methods=["POST"])
def new():
    form = ReportForm()
    if request.method == "GET":
        form.issued.data = abuse.form_token()
    if form.validate_on_submit():
        problem = _abuse_problem(form)
        if problem:
            form.form_errors.append(problem)
            form.issued.data = abuse.form_token()
            return _render("reports/public_form.html", 400, form=form)
        data = {name: getattr(form, name).data for name in (
            "reporter_kind", "what", "municipality_code", "context", "occurred_on", "grounds", "wants_contact",
            "name", "contact", "notify_email")}
        data["consent_notice_version"] = NOTICE_VERSION
        with attempt(form) as done:
            report, code = services.submit(data, report_files.uploads_of(form.files.data), g.page_locale)
        if not done:
            return _render("reports/public_form.html", 400, form=form)
        return _render("reports/public_receipt.html", code=receipt.grouped(code), by_default=report.routed_by_default,
                       municipality_said=bool(report.municipality_code))
    if request.method == "POST" and abuse.seconds_since(form.issued.data) is None:
        # Form errors: shown on the form (200, as every form of the app), input kept. The time it was first
        # rendered stays (a new one refused as "too fast" a person fixing two fields within seconds); only a
        # missing, forged or expired one is replaced.
        form.issued.data = abuse.form_token()
    return _render("reports/public_form.html", form=form)


def _abuse_problem(form) -> str | None:
    if (form.website.data or "").strip():
        return _("La segnalazione non è stata accettata. Se sei una persona, lascia vuoto il campo nascosto e riprova.")
    elapsed = abuse.seconds_since(form.issued.data)
    if elapsed is None:
        return _("Il modulo è scaduto: controlla i dati e invialo di nuovo.")
    if abuse.too_fast(elapsed):
        return _("Il modulo è stato inviato troppo in fretta. Rileggi la segnalazione e inviala di nuovo tra qualche secondo.")
    return None


# --- following a report with the receipt code ---------------------------------------------------------

def _opened() -> tuple[int, int] | None:
    """The report the code opened in this browser, while it is used: the window runs from the last request
    (someone writing a long reply is not cut off half-way), and closes after ``PUBLIC_REPORT_SESSION_MINUTES``
    left alone (a shared computer)."""
    access = session.get(ACCESS_KEY)
    minutes = current_app.config.get("PUBLIC_REPORT_SESSION_MINUTES", 30)
    if not access or time.time() - access.get("t", 0) > minutes * 60:
        session.pop(ACCESS_KEY, None)
        return None
    session[ACCESS_KEY] = {**access, "t": time.time()}
    return access["n"], access["r"]


@csrf.exempt  # checked by the form itself: see _FORM_CHECKS_CSRF
@bp.route("/segue", methods=["GET", "POST"])
@limiter.limit(_code_limit, methods=["POST"], deduct_when=_wrong_code)
def follow():
    form = CodeForm()
    if form.validate_on_submit():
        opened = services.open_with_code(form.code.data)
        if opened is None:
            g.public_report_wrong_code = True
            if _prefix_refuses(form.code.data):
                abort(429)
            form.code.errors = list(form.code.errors) + [_("Il codice non corrisponde a nessuna segnalazione. "
                                                           "Controlla le 16 cifre e riprova.")]
            form.code.data = ""
            return _render("reports/public_follow.html", 400, form=form)
        session[ACCESS_KEY] = {"n": opened[0], "r": opened[1], "t": time.time()}
        if (form.body.data or "").strip():  # the reply written while the access had expired
            return _send_reply(opened, form)
        return redirect(url_for(".status"))
    status = 400 if request.method == "POST" else 200
    return _render("reports/public_follow.html", status, form=form)


def _send_reply(opened: tuple[int, int], form):
    node_id, report_id = opened
    with as_visitor(node_id):
        report = or_404(db.session.get(PublicReport, report_id))
        with attempt(form) as done:
            services.reporter_reply(report, form.body.data, None)
        if done:
            return redirect(url_for(".status", inviato=1))
        flash(str(done.error), "danger")
    return redirect(url_for(".status"))


def _token_valid(form) -> bool:
    """The form's own CSRF check (this door checks it in the form: _FORM_CHECKS_CSRF): a post from elsewhere
    is sent to the code page as before, with nothing of it shown back."""
    form.validate()
    token = getattr(form, "csrf_token", None)
    return token is None or not token.errors


def _expired_reply():
    """A reply posted after the access expired: the code form again, the reply kept to be sent with it (a
    file cannot be carried back: the page says so)."""
    form = CodeForm(formdata=None, body=request.form.get("body", ""))
    form.form_errors.append(_("Per sicurezza l'accesso alla segnalazione è scaduto: scrivi di nuovo il codice "
                              "ricevuta e il tuo messaggio sarà inviato. Un file allegato va scelto di nuovo."))
    return _render("reports/public_follow.html", 400, form=form)


@csrf.exempt  # checked by the form itself: see _FORM_CHECKS_CSRF
@bp.route("/segue/stato", methods=["GET", "POST"])
@limiter.limit(_submit_limit, methods=["POST"])
def status():
    opened = _opened()
    if opened is None:
        if request.method == "POST" and (request.form.get("body") or "").strip() and _token_valid(ReplyForm()):
            return _expired_reply()
        return redirect(url_for(".follow"))
    node_id, report_id = opened
    form = ReplyForm()
    with as_visitor(node_id):  # the reporter's door: whoever is signed in, no actor
        report = db.session.get(PublicReport, report_id)
        if report is None:
            session.pop(ACCESS_KEY, None)
            abort(404)
        code = 200
        if form.validate_on_submit():
            uploads = report_files.uploads_of(form.file.data)
            with attempt(form):
                services.reporter_reply(report, form.body.data, uploads[0] if uploads else None)
                return redirect(url_for(".status", inviato=1))
            report = db.session.get(PublicReport, report_id)
            code = 400
        elif request.method == "POST":
            code = 400
        return _render("reports/public_status.html", code, form=form, sent=request.args.get("inviato"),
                       **services.reporter_view(report))


@bp.route("/segue/file/<int:file_id>")
def download(file_id: int):
    opened = or_404(_opened())
    node_id, report_id = opened
    with as_visitor(node_id):  # the reporter's door: whoever is signed in, no actor
        item = db.session.get(PublicReportFile, file_id)
        if item is None or item.report_id != report_id:
            abort(404)
        content = report_files.read(item)
    if content is None:
        abort(404)
    return send_stored(content, item.content_type, item.filename)


@bp.route("/segue/esci", methods=["POST"])
def leave():
    session.pop(ACCESS_KEY, None)
    return redirect(url_for(".index"))
