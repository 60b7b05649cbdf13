"""The one place where tenant isolation is enforced in the ORM.

``do_orm_execute`` adds one criteria per ownership mixin to every ORM SELECT, UPDATE and DELETE
(relationship and column loads included); ``before_flush`` stamps new rows with the current tenant and
refuses writes into, or moves to, another tenant. PostgreSQL enforces the same rule again (see rls.py).
"""
from sqlalchemy import and_, event, false, inspect, or_
from sqlalchemy.orm import Session, with_loader_criteria

from .context import NO_TENANT, current
from .mixins import (
    READ_ONLY_TABLES,
    REGIONAL_TABLES,
    SCOPED_MIXINS,
    NodeShared,
    PeerShared,
    ProviderShared,
    RegionShared,
    TenantOwned,
    UserShared,
)


class TenantViolation(PermissionError):
    """A write that would cross tenants. Always a bug or an attack: never caught to carry on."""


class ReadOnlyTable(PermissionError):
    """A write into a table only its triggers write (``READ_ONLY_TABLES``). Always a bug."""


# The options for one (tenant, user) pair, built once: every ORM statement of every request adds them, and
# building six with_loader_criteria (lambda analysis included) cost ~300 calls a statement. The options are
# immutable and hold nothing but the two ids; the dict is bounded (cleared when full).
_CRITERIA_CACHE: dict[tuple[int, int], tuple] = {}
_CRITERIA_CACHE_SIZE = 4096


def _criteria(tid: int, uid: int):
    found = _CRITERIA_CACHE.get((tid, uid))
    if found is None:
        if len(_CRITERIA_CACHE) >= _CRITERIA_CACHE_SIZE:
            _CRITERIA_CACHE.clear()
        found = _CRITERIA_CACHE[(tid, uid)] = _build_criteria(tid, uid)
    return found


def _build_criteria(tid: int, uid: int):
    # One explicit lambda per mixin: SQLAlchemy caches each lambda's SQL and binds tid/uid as parameters.
    return (
        with_loader_criteria(TenantOwned, lambda cls: cls.tenant_id == tid, include_aliases=True),
        with_loader_criteria(
            NodeShared, lambda cls: or_(cls.tenant_id == tid, and_(cls.node_id == tid, cls.shared_clause())),
            include_aliases=True,
        ),
        with_loader_criteria(
            ProviderShared, lambda cls: or_(cls.tenant_id == tid, cls.provider_id == tid), include_aliases=True
        ),
        with_loader_criteria(
            UserShared, lambda cls: or_(cls.tenant_id == tid, cls.user_id == uid), include_aliases=True
        ),
        with_loader_criteria(
            RegionShared, lambda cls: or_(cls.tenant_id == tid, cls.region_id == tid), include_aliases=True
        ),
        with_loader_criteria(
            PeerShared, lambda cls: or_(cls.tenant_id == tid, cls.peer_id == tid), include_aliases=True
        ),
    )


def _region_blind():
    """The scoped models a regional centre never reads (all but REGIONAL_TABLES): one FALSE each."""
    from ..extensions import db

    return tuple(
        with_loader_criteria(m.class_, false(), include_aliases=True)
        for m in db.Model.registry.mappers
        if issubclass(m.class_, SCOPED_MIXINS) and not _regional(m.class_)
    )


def _regional(cls) -> bool:
    """Tables a region may use: REGIONAL_TABLES and a user's own rows (UserShared), as in rls.py."""
    return cls.__table__.name in REGIONAL_TABLES or issubclass(cls, UserShared)


def _ids(ctx):
    tid = ctx.tenant_id if ctx.tenant_id is not None else NO_TENANT
    uid = ctx.user_id if ctx.user_id is not None else NO_TENANT
    return tid, uid


def visible(obj, ctx=None) -> bool:
    """Would the current context see this row? Mirrors the criteria above for objects in memory."""
    ctx = ctx or current()
    if ctx.system:
        return True
    if ctx.regional and not _regional(type(obj)):
        return False
    tid, uid = _ids(ctx)
    if obj.tenant_id == tid:
        return True
    sharer = type(obj).__sharer__
    if sharer is None:
        return False
    when = getattr(type(obj), "__shared_when__", None)
    if when is not None and getattr(obj, when) is None:  # not yet shared (a draft)
        return False
    return getattr(obj, sharer) == (uid if sharer == "user_id" else tid)


def _is_scoped_mapper(mapper) -> bool:
    return mapper is not None and issubclass(mapper.class_, SCOPED_MIXINS)


@event.listens_for(Session, "do_orm_execute")
def _scope_statement(state):
    ctx = current()
    if ctx.system:
        return
    if state.is_insert:
        if _is_scoped_mapper(state.bind_mapper):
            raise TenantViolation("bulk INSERT of tenant-owned rows bypasses before_flush: add them to the session")
        return
    if state.is_select or state.is_update or state.is_delete:
        tid, uid = _ids(ctx)
        state.statement = state.statement.options(*_criteria(tid, uid))
        if ctx.regional:
            state.statement = state.statement.options(*_region_blind())


@event.listens_for(Session, "before_flush")
def _check_writes(session, flush_context, instances):
    ctx = current()
    if ctx.system:
        return
    for obj in (*session.new, *session.dirty, *session.deleted):
        if getattr(type(obj), "__tablename__", None) in READ_ONLY_TABLES:
            raise ReadOnlyTable(f"{type(obj).__name__} is written by its triggers only")
    for obj in session.new:
        if not isinstance(obj, SCOPED_MIXINS):
            continue
        if ctx.regional and not _regional(type(obj)):
            raise TenantViolation(f"a regional centre writes no {type(obj).__name__}")
        if obj.tenant_id is None:
            owner = getattr(obj, "tenant", None)
            obj.tenant_id = owner.id if owner is not None else ctx.tenant_id
        if obj.tenant_id is None and ctx.tenant_id is None and getattr(obj, "__allow_tenantless__", False):
            continue
        # A few shared rows are written by their sharer (the node's messages on an antenna's referral).
        if getattr(obj, "__sharer_may_insert__", False) and visible(obj, ctx):
            continue
        if obj.tenant_id is None or obj.tenant_id != ctx.tenant_id:
            raise TenantViolation(f"new {type(obj).__name__} for tenant {obj.tenant_id} from tenant {ctx.tenant_id}")
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, SCOPED_MIXINS):
            continue
        state = inspect(obj)
        for column in ("tenant_id", type(obj).__sharer__):
            if column and state.attrs[column].history.deleted:
                raise TenantViolation(f"{type(obj).__name__}.{column} cannot change")
        if not visible(obj, ctx):
            raise TenantViolation(f"{type(obj).__name__} {obj.id} belongs to another tenant")


def get_visible(model, ident):
    """``session.get`` that also honours the scoping rule for rows already in the identity map.

    ``session.get`` skips SQL (and so the criteria) when the row is cached; this re-checks it.
    """
    from ..extensions import db

    try:
        ident = int(ident)
    except (TypeError, ValueError):
        return None
    obj = db.session.get(model, ident)
    if obj is None:
        return None
    if isinstance(obj, SCOPED_MIXINS) and not visible(obj):
        return None
    return obj
