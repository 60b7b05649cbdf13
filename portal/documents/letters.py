"""Letters from the node's templates, rendered as PDF and stored on the case as a document.

Placeholders are filled with ``string.Template`` (braces syntax below), not Jinja, even sandboxed: a
template is data the coordinator types, and it only needs to drop a few strings into text. string.Template
cannot reach attributes, call anything or loop, so there is nothing to escape from and no object graph
(the case, the person) is ever handed to it; we pass plain strings only. Unknown names are refused on save.
"""
import io
import re
import string
from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from ..accounts.models import User
from ..audit.services import record
from ..cases import documents as case_documents
from ..cases.services import CaseError, Forbidden
from ..core.errors import ServiceError
from ..core.locking import check_version
from ..core.pdf import Document
from ..extensions import db
from ..i18n import format_day, local_today
from ..people.models import Person
from ..people.services import can_see_identity, record_identity_read
from ..tenancy.context import current
from ..tenancy.models import Tenant
from .defaults import DEFAULTS, LANGUAGES
from .letterhead import Sender, letterhead, place_and_date, sender, signature
from .models import LetterKind, LetterTemplate

PLACEHOLDERS = ("addressee", "pseudonym", "date", "node", "case_worker", "antenna", "reason", "appointment")
FILE_STEMS = {LetterKind.ACCEPTANCE: "accettazione", LetterKind.DECLINE: "diniego", LetterKind.SUMMONS: "convocazione",
              LetterKind.CLOSURE: "chiusura"}


class Placeholders(string.Template):
    """``{name}`` placeholders; ``{{`` is a literal brace."""

    delimiter = "{"
    pattern = r"""\{(?:(?P<escaped>\{)|(?P<named>[a-z_]+)\}|(?P<braced>(?!))|(?P<invalid>))"""
    flags = re.ASCII


class TemplateError(ServiceError):
    """A template refused, on the field it is about."""


def check_text(text: str, field: str) -> None:
    """A template the coordinator saves: only known placeholders, no stray brace."""
    template = Placeholders(text)
    if not template.is_valid():
        raise TemplateError(_("Una parentesi graffa non chiude un segnaposto: per scrivere { usa {{."), field)
    unknown = sorted(set(template.get_identifiers()) - set(PLACEHOLDERS))
    if unknown:
        raise TemplateError(_("Segnaposto sconosciuti: %(names)s.", names=", ".join("{" + n + "}" for n in unknown)), field)


def fill(text: str, values: dict[str, str]) -> str:
    return Placeholders(text).safe_substitute(values)


# --- templates --------------------------------------------------------------------------------------

def template_row(kind: LetterKind, language: str) -> LetterTemplate | None:
    return db.session.scalar(select(LetterTemplate).where(
        LetterTemplate.tenant_id == current().tenant_id, LetterTemplate.kind == kind, LetterTemplate.language == language))


def template_text(kind: LetterKind, language: str) -> tuple[str, str, int]:
    """(subject, body, version): the node's row, or the default (version 0: not saved yet)."""
    row = template_row(kind, language)
    if row is not None:
        return row.subject, row.body, row.version
    subject, body = DEFAULTS[(kind, language)]
    return subject, body, 0


def save_template(kind: LetterKind, language: str, subject: str, body: str, version) -> LetterTemplate:
    if language not in LANGUAGES:
        raise TemplateError(_("Lingua non prevista."), "language")
    check_text(subject, "subject")
    check_text(body, "body")
    row = template_row(kind, language)
    if row is None:  # the first save of this kind and language (a concurrent first save hits the unique key)
        row = LetterTemplate(tenant_id=current().tenant_id, kind=kind, language=language, subject=subject, body=body,
                             updated_by_id=current_user.id)
        db.session.add(row)
    else:
        check_version(row, version)
        row.subject, row.body, row.updated_by_id = subject, body, current_user.id
    db.session.flush()
    record("letter_template.saved", "letter_template", row.id, ["kind", "language", "subject", "body"])
    return row


# --- letters ----------------------------------------------------------------------------------------

def may_address_by_name(case) -> bool:
    person = db.session.get(Person, case.person_id)
    return person is not None and can_see_identity(person)


def _addressee(case, by_name: bool) -> str:
    if not by_name:
        return case.pseudonym
    person = db.session.get(Person, case.person_id)
    if person is None or not can_see_identity(person):
        raise Forbidden()
    record_identity_read(person.id, ["first_name", "last_name"])  # the name goes on paper: a read of identity
    return f"{person.first_name} {person.last_name}"


def render_letter(who: Sender, subject: str, body: str, values: dict[str, str], on: date,
                  case_worker: str | None, language: str) -> bytes:
    with force_locale(language):
        doc = Document(fill(subject, values), lang=language)
        letterhead(doc, who.name, who.address, who.contacts)
        doc.text(place_and_date(who.place, on))
        doc.gap()
        doc.heading(_("Oggetto") + ": " + fill(subject, values), 11)
        for block in re.split(r"\n\s*\n", fill(body, values).strip()):
            lines = block.splitlines()
            if len(lines) == 1 and lines[0].startswith("# "):
                doc.heading(lines[0][2:], 11)
                continue
            for line in lines:
                doc.text("• " + line[2:] if line.startswith("- ") else line)
            doc.gap(3)
        signature(doc, case_worker, on, who.place)
        return doc.bytes()


def generate(case, kind: LetterKind, language: str, *, by_name: bool = False, reason: str = "",
             appointment: str = ""):
    """Render the letter and store it on the case (the case documents' path: checked, stored, audited)."""
    if not case_documents.may_upload(case):
        raise Forbidden()
    if language not in LANGUAGES:
        raise CaseError(_("Lingua non prevista."), "language")
    if kind == LetterKind.DECLINE and not reason.strip():
        raise CaseError(_("Indica il motivo del diniego."), "reason")
    if kind == LetterKind.SUMMONS and not appointment.strip():
        raise CaseError(_("Indica data, ora e luogo del colloquio."), "appointment")
    subject, body, _version = template_text(kind, language)
    who = sender(case.tenant_id)
    antenna = db.session.get(Tenant, case.antenna_id)
    worker = db.session.get(User, case.case_worker_id) if case.case_worker_id else None
    today = local_today()
    values = {
        "addressee": _addressee(case, by_name), "pseudonym": case.pseudonym, "date": format_day(today),
        "node": who.name, "case_worker": worker.full_name if worker else "",
        "antenna": antenna.name if antenna else "", "reason": reason.strip(), "appointment": appointment.strip(),
    }
    content = render_letter(who, subject, body, values, today, values["case_worker"], language)
    upload = FileStorage(io.BytesIO(content), filename=f"lettera-{FILE_STEMS[kind]}-{case.pseudonym}.pdf")
    document = case_documents.add_case_document(case, upload)
    document.names_person = by_name
    db.session.flush()
    record("case.letter_generated", "case", case.id, ["kind", "language"] + (["addressee"] if by_name else []))
    return document
