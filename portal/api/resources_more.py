"""The node's systems read cases and actions pseudonymised; providers' systems read their orders and log
deliveries. Same services and rules as the pages (cases.services.can_view, budget.contracts.log_delivery)."""
from flask import g, url_for
from sqlalchemy import select

from ..budget import contracts
from ..budget.models import ServiceOrder
from ..cases import services as cases
from ..cases.models import Case
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..monitoring import opendata
from ..monitoring.filters import Filters
from ..monitoring.forms import MAX_DAYS
from . import schemas
from .models import Scope
from .problems import Problem
from .resources import utc
from .rest import operation, page_of, readable_or_404


def case_dict(case: Case, with_actions: bool = False) -> dict:
    """Pseudonym, state, grounds, dates and action codes/hours: no identity, no free text (notes, outcomes,
    closure reason stay on the node's pages)."""
    out = {"id": case.id, "pseudonym": case.pseudonym, "state": case.state.value,
           "grounds": [g for g in (case.grounds or "").split(",") if g], "urgent": case.urgent,
           "opened_at": utc(case.opened_at), "closed_at": utc(case.closed_at),
           "closure_outcome": case.closure_outcome.value if case.closure_outcome else None}
    if with_actions:
        out["actions"] = [{"id": a.id, "service_type": a.service_type.value, "phase": a.phase.value,
                           "status": a.status.value, "planned_start": a.planned_start, "planned_end": a.planned_end,
                           "planned_hours": a.planned_hours, "delivered_hours": a.delivered_hours,
                           "delivered_on": a.delivered_on} for a in case.actions]
    return out


@operation("/cases", "GET", scope=Scope.CASES_READ,
           summary=_l("I casi del nodo, pseudonimizzati"),
           args=schemas.PageArgs, location="query", response=schemas.CasePage)
def case_list(_args):
    return page_of(select(Case).where(Case.tenant_id == g.membership.tenant_id), Case.id, case_dict)


@operation("/cases/<int:case_id>", "GET", scope=Scope.CASES_READ,
           summary=_l("Un caso con le sue azioni, pseudonimizzato (la lettura è registrata)"),
           response=schemas.CaseOut)
def case(case_id):
    item = readable_or_404(Case, case_id, cases.can_view, "Caso non trovato.")
    cases.read_case(item)  # audited as a case page is
    db.session.commit()
    return case_dict(item, with_actions=True)


def order_dict(order: ServiceOrder) -> dict:
    return {"id": order.id, "pseudonym": order.pseudonym, "status": order.status.value, "quantity": order.quantity,
            "contract_id": order.contract_id, "service_type": order.line.service_type.value}


@operation("/orders", "GET", scope=Scope.ORDERS_READ,
           summary=_l("Gli ordini di servizio del soggetto attuatore"),
           args=schemas.PageArgs, location="query", response=schemas.OrderPage)
def order_list(_args):
    query = select(ServiceOrder).where(ServiceOrder.provider_id == g.membership.tenant_id)
    return page_of(query, ServiceOrder.id, order_dict)


@operation("/orders/<int:order_id>/deliveries", "POST", scope=Scope.DELIVERIES_WRITE, idempotent=True,
           summary=_l("Registra una prestazione erogata su un ordine"),
           args=schemas.DeliveryIn, response=schemas.DeliveryRecordOut, status=201)
def delivery_create(data, order_id):
    order = readable_or_404(ServiceOrder, order_id, lambda o: o.provider_id == g.membership.tenant_id,
                           "Ordine non trovato.")
    delivery = contracts.log_delivery(order, delivered_on=data["delivered_on"], units=data["units"],
                                      attended=data["attended"], note=None)
    return {"id": delivery.id, "order_id": order.id, "delivered_on": delivery.delivered_on, "units": delivery.units,
            "amount": delivery.amount, "status": delivery.status.value}


@operation("/open-data", "GET", scope=Scope.OPEN_DATA_READ,
           summary=_l("I dati aperti del nodo: conteggi aggregati del periodo, celle piccole soppresse"),
           args=schemas.OpenDataArgs, location="query", response=schemas.OpenDataOut)
def open_data(args):
    start, end = args["dal"], args["al"]
    if end < start:
        raise Problem(422, "La fine del periodo viene prima dell'inizio.")
    if (end - start).days > MAX_DAYS:
        raise Problem(422, "Scegli un periodo di al massimo dieci anni.")
    if not g.membership.tenant.is_node:
        raise Problem(403, "I dati aperti sono del nodo.")
    cells = [dict(zip(opendata.COLUMNS[2:], row[2:], strict=True)) for row in opendata.export(Filters(start, end))]
    for cell in cells:
        cell["persone"] = None if cell["persone"] == "" else cell["persone"]
        cell["soppresso"] = bool(cell["soppresso"])
    db.session.commit()  # the export's audit record
    return {"periodo_dal": start, "periodo_al": end, "celle": cells,
            "schema": url_for("monitoring.open_data_schema", _external=True)}
