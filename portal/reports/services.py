"""Public reports: submission through the public door, the reporter's thread, the node's triage.

Anonymous requests carry no tenant: each public step acts as the competent node for that one report
(``acting_as``), and records its audit event without the reporter's address (``keep_ip=False``).
Node steps need a node's coordinator or case worker (``Capability.DECIDE_REFERRALS``); an antenna never
sees a report (TenantOwned by the node, RLS).
"""
import secrets

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.permissions import Capability, can_in_node
from ..accounts.visitor import as_visitor
from ..audit.services import record
from ..core import links
from ..core.errors import Forbidden, ServiceError  # noqa: F401  (Forbidden re-exported: <domain>.Forbidden)
from ..core.locking import check_version
from ..extensions import db
from ..i18n import format_day, format_moment, local_day, local_today
from ..i18n import lazy_gettext as _l
from ..mail import send_mail
from ..models_base import utcnow
from ..tenancy.context import current
from ..tenancy.models import Tenant
from . import files as report_files
from . import receipt, routing, signals
from .models import (
    REPORTER_LABELS,
    MessageAuthor,
    PublicReport,
    PublicReportFile,
    PublicReportKey,
    PublicReportMessage,
    ReporterKind,
    ReportState,
)


class ReportError(ServiceError):
    """A refused step, with a message fit for the person."""


OPEN_STATES = (ReportState.NEW, ReportState.INFO_REQUESTED, ReportState.ANSWERED)


# --- the public door ----------------------------------------------------------------------------------

def submit(data: dict, uploads: list, language: str) -> tuple[PublicReport, str]:
    """Store a report for the competent node; return it with its receipt code (shown once, never stored)."""
    if len(uploads) > report_files.MAX_FILES:
        raise ReportError(_("Puoi allegare al massimo %(n)s file.", n=report_files.MAX_FILES), "files")
    checked = [report_files.check(u, "files", named=True) for u in uploads]  # before writing anything
    node, by_default = routing.competent_node(data.get("municipality_code"))
    if node is None:
        raise ReportError(_("Il servizio non è al momento disponibile. Riprova più tardi."))
    code = receipt.new_code()
    with as_visitor(node.id):  # a browser signed in to Rete reports as anyone: no actor in the audit
        report = PublicReport(
            tenant_id=node.id, code_hash=receipt.hash_code(code), reporter_kind=data["reporter_kind"],
            municipality_code=data.get("municipality_code") or None, context=data["context"],
            occurred_on=data.get("occurred_on"), grounds=list(data.get("grounds") or []),
            wants_contact=bool(data.get("wants_contact")), consent_notice_version=data["consent_notice_version"],
            language=language, routed_by_default=by_default, state=ReportState.NEW, submitted_at=utcnow(),
        )
        report.what = data["what"].strip()
        if data.get("wants_contact"):
            report.name = (data.get("name") or "").strip() or None
            report.contact = (data.get("contact") or "").strip() or None
        report.notify_email = (data.get("notify_email") or "").strip() or None
        db.session.add(report)
        db.session.flush()
        db.session.add(PublicReportKey(lookup=receipt.lookup(code), node_id=node.id, report_id=report.id))
        for item in checked:
            report_files.save(report, item, MessageAuthor.REPORTER)
        db.session.flush()
        fields = ["what", "context", "grounds"] + [f for f in ("name", "contact", "notify_email") if getattr(report, f)]
        record("public_report.submitted", "public_report", report.id, fields + (["files"] if checked else []), keep_ip=False)
        signals.submitted.send(report)
        _notify_node(node, report)
    return report, code


def open_with_code(typed: str | None) -> tuple[int, int] | None:
    """(node id, report id) the code opens, or None. Always one argon2 verification, found or not."""
    code = receipt.normalise(typed)
    key = db.session.get(PublicReportKey, receipt.lookup(code)) if code else None
    if key is None:
        receipt.verify(None, code or "")
        return None
    with as_visitor(key.node_id):
        report = db.session.get(PublicReport, key.report_id)
        if report is None or not receipt.verify(report.code_hash, code):
            return None
        record("public_report.opened_by_reporter", "public_report", report.id, [], keep_ip=False)
    return key.node_id, key.report_id


def reporter_view(report: PublicReport) -> dict:
    """What the reporter sees: state, reason, the thread with files (call acting as the report's node)."""
    return {"report": report, "messages": list(report.messages),
            "files": [f for f in report.files if f.message_id is None]}


