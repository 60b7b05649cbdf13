"""Domain signals → webhook deliveries. Signals (not the e-mail kinds) because every door — page, API,
job — sends them from the service itself, inside the transaction, whether or not anyone gets an e-mail."""

from ..budget.signals import order_created
from ..core import links
from ..referrals.signals import state_changed
from ..reports.signals import submitted as report_submitted
from .models import EventKind
from .webhooks import enqueue


def _link(endpoint: str, **values) -> str:
    return links.absolute_url_for(endpoint, **values)


@state_changed.connect
def _referral_moved(referral, transition: str, **_kw):
    payload = {"referral_id": referral.id, "pseudonym": referral.person.pseudonym, "transition": transition,
               "state": referral.state.value,
               "outcome_code": referral.outcome_code.value if referral.outcome_code else None,
               "links": {"api": _link("api.referral", referral_id=referral.id),
                         "html": _link("referrals.detail", referral_id=referral.id)}}
    enqueue(referral.tenant_id, EventKind.REFERRAL_STATE_CHANGED, payload)
    if referral.submitted_at is not None:  # the node sees it too once sent
        enqueue(referral.node_id, EventKind.REFERRAL_STATE_CHANGED, {**payload, "links": {
            "html": payload["links"]["html"]}})


@order_created.connect
def _order_created(order, **_kw):
    payload = {"order_id": order.id, "pseudonym": order.pseudonym, "status": order.status.value,
               "links": {"html": _link("budget.order", order_id=order.id)}}
    enqueue(order.tenant_id, EventKind.ORDER_CREATED, payload)
    if order.provider_id is not None:
        enqueue(order.provider_id, EventKind.ORDER_CREATED, payload)


@report_submitted.connect
def _report_received(report, **_kw):
    """Codes and a link for the node's system: never the text, the reporter or the receipt."""
    payload = {"report_id": report.id, "context": report.context, "grounds": list(report.grounds or []),
               "municipality_code": report.municipality_code, "reporter_kind": str(report.reporter_kind),
               "links": {"html": _link("reports_node.detail", report_id=report.id)}}
    enqueue(report.tenant_id, EventKind.REPORT_RECEIVED, payload)
