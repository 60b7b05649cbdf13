"""The data protection officer's view of the audit log (read-only)."""
from datetime import timedelta

from flask import Blueprint, render_template, request
from sqlalchemy import func, select

from ..accounts.models import User
from ..accounts.permissions import Capability, membership_required, requires
from ..core.rows import one_page
from ..extensions import db
from ..i18n import day_start
from .forms import AuditFilterForm
from .labels import action_label, field_labels, object_label
from .models import AuditEvent

bp = Blueprint("audit", __name__, url_prefix="/registro-accessi")
PAGE_SIZE = 50


@bp.context_processor
def _labels():
    return {"action_label": action_label, "field_labels": field_labels, "object_label": object_label}


@bp.route("/")
@membership_required
@requires(Capability.READ_AUDIT)
def index():
    form = AuditFilterForm(request.args, meta={"csrf": False})
    query = select(AuditEvent, User).outerjoin(User, User.id == AuditEvent.actor_user_id)
    if form.validate():
        if form.action.data:
            query = query.where(AuditEvent.action.startswith(form.action.data))
        if form.object_type.data:
            query = query.where(AuditEvent.object_type == form.object_type.data)
        if form.object_id.data:
            query = query.where(AuditEvent.object_id == form.object_id.data)
        if form.actor.data:
            query = query.where(func.lower(User.email).contains(form.actor.data.lower()))
        if form.since.data:
            query = query.where(AuditEvent.at >= day_start(form.since.data))  # the days typed are Rome's
        if form.until.data:
            query = query.where(AuditEvent.at < day_start(form.until.data + timedelta(days=1)))
    page = max(request.args.get("pagina", 1, type=int), 1)
    rows, has_next = one_page(db.session.execute, query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()), page,
                              PAGE_SIZE)
    return render_template("audit/index.html", form=form, rows=rows, page=page, has_next=has_next)
