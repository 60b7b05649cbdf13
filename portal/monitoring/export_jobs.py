"""The monitoring exports that run on the queue (portal/exports): the periodic report as XLSX and the
open-data CSV, both for a period; built acting as the requester, so the report shows the money panels
only to roles that see money, as on the page."""
from datetime import date

from flask import url_for

from ..accounts.permissions import Capability, can_in_node
from ..exports.services import InputRefused, kind
from ..i18n import lazy_gettext as _l
from . import exports, opendata, queries, report
from .forms import OpenDataForm, PeriodForm


def _node_with(capability: Capability):
    return lambda membership: can_in_node(capability, membership)


def _period_from(page: str, form_class=PeriodForm):
    """The chosen period as ISO dates (the default one for a part left empty, as on the page); refused dates
    send the asker back to ``page``, which shows why on the field with the dates as typed."""
    def params(form) -> dict:
        period = form_class(form)
        period.validate()
        if period.period() is None:
            raise InputRefused(" ".join(map(str, period.dal.errors + period.al.errors)), url_for(page, **period.typed()))
        return period.typed()

    return params


def _filters(params: dict) -> queries.Filters:
    return queries.Filters(date.fromisoformat(params["dal"]), date.fromisoformat(params["al"]))


@kind("monitoring.report_xlsx", _l("Rapporto periodico in Excel (XLSX)"),
      allowed=_node_with(Capability.SEE_MONITORING), params=_period_from("monitoring.report_page"))
def report_xlsx(params: dict, progress) -> tuple[bytes, str, str]:
    data = report.periodic_report(_filters(params))
    progress(60)
    content = exports.report_xlsx(data).getvalue()
    return content, exports.XLSX_MIMETYPE, f"rapporto-{params['dal']}-{params['al']}.xlsx"


@kind("monitoring.open_data_csv", _l("Open data (CSV)"), allowed=_node_with(Capability.EXPORT_OPEN_DATA),
      params=_period_from("monitoring.open_data", OpenDataForm))
def open_data_csv(params: dict, progress) -> tuple[bytes, str, str]:
    text = opendata.csv_text(_filters(params))
    progress(80)
    return text.encode("utf-8"), "text/csv", f"rete-open-data-{params['dal']}-{params['al']}.csv"
