"""Evaluating the rules, and who may see, acknowledge and resolve an alert.

Plain functions: they flush and audit, never commit (the request commits; the CLI commands commit).

Decisions (README "Allerte"):
- one open (or acknowledged) alert per rule and object: ``Alert.open_key`` is unique, and the INSERT …
  SELECT skips objects that already have one;
- re-evaluation **auto-resolves** an open/acknowledged alert whose situation no longer holds (the referral
  was decided, the action recorded…), marked ``auto_resolved``;
- a **manual** resolution stands for that occurrence (same rule, object and ``due_on``): the rule does not
  raise it again while the situation stays the same, but a new occurrence (a new due day) does;
- a disabled rule neither raises nor auto-resolves: its alerts stay as they are until someone resolves them.
"""
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Boolean, DateTime, Integer, String, bindparam, cast, exists, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..accounts.members import members_of
from ..accounts.models import Role
from ..accounts.permissions import Capability, can, can_in_node, current_membership
from ..audit.services import record
from ..core.changes import apply_changes
from ..core.errors import Forbidden, ServiceError  # noqa: F401  (Forbidden re-exported: <domain>.Forbidden)
from ..core.locking import check_version
from ..extensions import db
from ..i18n import local_today
from ..models_base import utcnow
from ..tenancy.context import acting_as, current
from . import rules
from .models import CASE_RULES, Alert, AlertState, Rule, RuleSetting

T = Alert.__table__
INSERT_COLUMNS = (
    "tenant_id", "rule", "state", "object_type", "object_id", "open_key", "case_id", "referral_id", "pseudonym",
    "owner_id", "due_on", "opened_at", "auto_resolved", "version", "created_at", "updated_at",
)


class AlertError(ServiceError):
    """A refused change, with a message fit for the user."""


# --- settings ------------------------------------------------------------------------------------------

def settings_for(tenant_id: int) -> dict[Rule, dict]:
    """Effective settings of a node: its rows, or the defaults for rules it never changed."""
    stored = {
        s.rule: s for s in db.session.scalars(select(RuleSetting).where(RuleSetting.tenant_id == tenant_id))
    }
    out = {}
    for rule in Rule:
        row = stored.get(rule)
        out[rule] = {
            "enabled": row.enabled if row else True,
            "threshold": row.threshold if row else rules.DEFAULTS[rule],
            "window_minutes": (row.window_minutes if row else None) or rules.DEFAULT_WINDOW_MINUTES,
            "row": row,
        }
    return out


def ensure_settings(tenant_id: int) -> list[RuleSetting]:
    """Create the node's rows with the defaults (idempotent); the settings page edits these rows."""
    existing = {s.rule: s for s in db.session.scalars(select(RuleSetting).where(RuleSetting.tenant_id == tenant_id))}
    for rule in Rule:
        if rule not in existing:
            existing[rule] = RuleSetting(
                tenant_id=tenant_id, rule=rule, enabled=True, threshold=rules.DEFAULTS[rule],
                window_minutes=rules.DEFAULT_WINDOW_MINUTES if rule == Rule.UNUSUAL_ACCESS else None,
            )
            db.session.add(existing[rule])
    db.session.flush()
    return [existing[rule] for rule in Rule]


def may_edit_setting(rule: Rule, membership=None) -> bool:
    membership = membership or current_membership()
    if membership is None or not membership.tenant.is_node:
        return False
    if rule == Rule.UNUSUAL_ACCESS:  # the watched (the coordinator too) must not tune their own watchdog
        return can(Capability.SEE_SECURITY_ALERTS, membership)
    return can(Capability.MANAGE_ALERT_RULES, membership)


def update_setting(setting: RuleSetting, *, enabled: bool, threshold: int, window_minutes: int | None, expected_version) -> None:
    if not may_edit_setting(setting.rule):
        raise Forbidden()
    check_version(setting, expected_version)
    if threshold is None or threshold < 0 or (setting.rule in (Rule.DROP_OUT, Rule.UNUSUAL_ACCESS) and threshold < 1):
        raise AlertError(_("Indica una soglia valida."), "threshold")
    values = {"enabled": bool(enabled), "threshold": int(threshold)}
    if setting.rule == Rule.UNUSUAL_ACCESS:
        if not window_minutes or window_minutes < 1:
            raise AlertError(_("Indica una finestra di almeno un minuto."), "window_minutes")
        values["window_minutes"] = int(window_minutes)
    changed = apply_changes(setting, values)
    db.session.flush()
    if changed:
        record("alert_rule.updated", "alert_rule", setting.id, changed)


# --- evaluation ----------------------------------------------------------------------------------------

def _insert(dialect: str):
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(T)


