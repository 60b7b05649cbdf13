"""Who reads a case transfer, what they read, and when its copy of the person goes (transfers.py is the
workflow: propose, withdraw, accept, decline).

The row is the sender's (``tenant_id``) and the receiver's (``peer_id``) only. The sender's coordinator reads
it always: the proposal is part of its case's history. The receiver's coordinator reads it while the proposal
waits for its answer, and once it accepted (the person is then its own too); a declined or withdrawn
proposal is none of its business any more, and its copy of the identity and of the free texts is cleared
(:func:`clear_copy`): the sender keeps its own person and case.

Each read is audited. A read by the receiver is also a read of the sender's person, whose access log and
art. 15 export read the sender's chain: it is recorded in both chains, taking both heads first in the one
order every two-chain operation uses (``audit.chain.hold_chains``).
"""
import json
from datetime import date, datetime

from sqlalchemy import or_, select

from ..accounts.models import Role
from ..accounts.permissions import current_membership
from ..audit.chain import hold_chains
from ..audit.services import record
from ..core.errors import Forbidden
from ..extensions import db
from ..people.gdpr import clear_columns
from ..people.services import IDENTITY_FIELDS
from ..tenancy.context import acting_as, current
from ..tenancy.models import Tenant
from .models import Case, CaseTransfer, TransferState

# While the receiving node may read the transfer's copy of the person.
PEER_READS = (TransferState.PENDING, TransferState.ACCEPTED)


# --- who ---------------------------------------------------------------------------------------------

def coordinator_of(tenant_id: int, membership=None) -> bool:
    membership = membership or current_membership()
    return (membership is not None and membership.role == Role.COORDINATOR and membership.tenant_id == tenant_id
            and membership.tenant.is_node)


def is_coordinator(membership=None) -> bool:
    membership = membership or current_membership()
    return membership is not None and coordinator_of(membership.tenant_id, membership)


def is_party(transfer: CaseTransfer, membership=None) -> bool:
    """May read the transfer: the sender's coordinator always, the receiver's while pending or accepted."""
    return coordinator_of(transfer.tenant_id, membership) or (
        transfer.state in PEER_READS and coordinator_of(transfer.peer_id, membership))


# --- reading -----------------------------------------------------------------------------------------

def get(transfer_id) -> CaseTransfer | None:
    from ..tenancy.scoping import get_visible

    return get_visible(CaseTransfer, transfer_id)


def of_case(case: Case) -> CaseTransfer | None:
    """The sender's pending or accepted transfer of this case, or the one that brought it here."""
    return db.session.scalars(select(CaseTransfer).where(
        or_(CaseTransfer.case_id == case.id, CaseTransfer.new_case_id == case.id),
        CaseTransfer.state.in_([TransferState.PENDING, TransferState.ACCEPTED]),
    ).order_by(CaseTransfer.id.desc()).limit(1)).first()


def listing() -> dict[str, list[CaseTransfer]]:
    """The current node's transfers: waiting for it, and the rest (sent or received), newest first."""
    tid = current().tenant_id
    rows = list(db.session.scalars(select(CaseTransfer).order_by(CaseTransfer.proposed_at.desc(), CaseTransfer.id.desc())))
    incoming = [t for t in rows if t.peer_id == tid and t.state == TransferState.PENDING]
    return {"incoming": incoming, "others": [t for t in rows if t not in incoming]}


def _record_read(transfer: CaseTransfer, action: str, fields) -> None:
    """In the reader's chain; a read by the receiving node in the sender's too (see the module's doc)."""
    if transfer.peer_id != current().tenant_id:
        record(action, "case_transfer", transfer.id, fields)
        return
    hold_chains(transfer.tenant_id, transfer.peer_id)
    record(action, "case_transfer", transfer.id, fields)
    with acting_as(transfer.tenant_id):
        record(action, "case_transfer", transfer.id, fields)


