"""The case diary (diario del caso): the node's internal notes as dated entries, each with its author.

An entry is never overwritten by someone else: only its author corrects it, within
``CASE_DIARY_EDIT_MINUTES`` of writing it, and each earlier wording is kept (DiaryRevision) and shown.
Who reads and writes the diary is who may change the case (the coordinator, the case worker assigned):
the texts are about the person and stay on a need-to-know basis. Audited with field names only.
"""
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..audit.services import record
from ..core.locking import check_version
from ..core.rows import add_form_row, by_submission_key
from ..extensions import db
from ..models_base import utcnow
from .models import Case, DiaryEntry, DiaryRevision
from .services import CaseError, Forbidden, can_edit, ensure_can_edit, is_responsible

MAX_LENGTH = 10000


def can_read(case: Case) -> bool:
    return is_responsible(case)


def entries(case: Case) -> list[DiaryEntry]:
    """The diary, newest first, with each entry's earlier wordings (an audited read of the texts)."""
    if not can_read(case):
        raise Forbidden()
    rows = list(db.session.scalars(
        select(DiaryEntry).where(DiaryEntry.case_id == case.id)
        .options(selectinload(DiaryEntry.revisions))
        .order_by(DiaryEntry.written_at.desc(), DiaryEntry.id.desc())
    ))
    if rows:
        record("case.diary_read", "case", case.id, ["text"])
    return rows


def authors(rows) -> dict[int, str]:
    """Names of the entries' authors, in one query."""
    from ..accounts.models import User

    ids = {e.author_id for e in rows if e.author_id}
    return dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all()) if ids else {}


def _clean(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise CaseError(_("Scrivi il testo della nota."), "text")
    if len(text) > MAX_LENGTH:
        raise CaseError(_("La nota supera i %(n)d caratteri.", n=MAX_LENGTH), "text")
    return text


def entry_by_key(case: Case, submission_key: str | None) -> DiaryEntry | None:
    """The entry a diary form with this key already added to the case (the same form posted again)."""
    return by_submission_key(DiaryEntry, submission_key, case_id=case.id)


def add_entry(case: Case, text: str | None, submission_key: str | None = None) -> DiaryEntry:
    """A new entry; a ``submission_key`` already used (the same form posted twice at once) is refused."""
    ensure_can_edit(case)
    entry = DiaryEntry(case_id=case.id, tenant_id=case.tenant_id, author_id=current_user.id, written_at=utcnow(),
                       submission_key=submission_key or None)
    entry.text = _clean(text)
    add_form_row(entry, CaseError(_("Questa nota era già stata aggiunta al diario.")))
    record("case.diary_added", "case_diary_entry", entry.id, ["text"])
    return entry


def _aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def edit_deadline(entry: DiaryEntry):
    return _aware(entry.written_at) + timedelta(minutes=current_app.config["CASE_DIARY_EDIT_MINUTES"])


def can_correct(entry: DiaryEntry, case: Case, now=None) -> bool:
    """Only the author, still allowed to change the case, within the window after writing."""
    return (
        entry.author_id is not None and entry.author_id == current_user.id and can_edit(case)
        and (now or utcnow()) <= edit_deadline(entry)
    )


def correct_entry(entry: DiaryEntry, text: str | None, expected_version) -> None:
    """Replace the wording, keeping the previous one as a revision."""
    case = db.session.get(Case, entry.case_id)
    if case is None or not can_edit(case) or entry.author_id != current_user.id:
        raise Forbidden()
    check_version(entry, expected_version)
    if not can_correct(entry, case):
        raise CaseError(_("Una nota si può correggere solo entro %(minutes)d minuti da quando è stata scritta.",
                          minutes=current_app.config["CASE_DIARY_EDIT_MINUTES"]), "text")
    text = _clean(text)
    if text == entry.text:
        return
    previous = DiaryRevision(entry_id=entry.id, tenant_id=entry.tenant_id,
                             written_at=entry.edited_at or entry.written_at, replaced_at=utcnow())
    previous.text = entry.text
    entry.revisions.append(previous)
    entry.text = text
    entry.edited_at = previous.replaced_at
    db.session.flush()
    record("case.diary_corrected", "case_diary_entry", entry.id, ["text"])


def clear_texts(case_ids) -> list[str]:
    """Anonymisation: blank every entry's text and every earlier wording (rows kept: who wrote when).
    Returns the cleared field names."""
    ids = list(case_ids)
    if not ids:
        return []
    cleared = []
    for entry in db.session.scalars(select(DiaryEntry).where(DiaryEntry.case_id.in_(ids))):
        if entry.text_enc is not None:
            entry.text_enc = None
            cleared.append("case_diary_entry.text")
        for revision in entry.revisions:
            if revision.text_enc is not None:
                revision.text_enc = None
                cleared.append("case_diary_revision.text")
    return cleared


def export(case: Case) -> list[dict]:
    """The diary of one case for the data subject's access export (DPO, under an open request)."""
    rows = db.session.scalars(select(DiaryEntry).where(DiaryEntry.case_id == case.id).order_by(DiaryEntry.written_at, DiaryEntry.id))
    return [
        {"written_at": e.written_at.isoformat(), "edited_at": e.edited_at.isoformat() if e.edited_at else None,
         "text": e.text, "earlier_versions": [r.text for r in e.revisions]}
        for e in rows
    ]