def _open_new(dialect: str, rule: Rule, query, scope: rules.BoundScope):
    """INSERT … SELECT the situations found that have neither an open alert nor a manual resolution."""
    found = query.subquery("found")
    object_type = rules.OBJECT_TYPES[rule]
    key = literal(f"{rule.value}:{object_type}:", String) + cast(found.c.object_id, String)
    already_open = exists().where(T.c.open_key == key)
    decided = exists().where(
        T.c.rule == rule.value, T.c.object_type == object_type, T.c.object_id == found.c.object_id,
        T.c.due_on == found.c.due_on, T.c.state == AlertState.RESOLVED.value, T.c.auto_resolved.is_(False),
    )
    stamp = bindparam("now", type_=DateTime(timezone=True))
    rows = select(
        scope.tenant_id, literal(rule.value, String), literal(AlertState.OPEN.value, String),
        literal(object_type, String), found.c.object_id, key, found.c.case_id, found.c.referral_id,
        found.c.pseudonym, found.c.owner_id, found.c.due_on, stamp, literal(False, Boolean), literal(1, Integer),
        stamp, stamp,
    ).where(~already_open, ~decided)
    # ON CONFLICT: an evaluation racing another (job and on-change hook) skips what the other just opened.
    # rowcount of INSERT … SELECT is not reported by every driver (psycopg gives -1 here): the ids are counted.
    return _insert(dialect).from_select(list(INSERT_COLUMNS), rows).on_conflict_do_nothing().returning(T.c.id)


def _resolve_gone(rule: Rule, query, scope: rules.BoundScope):
    """Auto-resolve the rule's open alerts (of the scope) whose object the rule no longer finds."""
    found = query.subquery("found")
    now = bindparam("now", type_=DateTime(timezone=True))
    statement = (
        update(T)
        .where(T.c.tenant_id == scope.tenant_id, T.c.rule == rule.value, T.c.open_key.is_not(None),
               ~exists().select_from(found).where(found.c.object_id == T.c.object_id))
        .values(state=AlertState.RESOLVED.value, open_key=None, resolved_at=now, auto_resolved=True,
                version=T.c.version + 1, updated_at=now)
    )
    if scope.case_id is not None:
        statement = statement.where(T.c.case_id == scope.case_id)
    if scope.referral_id is not None:
        statement = statement.where(T.c.referral_id == scope.referral_id)
    return statement


_STATEMENTS: dict[tuple, tuple] = {}


def _statements(dialect: str, rule: Rule, shape: tuple) -> tuple:
    """The rule's (resolve, open) statements for a scope of this shape, built once per process."""
    key = (dialect, rule, shape)
    built = _STATEMENTS.get(key)
    if built is None:
        scope = rules.BoundScope(shape)
        query = rules.RULES[rule](scope)
        built = _STATEMENTS[key] = (_resolve_gone(rule, query, scope), _open_new(dialect, rule, query, scope))
    return built


def _follow_owners(conn, tenant_id: int, now, case_id, referral_id) -> None:
    """A case handed to another case worker takes its open alerts along."""
    worker = select(rules.C.c.case_worker_id).where(rules.C.c.id == T.c.case_id).scalar_subquery()
    statement = (
        update(T)
        .where(T.c.tenant_id == tenant_id, T.c.open_key.is_not(None), T.c.case_id.is_not(None),
               T.c.owner_id.is_distinct_from(worker))
        .values(owner_id=worker, version=T.c.version + 1, updated_at=now)
    )
    if case_id is not None:
        statement = statement.where(T.c.case_id == case_id)
    if referral_id is not None:
        statement = statement.where(T.c.referral_id == referral_id)
    conn.execute(statement)


def _rules_for(conn, tenant_id: int, case_id: int | None, referral_id: int | None) -> tuple[Rule, ...]:
    """The rules an evaluation runs. For a referral the node has no case of (one just sent, withdrawn,
    answered), only the referral rules: every other rule reaches referrals through their case
    (``rules._narrow`` on ``cases.referral_id``), so it would find nothing, and it has no open alert to
    resolve there (a discarded case takes its alerts along, imports/cases.discard_case). This spares every
    change of an undecided referral fourteen statements."""
    if referral_id is None or case_id is not None:
        return CASE_RULES
    has_case = select(exists().where(rules.C.c.referral_id == referral_id, rules.Case.visible_to(tenant_id)))
    if conn.execute(has_case).scalar():
        return CASE_RULES
    return tuple(rule for rule in CASE_RULES if rules.OBJECT_TYPES[rule] == "referral")


