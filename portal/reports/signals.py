"""Signals of the public reports, for the layers above: the alerts raise a security alert on a burst, the
API's webhooks tell the node's systems (``report.received``)."""
from blinker import Namespace

_signals = Namespace()

# sent(report) acting as the competent node, after the new report and its files are flushed
submitted = _signals.signal("public-report-submitted")