def reporter_reply(report: PublicReport, body: str, upload=None) -> PublicReportMessage:
    if report.state not in OPEN_STATES:
        raise ReportError(_("La segnalazione è chiusa: non si possono più inviare messaggi."))
    checked = report_files.check(upload, "file") if upload is not None else None
    message = _add_message(report, MessageAuthor.REPORTER, body, checked)
    if report.state == ReportState.INFO_REQUESTED:
        report.state = ReportState.ANSWERED
    db.session.flush()
    record("public_report.reporter_message", "public_report", report.id, ["body"] + (["file"] if checked else []),
           keep_ip=False)
    node = db.session.get(Tenant, report.tenant_id)
    if node.email:  # lazy text: the node's mailbox reads the portal's language, not the reporter's (send_mail)
        send_mail(node.email, _l("Rete – nuovo messaggio su una segnalazione pubblica"),
                  _l("Chi ha inviato la segnalazione pubblica n. %(id)s ha scritto un messaggio.\nLeggilo in Rete: "
                     "%(link)s\n", id=report.id, link=_node_link(report)), tenant_id=report.tenant_id)
    return message


def _add_message(report, author, body, checked) -> PublicReportMessage:
    message = PublicReportMessage(report_id=report.id, tenant_id=report.tenant_id, author=author,
                                  author_user_id=current_user.id if author == MessageAuthor.NODE else None, at=utcnow())
    message.body = body.strip()
    db.session.add(message)
    db.session.flush()
    if checked:
        report_files.save(report, checked, author, message.id)
    return message


def _absolute(endpoint: str, **values) -> str:
    return links.absolute_url_for(endpoint, **values)


def _node_link(report: PublicReport) -> str:
    return _absolute("reports_node.detail", report_id=report.id)


def _notify_node(node: Tenant, report: PublicReport) -> None:
    """The node's address gets a number and a link: never the content; in the node's language (the reporter's
    request speaks theirs)."""
    if node.email:
        send_mail(node.email, _l("Rete – nuova segnalazione pubblica"),
                  _l("È arrivata la segnalazione pubblica n. %(id)s.\nLeggila in Rete: %(link)s\n",
                     id=report.id, link=_node_link(report)), tenant_id=node.id)


def _notify_reporter(report: PublicReport) -> None:
    """Only that there is something new: no content, no number, in the reporter's language."""
    address = report.notify_email
    if not address:
        return
    with force_locale(report.language):
        send_mail(address, _("C'è un nuovo messaggio"),
                  _("C'è un nuovo messaggio sulla tua segnalazione alla rete contro le discriminazioni.\n"
                    "Per leggerlo apri %(link)s e inserisci il tuo codice ricevuta.\n",
                    link=_absolute("reports_public.follow")), tenant_id=report.tenant_id, private=True)


# --- the node -----------------------------------------------------------------------------------------

def may_triage(membership=None) -> bool:
    return can_in_node(Capability.DECIDE_REFERRALS, membership)


def require_triage() -> None:
    if not may_triage():
        raise Forbidden()


def listing(state: str | None = None) -> list[PublicReport]:
    require_triage()
    query = select(PublicReport).order_by(PublicReport.submitted_at.desc(), PublicReport.id.desc())
    if state == "open":
        query = query.where(PublicReport.state.in_(OPEN_STATES))
    elif state:
        query = query.where(PublicReport.state == state)
    return list(db.session.scalars(query.limit(200)))


def get(report_id: int) -> PublicReport | None:
    require_triage()
    return db.session.get(PublicReport, report_id)


def read(report: PublicReport) -> dict:
    """The encrypted texts and identity, audited as a read (field names only)."""
    require_triage()
    fields = ["what"] + [f for f in ("name", "contact") if getattr(report, f + "_enc")]
    record("public_report.read", "public_report", report.id, fields)
    return {"what": report.what, "name": report.name, "contact": report.contact}


def ask(report: PublicReport, body: str, upload, expected_version) -> PublicReportMessage:
    """A message to the reporter (a question, or news); the report waits for their answer."""
    require_triage()
    check_version(report, expected_version)
    if report.state not in OPEN_STATES:
        raise ReportError(_("La segnalazione è chiusa."))
    checked = report_files.check(upload, "file") if upload is not None else None
    message = _add_message(report, MessageAuthor.NODE, body, checked)
    report.state = ReportState.INFO_REQUESTED
    # Every message changes the report, waiting already or not: its version moves, so the same page sent
    # again is a conflict, not a second message and a second mail to the reporter.
    report.updated_at = utcnow()
    db.session.flush()
    record("public_report.node_message", "public_report", report.id, ["body", "state"] + (["file"] if checked else []))
    _notify_reporter(report)
    return message


def close(report: PublicReport, reason, message: str | None, expected_version) -> None:
    require_triage()
    check_version(report, expected_version)
    if report.state not in OPEN_STATES:
        raise ReportError(_("La segnalazione è già chiusa."))
    if (message or "").strip():
        _add_message(report, MessageAuthor.NODE, message, None)
    report.state, report.close_reason, report.closed_at = ReportState.CLOSED, reason, utcnow()
    db.session.flush()
    record("public_report.closed", "public_report", report.id, ["state", "close_reason"] + (["message"] if message else []))
    _notify_reporter(report)


