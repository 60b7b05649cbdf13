"""The right of access (GDPR art. 15): everything held about a person, for the DPO under an open access
request — as JSON, and as a readable printable page (``templates/people/export.html``)."""
import enum

from sqlalchemy import select

from ..accounts.permissions import current_membership
from ..audit.services import record
from ..extensions import db
from ..i18n import format_size
from ..tenancy.models import Tenant
from .access_log import access_events, readable
from .models import Person
from .services import Forbidden, is_node_dpo, monitoring_of, open_request_for, reveal_identity
from .signals import export_labels, person_exporting


def iso(value):
    return value.isoformat() if value is not None else None


def code(value):
    """The stored code of an enum member (the export carries codes; the printable page labels them)."""
    return value.value if isinstance(value, enum.Enum) else value


# The sections the domains above add (``person_exporting``), in the order of the document.
SECTIONS = ("referrals", "cases")


def export_person(person: Person, fmt: str = "json") -> dict:
    """Everything held about the person, for the DPO under an open access request; ``fmt`` (json, html)
    only names the audit event. The referrals and cases sections come from their domains
    (``person_exporting``); a section nobody answered is an error, never a silently shorter export."""
    from ..models_base import utcnow
    from .models import RequestKind

    membership = current_membership()
    request = open_request_for(person, kinds=[RequestKind.ACCESS], tenant_id=membership.tenant_id if membership else None)
    if not is_node_dpo(person) or request is None:
        raise Forbidden()
    identity = reveal_identity(person)
    tenants = {t.id: t.name for t in db.session.scalars(select(Tenant))}
    sections: dict[str, list] = {}
    for _receiver, answer in person_exporting.send(person, tenants=tenants):
        sections.update(answer)
    if set(sections) != set(SECTIONS):
        raise RuntimeError(f"art. 15 export: sections {sorted(sections)} answered, {list(SECTIONS)} expected")
    linked = db.session.get(Person, person.linked_person_id) if person.linked_person_id else None
    data = {
        "generated_at": iso(utcnow()),
        "data_subject_request": {"id": request.id, "kind": request.kind.value, "reference": request.reference},
        "person": {
            "pseudonym": person.pseudonym,
            "created_at": iso(person.created_at),
            "identity": identity,
            "monitoring": {field: code(value) for field, value in monitoring_of(person).items()},
            "linked_to": linked.pseudonym if linked is not None else None,
            "legal_hold": bool(person.legal_hold),
            "retain_until": iso(person.retain_until),
            "anonymised_at": iso(person.anonymised_at),
        },
        **{name: sections[name] for name in SECTIONS},
        "accesses": [
            {
                "at": iso(line.at), "first_at": iso(line.first_at), "count": line.count,
                "user": line.user.full_name if line.user else None,
                "organisation": line.tenant.name if line.tenant else None,
                "action": line.action, "description": line.description, "object_type": line.object_type,
                "object_id": line.object_id, "object": line.object_description, "fields": line.field_codes,
                "field_labels": line.fields,
            }
            for line in readable(access_events(person))
        ],
    }
    action = {"json": "person.exported", "html": "person.exported_html", "pdf": "person.exported_pdf"}[fmt]
    record(action, "person", person.id, ["identity", "monitoring", "referrals", "attachments", "cases", "accesses"])
    return data


def labels() -> dict:
    """Label tables the printable export reads its codes through: the people's own, and those each domain
    above answers for its section (``export_labels``)."""
    from flask import current_app

    from . import labels as people_labels

    tables = {}
    for _receiver, answer in export_labels.send(None):
        tables.update(answer)
    return {
        **tables,
        "MONITORING_LABELS": {
            "gender": people_labels.GENDER_LABELS, "age_band": people_labels.AGE_BAND_LABELS,
            "citizenship_group": people_labels.CITIZENSHIP_LABELS, "labour_status": people_labels.LABOUR_LABELS,
            "education_level": people_labels.EDUCATION_LABELS, "disability": people_labels.YES_NO_CODES,
        },
        "FIELD_NAMES": people_labels.MONITORING_FIELD_LABELS, "IDENTITY_LABELS": people_labels.IDENTITY_LABELS,
        "retention_years": current_app.config["RETENTION_YEARS"], "when": when, "filesize": format_size, "hours": hours,
    }


def when(value: str | None, time: bool = True) -> str:
    """An ISO date or timestamp of the export, as dd/mm/yyyy [hh:mm]."""
    from datetime import date, datetime

    from ..i18n import format_day, format_moment

    if not value:
        return ""
    if len(value) == 10:
        return format_day(date.fromisoformat(value))
    moment = datetime.fromisoformat(value)
    return format_moment(moment) if time else format_day(moment)


def hours(value: str | None) -> str:
    from decimal import Decimal

    from ..i18n import format_number

    return format_number(Decimal(value), 2) if value not in (None, "None") else ""
