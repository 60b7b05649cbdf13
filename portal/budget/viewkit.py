"""What the budget screens share: the blueprint, its labels, the role guards and the lookups.

Route modules: ``views.py`` (overview, contracts, orders, deliveries, invoices, internal costs),
``views_orders.py`` (order list and status, delivery correction, contract and line editing, identity
grants) and ``views_controls.py`` (sample checks, provider scorecard). Ids of rows the tenant cannot see
are 404 (``core.rows.visible_or_404``); a user of the right tenant without the right role gets 403.
"""

from flask import Blueprint
from sqlalchemy import select

from ..cases import labels as case_labels
from ..core.views_helpers import expose_labels, guarded
from ..extensions import db
from ..tenancy.models import Tenant
from . import labels, services

bp = Blueprint("budget", __name__, url_prefix="/budget")


expose_labels(bp, labels, "DELIVERY_STATUS_LABELS", "FIGURE_LABELS", "INVOICE_STATUS_LABELS", "LINE_KIND_LABELS",
              "ORDER_STATUS_LABELS", "PROCEDURE_LABELS", "UNIT_LABELS", "OUTCOME_LABELS")
expose_labels(bp, case_labels, "SERVICE_TYPE_LABELS", "JOB_OUTCOME_LABELS")


@bp.context_processor
def _may_manage_money():
    return {"may_manage_money": services.may_manage_money()}


money_staff = guarded(services.may_manage_money)
money_or_provider = guarded(lambda: services.may_manage_money() or services.is_provider())
provider_only = guarded(services.is_provider)
logged_in = guarded(lambda: True)


def provider_names(ids) -> dict:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(Tenant.id, Tenant.name).where(Tenant.id.in_(ids))).all())


def int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
