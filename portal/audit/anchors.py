"""Signed exports of the audit chain heads, kept outside the database.

``verify_chains`` catches an event altered or removed; it cannot catch the database owner rewriting a whole
chain and recomputing every hash from the change onwards. A head exported earlier can: the event at that
sequence number must still carry that hash, for ever. The export is signed with an HMAC key the database
owner does not hold (``AUDIT_HEADS_KEY``), so a forged export fails too. Export daily from cron
(``flask rete audit-export-heads``) and keep the files off the database host.
"""
import hashlib
import hmac
import json
from datetime import UTC, datetime

from sqlalchemy import select

from ..extensions import db
from .models import AuditChainHead, AuditEvent

FORMAT = "rete-audit-heads/1"
SIGNATURE = "hmac_sha256"


def _sign(body: dict, key: str) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key.encode(), canonical, hashlib.sha256).hexdigest()


def export_heads(key: str) -> dict:
    """Every chain's last sequence number and hash, now, signed. Call acting as the system (unscoped)."""
    heads = {head.chain_key: {"seq": head.seq, "hash": head.last_hash}
             for head in db.session.scalars(select(AuditChainHead)) if head.seq > 0}
    body = {"format": FORMAT, "exported_at": datetime.now(UTC).isoformat(timespec="seconds"), "heads": heads}
    return {**body, SIGNATURE: _sign(body, key)}


def check_export(document: dict, key: str) -> list[str]:
    """The problems between one export and the database (empty: every exported head is still there)."""
    body = {name: value for name, value in document.items() if name != SIGNATURE}
    if body.get("format") != FORMAT or not isinstance(body.get("heads"), dict):
        return ["not an export of the audit chain heads"]
    if not hmac.compare_digest(str(document.get(SIGNATURE, "")), _sign(body, key)):
        return ["signature invalid: the export was altered or signed with another key"]
    problems = []
    when = body["exported_at"]
    for chain_key, head in sorted(body["heads"].items()):
        stored = db.session.scalar(
            select(AuditEvent.hash).where(AuditEvent.chain_key == chain_key, AuditEvent.seq == head["seq"])
        )
        if stored is None:
            problems.append(f"{chain_key}: event seq {head['seq']}, head on {when}, is missing")
        elif stored != head["hash"]:
            problems.append(f"{chain_key}: event seq {head['seq']} differs from the head exported on {when} "
                            "(chain rewritten)")
    return problems
