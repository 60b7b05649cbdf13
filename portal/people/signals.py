"""Signals of the people domain, for the layers above it to subscribe to (people imports none of them).

Receivers run in the sender's transaction: they flush, never commit.

``identity_read`` — sent(person_id) after each audited reveal of a person's identity, in the request;
the alerts' unusual-access check listens (portal/alerts/hooks.py).

``person_anonymising`` — sent(person) by ``gdpr.anonymise`` after the identity is cleared: each domain
clears its own free texts and files about the person and answers the ``table.column`` codes it cleared
(for the audit entry).

``person_exporting`` — sent(person, tenants={id: name}) by ``export.export_person``: each domain answers
``{section name: rows}`` for the art. 15 export; the export lays the sections out in ``SECTIONS`` order
and refuses to run with one missing.

``export_labels`` — sent(None) by ``export.labels``: each domain answers the label tables its sections
are printed through.

``retention_starts`` — sent(persons) by ``gdpr.retention_ends``: the pathway answers
``(starts, active)``, the days the retention period may run from per person id and the ids of persons
with a referral or case still in progress. Retention refuses to decide without an answer.
"""
from blinker import Namespace

_signals = Namespace()
identity_read = _signals.signal("person-identity-read")
person_anonymising = _signals.signal("person-anonymising")
person_exporting = _signals.signal("person-exporting")
export_labels = _signals.signal("person-export-labels")
retention_starts = _signals.signal("person-retention-starts")
