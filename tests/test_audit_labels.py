"""Every audit event the portal records reads as a sentence in the access register.

The register shows an unknown action, object type or field name as its raw code (so nothing is hidden),
which the data protection officer then reads as ``case.diary_read`` or ``alert_rule``. The codes are found
in the ``record(...)`` calls of the source; the few built at run time are listed here with their values.
"""
import ast
from pathlib import Path

from portal.audit.labels import ACTION_LABELS, OBJECT_LABELS, field_label
from portal.cases.models import CaseState
from portal.referrals.services import TRANSITIONS

SOURCE = Path(__file__).resolve().parent.parent / "portal"

BUILT_AT_RUN_TIME = {
    f"case.{state.value}" for state in CaseState if state not in (CaseState.OPEN, CaseState.TRANSFERRED)
} | {f"referral.{name}" for name in TRANSITIONS} | {
    "forum.post.hide", "forum.post.restore",
    *(f"forum.thread.{a}" for a in ("lock", "unlock", "hide", "restore", "move")),
    "person.anonymised.erasure_request", "person.anonymised.retention",
    "service_order.closed", "service_order.cancelled",
    *(f"{entity}.{done}" for entity in ("legal_deadline", "fund_request") for done in ("created", "updated")),
    "login.identity_no_match", "login.identity_no_membership", "login.identity_level_too_low",
    "case.document_added",
}
BUILT_OBJECTS = {"legal_deadline", "fund_request"}


def _strings(node) -> list[str]:
    """The string constants an argument can be: a literal, either side of ``a if c else b``, a list's items."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [s for item in node.elts for s in _strings(item)]
    if isinstance(node, ast.BinOp):
        return _strings(node.left) + _strings(node.right)
    if isinstance(node, ast.Starred):
        return _strings(node.value)
    return []


def _record_calls():
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            func = getattr(node, "func", None)
            if isinstance(node, ast.Call) and getattr(func, "id", getattr(func, "attr", None)) == "record":
                args = {i: a for i, a in enumerate(node.args)}
                args.update({k.arg: k.value for k in node.keywords})
                yield (_strings(args[0]) if 0 in args else [], _strings(args.get(1, ast.Constant(None))),
                       _strings(args.get(3, args.get("fields", ast.Constant(None)))))


def test_every_recorded_action_object_and_field_has_a_label(app):
    actions, objects, fields = set(BUILT_AT_RUN_TIME), set(BUILT_OBJECTS), set()
    for action, obj, names in _record_calls():
        actions.update(action)
        objects.update(obj)
        fields.update(names)
    assert len(actions) > 150  # the scan found the calls
    with app.test_request_context():
        assert sorted(a for a in actions if a not in ACTION_LABELS) == []
        assert sorted(o for o in objects if o not in OBJECT_LABELS) == []
        assert sorted(f for f in fields if f and field_label(f) == f and f != "search") == []


def test_the_new_labels_read_in_english(app):
    from flask_babel import force_locale

    from portal.audit.labels import action_label, object_label

    with app.test_request_context(), force_locale("en"):
        assert action_label("case.diary_read") == "read the case diary"
        assert object_label("alert_rule") == "alert rule"
        assert field_label("region_summaries") == "Regional summaries"
