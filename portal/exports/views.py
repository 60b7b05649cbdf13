"""/esportazioni: ask for an export (POST), follow it (a page that refreshes itself, or an htmx fragment)
and download the file when ready. Rules in services.py."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..accounts.permissions import membership_required
from ..accounts.user_sessions import passive
from ..core.files import send_stored
from ..core.rows import or_404
from ..extensions import db
from . import services

bp = Blueprint("exports", __name__, url_prefix="/esportazioni")


@bp.route("/<kind>", methods=["POST"])
@membership_required
def ask(kind):
    try:
        job = services.request_export(kind, request.form)
    except services.InputRefused as exc:
        if exc.page:  # the asking page shows the input again, with why on the field
            return redirect(exc.page, code=303)
        abort(400, str(exc))
    except ValueError as exc:
        abort(400, str(exc))
    db.session.commit()  # the worker reads the row from another connection
    services.start(job)
    return redirect(url_for(".follow", job_id=job.id), code=303)


def _job_or_404(job_id):
    return or_404(services.get(job_id))


@bp.route("/<int:job_id>")
@membership_required
def follow(job_id):
    job = _job_or_404(job_id)
    return render_template("exports/job.html", job=job, kind=services.KINDS[job.kind],
                           expired=services.expired(job))


@bp.route("/<int:job_id>/stato")
@passive  # polled every 2 s while the file is made: a timer, not the user
@membership_required
def status(job_id):
    """The part of the page that changes, for htmx to poll."""
    job = _job_or_404(job_id)
    return render_template("exports/_status.html", job=job, expired=services.expired(job))


@bp.route("/<int:job_id>/file")
@membership_required
def download(job_id):
    job = _job_or_404(job_id)
    content = services.read(job)
    if content is None:
        flash(_("Il file non è disponibile: preparane uno nuovo."), "warning")
        return redirect(url_for(".follow", job_id=job.id))
    db.session.commit()  # the audit of the download
    return send_stored(content, job.content_type, job.filename)
