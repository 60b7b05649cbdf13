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

from flask import Blueprint, make_response, redirect, render_template, request, url_for

from ..accounts.permissions import Capability, can, current_membership, membership_required
from ..audit.services import record
from ..cases.services import antenna_choices, provider_choices
from ..core.pdf import PDF_MIMETYPE
from ..core.quarters import closed_before
from ..core.rows import or_403
from ..core.views_helpers import asked_from_this_site
from ..core.views_helpers import download as _download
from ..i18n import local_today
from . import exports, labels, opendata, queries, report
from .forms import AntennaFilterForm, NodeFilterForm, OpenDataForm, PeriodForm
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
            or_403(can(capability) and tenant.is_node == node)
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


def _period(form) -> tuple | None:
    """Validate a period form: the period chosen (its boxes filled in, the default where left empty), or None
    when the dates typed are refused, which then stay as typed with the error on their field."""
    form.validate()
    period = form.period()
    if period is not None:
        form.dal.data, form.al.data = period
    return period


def _dashboard(full: str, panels: str, form, load):
    """A dashboard, or its panels for htmx, with what ``load(filters)`` gives them; a refused period's panels
    say so instead of another period's figures (200, as a list's refused filter: the form shows the error on
    its field, the input kept)."""
    f = form.filters() if _period(form) else None
    return _render(full, panels if f else "monitoring/_period_refused.html", form=form, f=f, period=form.typed(),
                   **(load(f) if f else {}))


@bp.route("/")
@node_staff
def node():
    form = NodeFilterForm(request.args)
    form.antenna.choices = [("", labels.ALL)] + [(str(i), name) for i, name in antenna_choices()]
    form.fornitore.choices = [("", labels.ALL)] + [(str(i), name) for i, name in provider_choices()]
    return _dashboard("monitoring/node.html", "monitoring/_node_panels.html", form, lambda f: {
        "d": queries.node_dashboard(f), "budgets": report.budget_overviews() if can(Capability.APPROVE_MONEY) else []})


@bp.route("/antenna")
@antenna_staff
def antenna():
    return _dashboard("monitoring/antenna.html", "monitoring/_antenna_panels.html", AntennaFilterForm(request.args),
                      lambda f: {"d": queries.antenna_dashboard(f)})


def _report():
    form = PeriodForm(request.args)
    period = _period(form)
    return form, report.periodic_report(queries.Filters(*period)) if period else None


@bp.route("/rapporto")
@node_staff
def report_page():
    form, data = _report()
    return render_template("monitoring/report.html", form=form, r=data,
                           sections=exports.report_sections(data) if data else [])


def _explicit_period(endpoint: str, page: str, form_class=PeriodForm):
    """Downloads name their period in the URL (the file is named after it): without one, a redirect that fills in
    the default period; a refused one goes back to ``page``, which shows why with the dates as typed."""
    form = form_class(request.args)
    if _period(form) is None:
        return redirect(url_for(page, **form.typed()))
    if request.args.get("dal") and request.args.get("al"):
        return None
    return redirect(url_for(endpoint, **form.typed()))


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
    if elsewhere := _explicit_period(endpoint, "monitoring.report_page"):
        return elsewhere
    _, data = _report()
    record("monitoring.report_exported", "report", None, fields)
    name = f"rapporto-{data.filters.start.isoformat()}-{data.filters.end.isoformat()}.{extension}"
    return _download(render(data), mimetype, name)


@bp.route("/open-data")
@coordinator
def open_data():
    form = OpenDataForm(request.args)
    quarters = closed_before(local_today(), 8)
    return render_template("monitoring/opendata.html", form=form, period=_period(form), quarters=quarters,
                           released=opendata.released_on(quarters))


@bp.route("/open-data.csv")
@coordinator
def open_data_csv():
    if elsewhere := _explicit_period("monitoring.open_data_csv", "monitoring.open_data", OpenDataForm):
        return elsewhere
    f = queries.Filters(*_period(OpenDataForm(request.args)))
    if not asked_from_this_site() and not opendata.is_released(f):  # a link elsewhere releases nothing for good
        return redirect(url_for("monitoring.open_data", dal=f.start.isoformat(), al=f.end.isoformat()))
    text = opendata.csv_text(f)
    return _download(io.BytesIO(text.encode("utf-8")), "text/csv",
                     f"rete-open-data-{f.start.isoformat()}-{f.end.isoformat()}.csv")


@bp.route("/open-data/schema")
def open_data_schema():
    """The CSV's documentation: public, like the data it describes."""
    return render_template("monitoring/opendata_schema.html", columns=opendata.COLUMNS,
                           tables=opendata.PARTICIPANT_TABLES)
