"""Forum screens at /forum. Views are thin: the services hold the rules and audit every change."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..accounts.permissions import Capability, current_membership, membership_required, requires
from ..core.rows import or_403, or_404
from ..core.transaction import show_on_form
from ..core.views_helpers import already_sent, edit_form, expose_labels, send_read
from ..extensions import db
from ..referrals.labels import GROUND_LABELS
from . import attachments, labels, models, moderation, notify, services
from .forms import (
    PostEditForm,
    PostForm,
    PracticeFilterForm,
    PracticeForm,
    ReportForm,
    SearchForm,
    SubscribeForm,
    ThreadForm,
)
from .models import ForumCategory, SubscriptionMode, ThreadKind
from .search import search as run_search

bp = Blueprint("forum", __name__, url_prefix="/forum")


expose_labels(bp, labels, "PRACTICE_LABELS", "PERSONAL_DATA_LABELS", everywhere=True,
              FORUM_CATEGORY_KIND_LABELS="CATEGORY_KIND_LABELS", FORUM_THREAD_KIND_LABELS="THREAD_KIND_LABELS",
              FORUM_MODE_LABELS="MODE_LABELS",
              forum_refusal="refusal", forum_confirmation="confirmation", forum_where="where")
expose_labels(bp, models, "PRACTICE_FIELDS", everywhere=True)  # a good practice's fields, in the order pages show them
bp.add_app_template_filter(labels.category_name, "category_name")


@bp.app_template_filter("forum_snippet")
def _snippet(markdown) -> str:
    from .text import snippet

    return snippet(markdown)


def _page() -> int:
    return max(request.args.get("pagina", 1, type=int), 1)


def _thread_or_404(thread_id):
    return or_404(services.get_thread(thread_id))


def _post_or_404(post_id):
    return or_404(services.get_post(post_id))


@bp.before_request
@membership_required
@requires(Capability.FORUM)
def _members_only():
    return None


@bp.route("/")
def index():
    category = None
    if request.args.get("categoria"):
        category = or_404(services.category_by_slug(request.args["categoria"]))
    page = _page()
    threads, has_next = services.list_threads(category, page)
    return render_template(
        "forum/index.html", categories=services.categories(), category=category, threads=threads,
        unread=services.unread_ids(threads), has_next=has_next, page=page, search_form=SearchForm(),
    )


def _csrf_ok(form) -> bool:
    field = getattr(form, "csrf_token", None)
    return field is None or not field.errors


def _files(form) -> list:
    """Store the files just uploaded (checked by content) and return every file waiting for this post; a
    refused file becomes an error on the field. The hidden ``pending`` field carries them across re-renders."""
    rows = attachments.pending((form.pending.data or "").split(","))
    for upload in form.files.data or []:
        if not getattr(upload, "filename", ""):
            continue
        if len(rows) >= attachments.MAX_FILES:
            form.files.errors.append(_("Al massimo %(n)d allegati per messaggio.", n=attachments.MAX_FILES))
            break
        try:
            rows.append(attachments.add_pending(upload))
        except attachments.AttachmentError as exc:
            form.files.errors.append(str(exc))
    form.pending.data = ",".join(str(r.id) for r in rows)
    form._errors = None  # errors added after validation must reach the summary
    return rows


def _confirmed() -> set[str]:
    """The contacts the author ticked, by key (one checkbox each, named ``confirm``)."""
    return set(request.form.getlist("confirm"))


def _refused(form, exc, files=None):
    """Name the fields that hold identifying data (the error summary links them) and drop the waiting files
    whose names do. Returns the findings for the page and the files still waiting."""
    for finding in exc.findings:
        field = form._fields.get(finding.field)
        if finding.identifying and field is not None:
            field.errors = [*field.errors, labels.refusal(finding)]
    form._errors = None
    kept = attachments.discard_identifying(files, exc.findings) if files else files
    if files and form.pending is not None:
        form.pending.data = ",".join(str(r.id) for r in kept)
    return exc.findings, kept


def _category_choices(form) -> None:
    form.category.choices = [(str(c.id), labels.category_name(c)) for c in services.categories()]


@bp.route("/nuova", methods=["GET", "POST"])
def new_thread():
    practice = request.args.get("tipo") == "prassi"
    form = PracticeForm() if practice else ThreadForm()
    _category_choices(form)
    if request.method == "GET" and request.args.get("categoria"):
        form.category.data = request.args["categoria"]
    if request.method == "POST":
        published = services.thread_by_key(form.submission_key.data)
        if published is not None:  # nothing stored or published twice
            return already_sent(_("Questa discussione era già stata pubblicata."),
                                url_for(".thread", thread_id=published.id))
    findings, files = [], []
    status = 200
    valid = form.validate_on_submit()
    if request.method == "POST" and _csrf_ok(form):
        files = _files(form)  # kept across a re-render, whatever else is wrong
    if valid and not form.files.errors:
        category = db.session.get(ForumCategory, int(form.category.data))
        try:
            thread = services.create_thread(
                category, form.title.data, form.body.data, practice=form.practice() if practice else None,
                ground=form.ground.data if practice else None, confirmed=_confirmed(), files=files,
                submission_key=form.submission_key.data,
            )
        except services.PersonalDataFound as exc:
            findings, files = _refused(form, exc, files)
        except services.ForumError as exc:  # the same form sent at the same instant: the first one stands
            files, status = _turned_down(form, exc)
        else:
            flash(_("Pubblicato nel forum della rete."), "success")
            return redirect(url_for(".thread", thread_id=thread.id))
    return render_template("forum/new.html", form=form, practice=practice, findings=findings, confirmed=_confirmed(),
                           files=files,
                           max_mb=round(attachments.max_bytes() / 1048576, 1)), status


@bp.route("/t/<int:thread_id>")
def thread(thread_id):
    thread = _thread_or_404(thread_id)
    posts, pages = services.thread_posts(thread, _page())
    seen_at, subscribed = services.reader_state(thread)
    services.mark_read(thread, seen_at)
    return _render_thread(thread, posts, pages, PostForm(), subscribed=subscribed)


def _render_thread(thread, posts, pages, form, findings=(), files=(), subscribed=False):
    """The thread page: 2 queries (thread, posts) + 1 for the reader's state + 1 only if a post has files."""
    moderator = services.may_moderate(thread.author_tenant)
    if subscribed is False:
        subscribed = services.reader_state(thread)[1]
    return render_template(
        "forum/thread.html", thread=thread, posts=posts, pages=pages, page=_page(), form=form, findings=findings,
        confirmed=_confirmed(),
        files=files, attachments=attachments.for_posts(posts), max_mb=round(attachments.max_bytes() / 1048576, 1),
        moderator=moderator, subscribed=subscribed,
        report_form=ReportForm(), categories=services.categories() if moderator else [],
        may_edit=services.may_edit, may_moderate=services.may_moderate,
        own_tenant_id=current_membership().tenant_id,
    )


