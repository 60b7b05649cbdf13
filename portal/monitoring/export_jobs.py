"""The monitoring exports that run on the queue (portal/exports): the periodic report as XLSX and the
open-data CSV, both for a period; built acting as the requester, so the report shows the money panels
only to roles that see money, as on the page."""
from datetime import date

from ..accounts.permissions import Capability, can
from ..exports.services import kind
from ..i18n import lazy_gettext as _l
from . import exports, opendata, queries, report
from .forms import PeriodForm


def _node_with(capability: Capability):
    return lambda membership: can(capability, membership) and membership.tenant.is_node


def _period(form) -> dict:
    """The chosen period as ISO dates (the default one for any part missing or invalid, as on the page)."""
    period = PeriodForm(form, meta={"csrf": False})
    period.validate()
    start, end = period.period()
    return {"dal": start.isoformat(), "al": end.isoformat()}


def _filters(params: dict) -> queries.Filters:
    return queries.Filters(date.fromisoformat(params["dal"]), date.fromisoformat(params["al"]))


@kind("monitoring.report_xlsx", _l("Rapporto periodico in Excel (XLSX)"),
      allowed=_node_with(Capability.SEE_MONITORING), params=_period)
def report_xlsx(params: dict, progress) -> tuple[bytes, str, str]:
    data = report.periodic_report(_filters(params))
    progress(60)
    content = exports.report_xlsx(data).getvalue()
    return content, exports.XLSX_MIMETYPE, f"rapporto-{params['dal']}-{params['al']}.xlsx"


@kind("monitoring.open_data_csv", _l("Open data (CSV)"), allowed=_node_with(Capability.EXPORT_OPEN_DATA),
      params=_period)
def open_data_csv(params: dict, progress) -> tuple[bytes, str, str]:
    text = opendata.csv_text(_filters(params))
    progress(80)
    return text.encode("utf-8"), "text/csv", f"rete-open-data-{params['dal']}-{params['al']}.csv"