def evaluate(tenant_id: int, *, today: date | None = None, case_id: int | None = None,
             referral_id: int | None = None) -> dict[str, int]:
    """Run every enabled rule for one node (or only for one case/referral): open and auto-resolve alerts.

    Set-based: two statements per enabled rule. Returns the counts {"opened", "resolved"}. Runs as the
    node (a seed or maintenance job in system context too), so PostgreSQL row-level security applies.
    """
    if current().tenant_id != tenant_id:
        with acting_as(tenant_id):
            return evaluate(tenant_id, today=today, case_id=case_id, referral_id=referral_id)
    today = today or local_today()
    now = utcnow()
    db.session.flush()
    conn = db.session.connection()
    settings = settings_for(tenant_id)
    opened = resolved = 0
    for rule in _rules_for(conn, tenant_id, case_id, referral_id):
        if not settings[rule]["enabled"]:
            continue
        scope = rules.Scope(tenant_id, settings[rule]["threshold"], today, case_id=case_id, referral_id=referral_id)
        resolve, open_new = _statements(conn.dialect.name, rule, scope.shape)
        params = {**scope.params(), "now": now}
        rule_resolved = max(conn.execute(resolve, params).rowcount, 0)
        rule_opened = len(conn.execute(open_new, params).all())
        if rule_opened or rule_resolved:
            fields = (["opened"] if rule_opened else []) + (["auto_resolved"] if rule_resolved else [])
            record("alerts.evaluated", "alert_rule", rule.value, fields, tenant_id=tenant_id)
        opened, resolved = opened + rule_opened, resolved + rule_resolved
    _follow_owners(conn, tenant_id, now, case_id, referral_id)
    # Alerts loaded in this session may have just changed underneath (Core UPDATE): reload them on access.
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Alert):
            db.session.expire(obj)
    return {"opened": opened, "resolved": resolved}


# --- who sees what; acknowledging and resolving ---------------------------------------------------------

def is_node_staff(membership=None) -> bool:
    return can_in_node(Capability.HANDLE_ALERTS, membership)


def sees_all(membership=None) -> bool:
    membership = membership or current_membership()
    return membership is not None and membership.role == Role.COORDINATOR


def can_handle(alert: Alert, membership=None) -> bool:
    """The coordinator handles every alert of the node; a case worker the alerts they own."""
    membership = membership or current_membership()
    if not is_node_staff(membership) or alert.tenant_id != membership.tenant_id:
        return False
    return sees_all(membership) or alert.owner_id == membership.user_id


def visible_alerts(membership=None):
    """The base query of the alerts the user may list (the ORM scoping adds the tenant)."""
    membership = membership or current_membership()
    query = select(Alert).where(Alert.tenant_id == membership.tenant_id)
    if not sees_all(membership):
        query = query.where(Alert.owner_id == membership.user_id)
    return query


def acknowledge(alert: Alert, expected_version) -> None:
    if not can_handle(alert):
        raise Forbidden()
    check_version(alert, expected_version)
    if alert.state != AlertState.OPEN:
        raise AlertError(_("Solo un'allerta aperta può essere presa in visione."))
    alert.state = AlertState.ACKNOWLEDGED
    alert.acknowledged_at = utcnow()
    alert.acknowledged_by_id = current_membership().user_id
    db.session.flush()
    record("alert.acknowledged", "alert", alert.id, ["state", "acknowledged_at", "acknowledged_by_id"])


def resolve(alert: Alert, note: str | None, expected_version) -> None:
    """Resolved with a note saying how: the note stays with the node (never e-mailed)."""
    if not can_handle(alert):
        raise Forbidden()
    check_version(alert, expected_version)
    if alert.state == AlertState.RESOLVED:
        raise AlertError(_("L'allerta è già risolta."))
    note = (note or "").strip()
    if not note:
        raise AlertError(_("Scrivi come è stata risolta la situazione."), "note")
    alert.state = AlertState.RESOLVED
    alert.open_key = None
    alert.resolved_at = utcnow()
    alert.resolved_by_id = current_membership().user_id
    alert.resolution_note = note
    db.session.flush()
    record("alert.resolved", "alert", alert.id, ["state", "resolved_at", "resolved_by_id", "resolution_note"])


def coordinators(tenant_id: int) -> list:
    return members_of(tenant_id, Role.COORDINATOR)


def open_counts(membership=None) -> dict[str, int]:
    """For the home page: open and acknowledged alerts the user handles."""
    query = visible_alerts(membership).where(Alert.state != AlertState.RESOLVED)
    rows = db.session.execute(query.with_only_columns(Alert.state, func.count()).group_by(Alert.state))
    counts = {state.value: 0 for state in AlertState}
    for state, count in rows:
        counts[AlertState(state).value] = count
    return counts


def case_workers_of(tenant_id: int) -> list:
    return members_of(tenant_id, Role.CASE_WORKER)


def people_of(alert: Alert) -> dict:
    """Names of the node's users who own, acknowledged or resolved the alert (one query)."""
    from ..accounts.models import User

    ids = {i for i in (alert.owner_id, alert.acknowledged_by_id, alert.resolved_by_id) if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())


def tenant_name(tenant_id: int) -> str:
    from ..tenancy.models import Tenant

    tenant = db.session.get(Tenant, tenant_id)
    return tenant.name if tenant else ""


def clear_notes(case_ids: list[int], referral_ids: list[int]) -> bool:
    """Anonymisation (hooks.clear_notes): resolution notes of the alerts about these cases and referrals."""
    from sqlalchemy import or_

    conditions = [Alert.case_id.in_(case_ids)] if case_ids else []
    conditions += [Alert.referral_id.in_(referral_ids)] if referral_ids else []
    if not conditions:
        return False
    alerts = list(db.session.scalars(select(Alert).where(or_(*conditions), Alert.resolution_note.is_not(None))))
    for alert in alerts:
        alert.resolution_note = None
    return bool(alerts)
