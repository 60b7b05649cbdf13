"""Monitoring screens (/monitoraggio): the node's dashboard, the antenna's own dashboard, the periodic
report (printable page and XLSX) and the aggregate open-data export.

Who sees what (portal/accounts/permissions.py): node coordinator, case workers and budget officer
(``SEE_MONITORING``) see the node's dashboard and report, money panels only with ``APPROVE_MONEY``;
antenna operators and admins (``SEE_OWN_DASHBOARD``) see their own referrals' figures; only the
coordinator (``EXPORT_OPEN_DATA``) downloads the open data. No per-view tenant filter: the scoping
layer limits every aggregate to the current tenant's rows.
"""
import io
from functools import wraps

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for

from ..accounts.permissions import Capability, can, current_membership, membership_required
from ..audit.services import record
from ..cases.services import antenna_choices, provider_choices
from ..core.pdf import PDF_MIMETYPE
from ..core.views_helpers import download as _download
from . import exports, labels, opendata, queries, report
from .forms import AntennaFilterForm, NodeFilterForm, PeriodForm
from .report_pdf import render as report_pdf_render

bp = Blueprint("monitoring", __name__, url_prefix="/monitoraggio")


@bp.context_processor
def _labels():
    return {"L": labels}


@bp.app_template_filter("monitoring_labels")
def _monitoring_labels(rows, names: dict) -> list:
    """[(key, value)] -> [(label, value)] for the panels' tables."""
    return [(names.get(key, key), value) for key, value in rows]


bp.add_app_template_filter(exports.display_value, "monitoring_value")


@bp.app_template_filter("month_rows")
def _month_rows(rows) -> list:
    """[('YYYY-MM', value)] -> [("ottobre 2026", value)]: the month keys as people read them."""
    from ..i18n import format_month

    return [(format_month(key), value) for key, value in rows]


def _guard(capability: Capability, node: bool):
    def decorator(view):
        @wraps(view)
        @membership_required
        def wrapped(*args, **kwargs):
            tenant = current_membership().tenant
            if not can(capability) or tenant.is_node != node:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


node_staff = _guard(Capability.SEE_MONITORING, node=True)
antenna_staff = _guard(Capability.SEE_OWN_DASHBOARD, node=False)
coordinator = _guard(Capability.EXPORT_OPEN_DATA, node=True)


def _partial() -> bool:
    # htmx asks for the panels only; its history restore (cache miss) needs the whole page.
    return bool(request.headers.get("HX-Request")) and not request.headers.get("HX-History-Restore-Request")


def _render(full: str, panels: str, **context):
    response = make_response(render_template(panels if _partial() else full, **context))
    response.vary.add("HX-Request")
    return response


@bp.route("/")
@node_staff
def node():
    form = NodeFilterForm(request.args)
    form.antenna.choices = [("", labels.ALL)] + [(str(i), name) for i, name in antenna_choices()]
    form.fornitore.choices = [("", labels.ALL)] + [(str(i), name) for i, name in provider_choices()]
    form.validate()
    f = form.filters()
    form.dal.data, form.al.data = f.start, f.end
    data = queries.node_dashboard(f)
    budgets = report.budget_overviews() if can(Capability.APPROVE_MONEY) else []
    return _render("monitoring/node.html", "monitoring/_node_panels.html", form=form, f=f, d=data, budgets=budgets)


@bp.route("/antenna")
@antenna_staff
def antenna():
    form = AntennaFilterForm(request.args)
    form.validate()
    f = form.filters()
    form.dal.data, form.al.data = f.start, f.end
    return _render("monitoring/antenna.html", "monitoring/_antenna_panels.html", form=form, f=f,
                   d=queries.antenna_dashboard(f))


def _report():
    form = PeriodForm(request.args)
    form.validate()
    start, end = form.period()
    form.dal.data, form.al.data = start, end
    return form, report.periodic_report(queries.Filters(start, end))


@bp.route("/rapporto")
@node_staff
def report_page():
    form, data = _report()
    return render_template("monitoring/report.html", form=form, r=data, sections=exports.report_sections(data))


def _explicit_period(endpoint: str):
    """Downloads name their period in the URL (the file is named after it): fill in the default one."""
    if request.args.get("dal") and request.args.get("al"):
        return None
    form = PeriodForm(request.args)
    form.validate()
    start, end = form.period()
    return redirect(url_for(endpoint, dal=start.isoformat(), al=end.isoformat()))


@bp.route("/rapporto.xlsx")
@node_staff
def report_xlsx():
    return _report_file("monitoring.report_xlsx", ["period"], exports.report_xlsx,
                        exports.XLSX_MIMETYPE, "xlsx")


@bp.route("/rapporto.pdf")
@node_staff
def report_pdf():
    return _report_file("monitoring.report_pdf", ["period", "pdf"], lambda data: io.BytesIO(report_pdf_render(data)),
                        PDF_MIMETYPE, "pdf")


def _report_file(endpoint: str, fields: list[str], render, mimetype: str, extension: str):
    """The periodic report as a file named after its period (audited as exported, ``fields`` saying how)."""
    if missing := _explicit_period(endpoint):
        return missing
    _, data = _report()
    record("monitoring.report_exported", "report", None, fields)
    name = f"rapporto-{data.filters.start.isoformat()}-{data.filters.end.isoformat()}.{extension}"
    return _download(render(data), mimetype, name)


@bp.route("/open-data")
@coordinator
def open_data():
    form = PeriodForm(request.args)
    form.validate()
    start, end = form.period()
    form.dal.data, form.al.data = start, end
    return render_template("monitoring/opendata.html", form=form, start=start, end=end)


@bp.route("/open-data.csv")
@coordinator
def open_data_csv():
    if missing := _explicit_period("monitoring.open_data_csv"):
        return missing
    form = PeriodForm(request.args)
    form.validate()
    f = queries.Filters(*form.period())
    text = opendata.csv_text(f)
    return _download(io.BytesIO(text.encode("utf-8")), "text/csv",
                     f"rete-open-data-{f.start.isoformat()}-{f.end.isoformat()}.csv")


@bp.route("/open-data/schema")
def open_data_schema():
    """The CSV's documentation: public, like the data it describes."""
    return render_template("monitoring/opendata_schema.html", columns=opendata.COLUMNS,
                           tables=opendata.PARTICIPANT_TABLES)