def snapshot(transfer: CaseTransfer) -> dict:
    """Summary, pathway and chosen notes, for the two coordinators (an audited read)."""
    if not is_party(transfer):
        raise Forbidden()
    _record_read(transfer, "case_transfer.read", ["snapshot"])
    content = json.loads(transfer.snapshot_json or "{}")
    # Dates back from their ISO text, for the pages' own date filters.
    content["summary"]["opened_at"] = datetime.fromisoformat(content["summary"]["opened_at"])
    for row in content["pathway"]["actions"] + content["pathway"]["verifications"]:
        for f in ("planned_start", "planned_end", "delivered_on", "due_date", "done_on", "start_date"):
            if row.get(f):
                row[f] = date.fromisoformat(row[f])
    for note in content["notes"]:
        note["written_at"] = datetime.fromisoformat(note["written_at"])
    return content


def reveal_identity(transfer: CaseTransfer) -> dict:
    """The identity carried by a transfer, for the two coordinators (who see identity at their node),
    audited like every reveal of identity."""
    if not is_party(transfer) or transfer.identity_enc is None:
        raise Forbidden()
    from ..people.signals import identity_read

    _record_read(transfer, "case_transfer.identity_read", IDENTITY_FIELDS)
    identity_read.send(None)  # counts towards the unusual-access check like any other reveal
    return json.loads(transfer.identity_json)


def tenant_names(*transfers: CaseTransfer) -> dict[int, str]:
    ids = {t.tenant_id for t in transfers} | {t.peer_id for t in transfers}
    return dict(db.session.execute(select(Tenant.id, Tenant.name).where(Tenant.id.in_(ids))).all()) if ids else {}


# --- clearing the copy -------------------------------------------------------------------------------

# What anonymisation clears on a transfer: the identity and the free texts it copied (columns, and the
# snapshot's keys), as on the case itself; the codes, dates and hours stay for the history and statistics.
TRANSFER_TEXTS = ("identity_enc", "reason_enc", "decline_reason_enc")
SUMMARY_TEXTS = ("situation", "needs", "availability")
ACTION_TEXTS = ("outcome",)  # an action's internal notes never go in a snapshot


def of_cases(case_ids):
    """The transfers of these cases: sent from one (the sender's person) or that opened one (the receiver's)."""
    return select(CaseTransfer).where(or_(CaseTransfer.case_id.in_(case_ids), CaseTransfer.new_case_id.in_(case_ids)))


def clear_texts(case_ids) -> list[str]:
    """Anonymisation of the person of these cases: each transfer of theirs loses its copy of the identity and
    of the free texts, at either node. The row is both nodes' copy, and the other node keeps its own person,
    referral and case, so erasing it at one node takes nothing the other node answers for."""
    cleared = []
    for transfer in db.session.scalars(of_cases(case_ids).order_by(CaseTransfer.id)):
        cleared += clear_columns([transfer], TRANSFER_TEXTS, "case_transfer")
        cleared += _clear_snapshot(transfer)
    return cleared


def clear_copy(transfer: CaseTransfer) -> list[str]:
    """A proposal declined or withdrawn: the identity and the snapshot's texts go (the sender has them in its
    own rows, the receiver reads them no more). The reasons stay: the two nodes' words on the proposal, which
    only the sender reads now. Audited in the current chain: the caller acts as the sender, whose person it is."""
    cleared = clear_columns([transfer], ("identity_enc",), "case_transfer") + _clear_snapshot(transfer)
    if cleared:
        db.session.flush()
        record("case_transfer.copy_cleared", "case_transfer", transfer.id, cleared)
    return cleared


def _clear_snapshot(transfer: CaseTransfer) -> list[str]:
    if transfer.snapshot_enc is None:
        return []
    before = json.loads(transfer.snapshot_json or "{}")
    after = _without_texts(json.loads(transfer.snapshot_json or "{}"))
    if after == before:
        return []
    transfer.snapshot_json = json.dumps(after)
    return ["case_transfer.snapshot"]


def _without_texts(content: dict) -> dict:
    """The snapshot with what may identify the person left out: the summary's texts, the actions' outcomes, the
    diary notes and the files' names (the files themselves go with the case's anonymisation)."""
    summary = content.get("summary") or {}
    for key in SUMMARY_TEXTS:
        if key in summary:
            summary[key] = None
    for action in (content.get("pathway") or {}).get("actions", []):
        for key in ACTION_TEXTS:
            if key in action:
                action[key] = None
    if content.get("notes"):
        content["notes"] = []
    if content.get("files"):
        content["files"] = []
    return content
