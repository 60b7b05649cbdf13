"""Notification screens (thin): the header bell, the current user's list with read markers, and the
system admin's outbox page. Another user's notification, or another tenant's row, is 404."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.permissions import Capability, can, current_membership, membership_required
from ..accounts.user_sessions import passive
from ..audit.services import record
from ..core.rows import or_404, visible_or_404
from ..core.views_helpers import guarded
from ..extensions import db
from . import labels, outbox, services
from .models import PRIVATE_RECIPIENT, OutboxMail, OutboxStatus

bp = Blueprint("notifications", __name__)
OUTBOX_PAGE = 50


@bp.app_context_processor
def _bell():
    # A callable: the header calls it once per page; pages without a tenant pay nothing.
    return {"notifications_unread": services.unread_count}


def _page() -> int:
    return max(request.args.get("pagina", 1, type=int) or 1, 1)


@bp.route("/notifiche/")
@membership_required
def index():
    rows, has_next = services.page(_page())
    items = [(row, labels.text(row.kind, row.params)) for row in rows]
    return render_template("notifications/index.html", items=items, page=_page(), has_next=has_next,
                           unread=services.unread_count())


@bp.route("/notifiche/campanella")
@passive  # a timer, not the user: it must not keep an idle session alive
def bell():
    """The bell alone, which htmx swaps in every minute. Logged out (the session expired): 286, which
    tells htmx to stop polling, rather than a redirect whose login page htmx would swap into the header."""
    if not current_user.is_authenticated or current_membership() is None:
        return "", 286
    return render_template("notifications/_bell.html")


@bp.route("/notifiche/<int:notification_id>/letta", methods=["POST"])
@membership_required
def mark_read(notification_id):
    row = or_404(services.get_mine(notification_id))
    services.mark_read(row)
    return redirect(url_for("notifications.index", pagina=request.form.get("pagina", 1, type=int)))


@bp.route("/notifiche/lette", methods=["POST"])
@membership_required
def mark_all_read():
    count = services.mark_all_read()
    flash(_("Notifiche segnate come lette: %(count)s.", count=count), "success")
    return redirect(url_for("notifications.index"))


# --- the system admin's outbox ------------------------------------------------------------------------

admin = guarded(lambda: can(Capability.MANAGE_OUTBOX))


@bp.route("/posta-in-uscita/")
@admin
def outbox_index():
    page = _page()
    rows = list(db.session.scalars(
        select(OutboxMail).where(OutboxMail.status != OutboxStatus.SENT)
        .order_by(OutboxMail.status, OutboxMail.next_attempt_at, OutboxMail.id)
        .offset((page - 1) * OUTBOX_PAGE).limit(OUTBOX_PAGE + 1)
    ))
    return render_template("notifications/outbox.html", rows=rows[:OUTBOX_PAGE], has_next=len(rows) > OUTBOX_PAGE,
                           page=page, counts=outbox.counts(), Status=OutboxStatus, PRIVATE_RECIPIENT=PRIVATE_RECIPIENT)


@bp.route("/posta-in-uscita/<int:mail_id>/riprova", methods=["POST"])
@admin
def outbox_retry(mail_id):
    row = visible_or_404(OutboxMail, mail_id)
    if row.status == OutboxStatus.SENT:
        flash(_("Questo messaggio è già stato inviato."), "warning")
        return redirect(url_for("notifications.outbox_index"))
    outbox.retry(row)
    record("outbox.retry", "mail_outbox", row.id, ["status", "attempts", "next_attempt_at"])
    flash(_("Il messaggio sarà inviato di nuovo a breve."), "success")
    return redirect(url_for("notifications.outbox_index"))


@bp.route("/posta-in-uscita/riprova-tutti", methods=["POST"])
@admin
def outbox_retry_failed():
    rows = list(db.session.scalars(select(OutboxMail).where(OutboxMail.status == OutboxStatus.FAILED)))
    for row in rows:
        outbox.retry(row)
        record("outbox.retry", "mail_outbox", row.id, ["status", "attempts", "next_attempt_at"])
    flash(_("Messaggi rimessi in coda: %(count)s.", count=len(rows)), "success")
    return redirect(url_for("notifications.outbox_index"))