def _split_name(name: str | None) -> tuple[str | None, str | None]:
    """'Mario Rossi' -> ('Mario', 'Rossi'); a single word is taken as the surname."""
    parts = (name or "").split()
    if not parts:
        return None, None
    if len(parts) == 1:
        return None, parts[0]
    return " ".join(parts[:-1]), parts[-1]


def convert(report: PublicReport, expected_version):
    """A person and a referral owned by the node (sent at once, so the node decides it as any other).

    The person's identity and consent only from a reporter who is the person discriminated against: a
    witness's or an organisation's name is theirs, not the person's (it goes into the referral's text, as
    the reporter's). The referral's text is all the node learnt from the report (``_referral_text``)."""
    require_triage()
    # Under the row's lock: two staff converting at once, the second finds it converted (a refusal, not the
    # duplicate referral key's 500).
    db.session.refresh(report, with_for_update=True)
    check_version(report, expected_version)
    if report.state not in OPEN_STATES:
        raise ReportError(_("La segnalazione è chiusa o già convertita."))
    from ..people.services import create_person
    from ..referrals.models import Context, Referral, ReferralState
    from ..referrals.services import add_first_event

    node_id = current().tenant_id
    victim = report.reporter_kind == ReporterKind.VICTIM
    first, last = _split_name(report.name) if victim else (None, None)
    person = create_person(node_id=node_id, first_name=first, last_name=last,
                           contact=report.contact if victim else None)
    now = utcnow()
    person.shared_at = now
    referral = Referral(
        uid=secrets.token_hex(16), person_id=person.id, node_id=node_id, tenant_id=node_id,
        created_by_id=current_user.id, state=ReferralState.SUBMITTED, grounds=list(report.grounds or []),
        context=Context(report.context),
        # Someone else's consent is not the person's: the node records a legal basis before taking in charge.
        consent_notice_version=report.consent_notice_version if victim else None,
        consent_date=(local_day(report.submitted_at) if report.submitted_at else local_today()) if victim else None,
        submission_key=f"public-report-{report.uid}", submitted_at=now,
    )
    referral.situation = _referral_text(report, victim)
    db.session.add(referral)
    db.session.flush()
    add_first_event(referral, now, _("Da una segnalazione pubblica"))
    report.state, report.referral_id, report.closed_at = ReportState.CONVERTED, referral.id, now
    db.session.flush()
    record("referral.created", "referral", referral.id, ["grounds", "context", "situation", "consent_notice_version"])
    _copy_files(report, referral)
    record("public_report.converted", "public_report", report.id, ["state", "referral_id"])
    _notify_reporter(report)
    return referral


def _referral_text(report: PublicReport, victim: bool) -> str:
    """The report's first text, then its facts, who wrote (named where it is not the person), and the thread
    with the node's questions and the answers: the retention job erases the report a year after its
    conversion, and the referral is where the node keeps working. In Italian, the node's language."""
    from ..directory import municipalities

    with force_locale("it"):
        facts = [_("Chi scrive: %(kind)s", kind=REPORTER_LABELS[report.reporter_kind])]
        if not victim and report.name:
            facts.append(_("Nome di chi scrive: %(name)s", name=report.name))
        if not victim and report.contact:
            facts.append(_("Recapito di chi scrive: %(contact)s", contact=report.contact))
        if report.occurred_on:
            facts.append(_("Data dei fatti: %(day)s", day=format_day(report.occurred_on)))
        if report.municipality_code:
            facts.append(_("Comune: %(name)s", name=municipalities.name_of(report.municipality_code)))
        parts = [report.what or "", "\n".join(facts)]
        messages = db.session.scalars(select(PublicReportMessage).where(PublicReportMessage.report_id == report.id)
                                      .order_by(PublicReportMessage.at, PublicReportMessage.id))
        for message in messages:
            author = _("Il nodo") if message.author == MessageAuthor.NODE else _("Chi scrive")
            parts.append(f"{format_moment(message.at)} – {author}:\n{message.body or ''}")
    return "\n\n".join(part for part in parts if part)


def _copy_files(report: PublicReport, referral) -> None:
    """The report's files (the reporter's and the node's) become the referral's attachments: copies checked by
    content again (referrals.attachments.copy_in, each audited), so the node finds them on the referral and
    the report's retention never takes them away from it. A file whose bytes are gone is left out."""
    from ..referrals.attachments import copy_in

    items = db.session.scalars(select(PublicReportFile).where(PublicReportFile.report_id == report.id)
                               .order_by(PublicReportFile.id))
    for item in items:
        content = report_files.read(item)
        if content is not None:
            copy_in(referral, item.filename, content)
            record("public_report.file_copied", "public_report_file", item.id, ["content"])


def file_for_node(file_id: int):
    require_triage()
    from .models import PublicReportFile

    item = db.session.get(PublicReportFile, file_id)
    if item is not None:
        record("public_report.file_read", "public_report_file", item.id, ["content"])
    return item


