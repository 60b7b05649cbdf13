"""The regional centre's monitoring (/regione): one closed quarter's suppressed tables, charts beside
their tables, CSV and XLSX exports. Only the regional coordinator and analyst of a regional tenant."""
from functools import wraps

from flask import Blueprint, abort, render_template, request

from ..accounts.permissions import Capability, can, current_membership, membership_required
from ..audit.services import record
from ..core.rows import or_403
from ..core.views_helpers import download
from ..i18n import local_today
from . import exports
from .queries import TITLES, Quarter, node_contacts
from .releases import region_view

bp = Blueprint("region", __name__, url_prefix="/regione")


@bp.context_processor
def _helpers():
    from ..monitoring.suppression import TOTAL
    from .labels import row_labels

    return {"region_row_labels": row_labels, "TOTAL": TOTAL}


def region_staff(view):
    @wraps(view)
    @membership_required
    def wrapped(*args, **kwargs):
        or_403(can(Capability.SEE_REGION_MONITORING) and current_membership().tenant.is_region)
        return view(*args, **kwargs)

    return wrapped


def _view(quarter_key: str | None):
    if quarter_key is not None and Quarter.parse(quarter_key) is None:
        abort(404)
    view = region_view(current_membership().tenant, quarter_key, local_today())
    if quarter_key is not None and view.quarter is None:
        abort(404)  # a quarter not released (still running, or within its delay) is never shown
    return view


@bp.route("/")
@region_staff
def index():
    view = _view(request.args.get("trimestre") or None)
    return render_template("region/index.html", v=view, titles=TITLES)


@bp.route("/nodi")
@region_staff
def nodes():
    return render_template("region/nodes.html", rows=node_contacts(current_membership().tenant))


def _export_view(quarter: str):
    view = _view(quarter)
    if not view.tables:
        abort(404)  # no node data for that quarter: nothing to export
    return view


def _download(view, fileobj, mimetype: str, extension: str):
    record("region.exported", "region", view.region.id, ["quarter"])
    return download(fileobj, mimetype, f"regione-{view.quarter.key}.{extension}")


@bp.route("/<quarter>.csv")
@region_staff
def export_csv(quarter):
    import io

    view = _export_view(quarter)
    body = io.BytesIO(exports.csv_text(view).encode("utf-8"))
    return _download(view, body, "text/csv", "csv")


@bp.route("/<quarter>.xlsx")
@region_staff
def export_xlsx(quarter):
    view = _export_view(quarter)
    return _download(view, exports.xlsx(view),
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
