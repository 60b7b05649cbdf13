"""Bulk import pages: the antenna's batches, upload, columns, dry run, progress, undo, confirmation and
discarding a batch that created nothing."""
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..accounts.permissions import membership_required
from ..accounts.user_sessions import passive
from ..core.rows import one_page, or_403, or_404
from ..core.transaction import attempt
from ..extensions import db
from ..jobs import enqueue
from . import services, unfinished
from .fields import fields_for
from .forms import FileError, UploadForm, VersionForm, mapping_form, mapping_of
from .jobs import run_import
from .labels import ERROR_LABELS, FIELD_LABELS, ROW_LABELS, STATE_LABELS, WARNING_LABELS
from .models import BatchState, ImportRow, RowStatus
from .parsing import MAX_BYTES

bp = Blueprint("imports", __name__, url_prefix="/importazioni")
PAGE_SIZE = 100


@bp.before_request
@membership_required
def _guard():
    or_403(services.may_import())


def _batch(batch_id: int):
    return or_404(services.get_batch(batch_id))


@bp.route("/", methods=["GET", "POST"])
def index():
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        with attempt(refusing=FileError) as done:
            batch = services.upload(upload.filename, upload.read(MAX_BYTES + 1))
        if done:
            db.session.commit()
            return redirect(url_for(".columns", batch_id=batch.id))
        form.file.errors.append(str(done.error))
    return render_template("imports/index.html", form=form, batches=services.batches(), STATE_LABELS=STATE_LABELS,
                           cases=services.import_kind() == services.CASES), \
        400 if form.errors else 200


@bp.route("/<int:batch_id>/colonne", methods=["GET", "POST"])
def columns(batch_id):
    batch = _batch(batch_id)
    if batch.state not in (BatchState.DRAFT, BatchState.CHECKED):
        return redirect(url_for(".detail", batch_id=batch.id))
    fields = fields_for(batch.kind)
    form = mapping_form(batch.headers, batch.mapping, request.form if request.method == "POST" else None, fields)
    error = None
    if request.method == "POST" and form.validate():
        with attempt(refusing=services.ImportError_) as done:
            services.set_mapping(batch, mapping_of(form, fields))
            services.dry_run(batch)
        if done:
            db.session.commit()
            return redirect(url_for(".detail", batch_id=batch.id))
        error = str(done.error)
    return render_template("imports/columns.html", batch=batch, form=form, error=error, FIELDS=fields), \
        400 if error or form.errors else 200


def _rows_page(batch, page: int):
    """Rows worth a look (errors, warnings, refused, skipped), a page at a time, in file order."""
    interesting = ImportRow.status.in_([RowStatus.INVALID, RowStatus.FAILED, RowStatus.ALREADY_IMPORTED]) \
        | ImportRow.flagged.is_(True)
    return one_page(db.session.scalars, select(ImportRow).where(ImportRow.batch_id == batch.id, interesting)
                    .order_by(ImportRow.number), page, PAGE_SIZE)


@bp.route("/<int:batch_id>")
def detail(batch_id):
    batch = _batch(batch_id)
    page = max(request.args.get("pagina", 1, type=int), 1)
    rows, has_next = _rows_page(batch, page)
    return render_template(
        "imports/detail.html", batch=batch, rows=rows, has_next=has_next, page=page, form=VersionForm(),
        progress=services.progress(batch), earlier=services.earlier_batch_of_same_file(batch),
        STATE_LABELS=STATE_LABELS, ROW_LABELS=ROW_LABELS, ERROR_LABELS=ERROR_LABELS, FIELD_LABELS=FIELD_LABELS,
        WARNING_LABELS=WARNING_LABELS, BatchState=BatchState, cases=batch.kind == services.CASES,
        may_discard=unfinished.may_discard(batch), unfinished=unfinished.unfinished(batch),
        keep_days=unfinished.unfinished_keep_days(),
    )


@bp.route("/<int:batch_id>/avanzamento")
@passive  # polled every 2 s while the import runs: a timer, not the user
def progress(batch_id):
    """The progress bar alone, polled by htmx while the import runs (without JavaScript: the page's link)."""
    batch = _batch(batch_id)
    if not request.headers.get("HX-Request"):
        return redirect(url_for(".detail", batch_id=batch.id))
    response = render_template("imports/_progress.html", batch=batch, progress=services.progress(batch),
                               STATE_LABELS=STATE_LABELS, BatchState=BatchState)
    if batch.state != BatchState.IMPORTING:  # done: reload the page for its new actions and counts
        return response, 200, {"HX-Refresh": "true"}
    return response


def _step(batch_id, action):
    batch = _batch(batch_id)
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    result = None
    with attempt(refusing=services.ImportError_) as done:
        result = action(batch, form.version.data)
    if not done:
        flash(str(done.error), "danger")
        return None, batch
    db.session.commit()  # before a queued job reads the batch
    return result if result is not None else True, batch


@bp.route("/<int:batch_id>/importa", methods=["POST"])
def start(batch_id):
    done, batch = _step(batch_id, services.start)
    if done:
        enqueue(run_import, batch.id, batch.tenant_id, g.membership.id, request.remote_addr)
    return redirect(url_for(".detail", batch_id=batch.id))


@bp.route("/<int:batch_id>/annulla", methods=["POST"])
def undo(batch_id):
    return _stepped(batch_id, services.undo, _("Importazione annullata: eliminate le bozze e le persone che aveva creato."))


@bp.route("/<int:batch_id>/conferma", methods=["POST"])
def confirm(batch_id):
    return _stepped(batch_id, services.confirm, _("Importazione confermata."))


@bp.route("/<int:batch_id>/elimina", methods=["POST"])
def discard(batch_id):
    done = _step(batch_id, unfinished.discard)[0]
    if not done:
        return redirect(url_for(".detail", batch_id=batch_id))
    flash(_("Importazione eliminata, con il contenuto del file."), "success")
    return redirect(url_for(".index"))


def _stepped(batch_id, action, message: str):
    """A step that ends on the batch page with ``message`` once it went through (a refusal: flashed by _step)."""
    done, batch = _step(batch_id, action)
    if done:
        flash(message, "success")
    return redirect(url_for(".detail", batch_id=batch.id))
