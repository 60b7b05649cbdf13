"""The node's systems read cases and actions pseudonymised; providers' systems read their orders and log
deliveries. Same services and rules as the pages (cases.services.can_view, budget.contracts.log_delivery)."""
from flask import g, url_for
from sqlalchemy import select

from ..budget import contracts
from ..budget.models import ServiceOrder
from ..cases import services as cases
from ..cases.models import Case
from ..extensions import db
from ..monitoring import opendata
from ..monitoring.filters import Filters
from ..monitoring.forms import MAX_DAYS
from . import schemas
from .models import Scope
from .problems import Problem
from .resources import utc
from .rest import blp, idempotent, page_of, requires_scope


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


@blp.route("/cases", methods=["GET"])
@blp.doc(summary="I casi del nodo, pseudonimizzati")
@requires_scope(Scope.CASES_READ)
@blp.arguments(schemas.PageArgs, location="query")
@blp.response(200, schemas.CasePage)
def case_list(_args):
    return page_of(select(Case).where(Case.tenant_id == g.membership.tenant_id), Case.id, case_dict)


@blp.route("/cases/<int:case_id>", methods=["GET"])
@blp.doc(summary="Un caso con le sue azioni, pseudonimizzato (la lettura è registrata)")
@requires_scope(Scope.CASES_READ)
@blp.response(200, schemas.CaseOut)
def case(case_id):
    item = db.session.get(Case, case_id)
    if item is None or not cases.can_view(item):
        raise Problem(404, "Caso non trovato.")
    cases.read_case(item)  # audited as a case page is
    db.session.commit()
    return case_dict(item, with_actions=True)


def order_dict(order: ServiceOrder) -> dict:
    return {"id": order.id, "pseudonym": order.pseudonym, "status": order.status.value, "quantity": order.quantity,
            "contract_id": order.contract_id, "service_type": order.line.service_type.value}


@blp.route("/orders", methods=["GET"])
@blp.doc(summary="Gli ordini di servizio del soggetto attuatore")
@requires_scope(Scope.ORDERS_READ)
@blp.arguments(schemas.PageArgs, location="query")
@blp.response(200, schemas.OrderPage)
def order_list(_args):
    query = select(ServiceOrder).where(ServiceOrder.provider_id == g.membership.tenant_id)
    return page_of(query, ServiceOrder.id, order_dict)


@blp.route("/orders/<int:order_id>/deliveries", methods=["POST"])
@blp.doc(summary="Registra una prestazione erogata su un ordine")
@requires_scope(Scope.DELIVERIES_WRITE)
@idempotent
@blp.arguments(schemas.DeliveryIn)
@blp.response(201, schemas.DeliveryRecordOut)
def delivery_create(data, order_id):
    order = db.session.get(ServiceOrder, order_id)
    if order is None or order.provider_id != g.membership.tenant_id:
        raise Problem(404, "Ordine non trovato.")
    delivery = contracts.log_delivery(order, delivered_on=data["delivered_on"], units=data["units"],
                                      attended=data["attended"], note=None)
    return {"id": delivery.id, "order_id": order.id, "delivered_on": delivery.delivered_on, "units": delivery.units,
            "amount": delivery.amount, "status": delivery.status.value}


@blp.route("/open-data", methods=["GET"])
@blp.doc(summary="I dati aperti del nodo: conteggi aggregati del periodo, celle piccole soppresse")
@requires_scope(Scope.OPEN_DATA_READ)
@blp.arguments(schemas.OpenDataArgs, location="query")
@blp.response(200, schemas.OpenDataOut)
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
