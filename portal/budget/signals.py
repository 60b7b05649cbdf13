"""Signals of the budget domain, for the layers above it (the API's webhooks) to subscribe to."""
from blinker import Namespace

_signals = Namespace()

# sent(order) inside the creating transaction, once the order is flushed
order_created = _signals.signal("service-order-created")