def _last_page(thread) -> str:
    last = max((thread.post_count - 1) // services.POSTS_PER_PAGE + 1, 1)
    return url_for(".thread", thread_id=thread.id, pagina=last)


def _turned_down(form, exc) -> tuple[list, int]:
    """A post refused after its files were stored (the discussion closed meanwhile, the same form already
    sent): the refusal on the form, the text kept, no files carried on. 409, so the request's transaction
    rolls back and takes the files it stored with it."""
    show_on_form(form, exc)
    form.pending.data = ""
    form._errors = None
    return [], 409


@bp.route("/t/<int:thread_id>/rispondi", methods=["POST"])
def reply(thread_id):
    thread = _thread_or_404(thread_id)
    form = PostForm()
    if services.reply_by_key(thread, form.submission_key.data) is not None:  # nor notified twice
        return already_sent(_("Questa risposta era già stata pubblicata."), _last_page(thread))
    findings, files = [], []
    status = 200
    valid = form.validate_on_submit()
    if _csrf_ok(form):
        files = _files(form)
    if valid and not form.files.errors:
        try:
            services.reply(thread, form.body.data, confirmed=_confirmed(), files=files,
                           submission_key=form.submission_key.data)
        except services.PersonalDataFound as exc:
            findings, files = _refused(form, exc, files)
        except services.ForumError as exc:  # closed meanwhile, or the same form at the same instant
            files, status = _turned_down(form, exc)
        else:
            flash(_("Risposta pubblicata."), "success")
            return redirect(_last_page(thread))
    posts, pages = services.thread_posts(thread, 1)
    return _render_thread(thread, posts, pages, form, findings, files), status


@bp.route("/allegati/<int:attachment_id>")
def download(attachment_id):
    """A post's file, to logged-in members of the network while the post is visible (404 otherwise)."""
    attachment = attachments.get(attachment_id)
    if attachment is None or attachment.post_id is None or services.get_post(attachment.post_id) is None:
        abort(404)
    return send_read(attachment, attachments.read)


@bp.route("/p/<int:post_id>/modifica", methods=["GET", "POST"])
def edit_post(post_id):
    post = _post_or_404(post_id)
    or_403(services.is_author(post) and (request.method == "POST" or services.may_edit(post)))
    form = edit_form(PostEditForm, post)
    findings = []
    if not services.may_edit(post):
        # The window closed while the author was writing: refused, but what they wrote stays on the page.
        form.body.errors = [_("Il tempo per modificare il messaggio (%(minutes)s minuti) è scaduto: la modifica non è "
                              "stata salvata. Copia il testo se vuoi pubblicarlo come nuova risposta.",
                              minutes=services.edit_minutes())]
        form._errors = None
        return render_template("forum/edit.html", form=form, post=post, findings=findings, confirmed=(),
                               revisions=services.revisions(post)), 403
    if form.validate_on_submit():
        try:
            services.edit_post(post, form.body.data, form.version.data, confirmed=_confirmed())
        except services.PersonalDataFound as exc:
            findings, _kept = _refused(form, exc)
        else:
            flash(_("Messaggio modificato."), "success")
            return redirect(url_for(".thread", thread_id=post.thread_id))
    return render_template("forum/edit.html", form=form, post=post, findings=findings, confirmed=_confirmed(),
                           revisions=services.revisions(post))


@bp.route("/p/<int:post_id>/segnala", methods=["POST"])
def report(post_id):
    post = _post_or_404(post_id)
    form = ReportForm()
    if form.validate_on_submit():
        moderation.report(post, form.reason.data)
        flash(_("Grazie: i moderatori del nodo esamineranno il messaggio."), "success")
    elif form.reason.data and form.reason.errors:  # too long (the box's maxlength bypassed)
        flash(" ".join(str(error) for error in form.reason.errors), "warning")
    else:
        flash(_("Indica il motivo della segnalazione."), "warning")
    return redirect(url_for(".thread", thread_id=post.thread_id))


@bp.route("/p/<int:post_id>/modera", methods=["POST"])
def moderate_post(post_id):
    post = _post_or_404(post_id)
    return _moderated(lambda: moderation.moderate_post(post, request.form.get("action", "")), post.thread_id)


@bp.route("/t/<int:thread_id>/modera", methods=["POST"])
def moderate_thread(thread_id):
    thread = _thread_or_404(thread_id)
    # type=int (core/edge.py) gives None for what int() refuses ("²") or no database integer holds: no category,
    # which a move refuses (400) instead of a ValueError or an overflow (500)
    category_id = request.form.get("category_id", type=int)
    category = db.session.get(ForumCategory, category_id) if category_id else None
    return _moderated(lambda: moderation.moderate_thread(thread, request.form.get("action", ""), category), thread.id)


def _moderated(moderate, thread_id):
    """A moderator's button: 403 for anyone else, 400 for an unknown action (core.errors), else back to the
    thread."""
    moderate()
    flash(_("Moderazione registrata."), "success")
    return redirect(url_for(".thread", thread_id=thread_id))


@bp.route("/t/<int:thread_id>/valida", methods=["POST"])
def validate(thread_id):
    thread = _thread_or_404(thread_id)
    # The two buttons of the thread's page; anything else is refused (it read as a withdrawal).
    action = request.form.get("action", "validate")
    if action not in ("validate", "unvalidate"):
        raise services.ForumError(_("Azione di moderazione non prevista."))
    moderation.validate_practice(thread, action == "validate")
    flash(_("Buona prassi validata dal nodo.") if thread.validated_at else _("Validazione ritirata."), "success")
    return redirect(url_for(".thread", thread_id=thread.id))


@bp.route("/buone-prassi")
def practices():
    form = PracticeFilterForm(request.args)
    cats = services.categories()
    form.categoria.choices = [("", _("Tutte"))] + [(str(c.id), labels.category_name(c)) for c in cats]
    form.validate()
    ground = form.motivo.data if form.motivo.data in {g.value for g in GROUND_LABELS} else None
    category_id = int(form.categoria.data) if form.categoria.data in {str(c.id) for c in cats} else None
    rows, has_next = services.practices(ground=ground, category_id=category_id, page=_page())
    return render_template("forum/practices.html", form=form, rows=rows, has_next=has_next, page=_page())


@bp.route("/cerca")
def search():
    form = SearchForm(request.args)
    q = (form.q.data or "").strip()[:200]
    results = run_search(q) if q else []
    template = "forum/_results.html" if request.headers.get("HX-Request") else "forum/search.html"
    return render_template(template, form=form, q=q, results=results, search_form=form)


@bp.route("/iscrizioni", methods=["GET", "POST"])
def subscriptions():
    if request.method == "POST":
        form = SubscribeForm()
        # type=int ignores ids beyond the database integer (portal/core/edge.py): a 400 below, not an overflow
        thread_id, category_id = request.form.get("thread_id", type=int), request.form.get("category_id", type=int)
        thread = services.get_thread(thread_id) if thread_id else None
        category = db.session.get(ForumCategory, category_id) if category_id else None
        if not form.validate_on_submit() or (thread is None) == (category is None):
            abort(400)
        if form.action.data not in ("subscribe", "unsubscribe"):  # anything else read as a subscription
            raise services.ForumError(_("Azione non prevista: scegli se seguire o smettere di seguire."))
        if form.action.data == "unsubscribe":
            notify.unsubscribe(thread, category)
            flash(_("Non riceverai più avvisi."), "success")
        else:
            notify.subscribe(thread, category, SubscriptionMode(form.mode.data))
            flash(_("Iscrizione registrata: riceverai gli avvisi per e-mail."), "success")
        target = request.form.get("next", "")
        if target.startswith("/forum/") and not target.startswith("//"):
            return redirect(target)
        return redirect(url_for(".subscriptions"))
    rows = notify.my_subscriptions()
    threads = {r.thread_id: services.get_thread(r.thread_id) for r in rows if r.thread_id}
    cats = {c.id: c for c in services.categories()}
    return render_template("forum/subscriptions.html", rows=rows, threads=threads, cats=cats,
                           subscribe_form=SubscribeForm())


@bp.route("/segnalazioni")
def reports():
    or_403(services.is_moderator())
    confirmations, has_next = moderation.review_confirmations(_page())
    return render_template("forum/reports.html", rows=moderation.open_reports(), confirmations=confirmations,
                           has_next=has_next, page=_page())


__all__ = ["bp", "ThreadKind"]
