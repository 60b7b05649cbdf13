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
``(starts, active, unsent)``, the days the retention period may run from per person id, the ids of persons
with a referral or case still in progress, and per person id the referrals never sent (``gdpr.UnsentDraft``:
a draft and the day it was last worked on, or one withdrawn before sending). Retention refuses to decide
without an answer.

``person_objects`` — sent(person) by ``access_log.related_objects``: each domain answers the
``(object_type, object_id)`` of its rows about the person, whose audit events the access log shows.

``identity_needed`` — sent(person, membership=m) by ``services.can_see_identity`` for the roles whose
need-to-know lives above people (the assigned case worker, a provider holding a grant): a receiver answers
True when its domain grants it. Nobody answering is a refusal.

``pair_summary`` — sent(person) by ``duplicates.pair_summary``: each domain answers ``{key: rows}`` the
coordinator compares a suspected duplicate pair by (the referrals).
"""
from blinker import Namespace

_signals = Namespace()
identity_read = _signals.signal("person-identity-read")
person_anonymising = _signals.signal("person-anonymising")
person_exporting = _signals.signal("person-exporting")
export_labels = _signals.signal("person-export-labels")
retention_starts = _signals.signal("person-retention-starts")
person_objects = _signals.signal("person-objects")
identity_needed = _signals.signal("person-identity-needed")
pair_summary = _signals.signal("person-pair-summary")
