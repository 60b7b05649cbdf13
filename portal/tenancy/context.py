"""The tenant (and user) a unit of work acts for.

A ContextVar rather than ``flask.g`` so that CLI jobs, tests and request handlers share one mechanism.
With no context, scoped queries match nothing: forgetting to set a tenant fails closed.
"""
from __future__ import annotations

import contextlib
from contextvars import ContextVar
from dataclasses import dataclass

NO_TENANT = -1  # never a real id: "tenant_id = -1" matches no row


@dataclass(frozen=True)
class TenantContext:
    tenant_id: int | None = None
    user_id: int | None = None
    # Maintenance jobs (seed, migrations, key rotation) that must see every tenant. Never set by a request.
    system: bool = False
    reason: str = ""
    # The tenant is a regional centre: it reads per-node summaries only, so every table outside
    # mixins.REGIONAL_TABLES matches nothing for it, whatever ids the rows carry (scoping.py, rls.py).
    regional: bool = False
    # Set by acting_as: the unit of work acts for this tenant for a moment (a job's node, a notification to
    # another tenant's user, an evaluation as the referral's node), not as the one it was activated for.
    borrowed: bool = False


# TenantContext is frozen (immutable), so sharing the default instance is safe.
_current: ContextVar[TenantContext] = ContextVar("rete_tenant_context", default=TenantContext())  # noqa: B039
_listeners: list = []


def current() -> TenantContext:
    return _current.get()


def current_tenant_id() -> int | None:
    return _current.get().tenant_id


def on_change(callback):
    """Register ``callback(ctx)`` to run when the context changes (the DB layer re-sends it to PostgreSQL)."""
    _listeners.append(callback)
    return callback


def _set(ctx: TenantContext):
    token = _current.set(ctx)
    for callback in _listeners:
        callback(ctx)
    return token


def activate(tenant_id: int | None, user_id: int | None = None, regional: bool | None = None) -> None:
    """Set the context for the rest of this unit of work (a request).

    ``regional`` left out keeps the flag when the tenant stays the same (re-activating the current tenant
    for another user id must not make a region see node data again).
    """
    previous = _current.get()
    if regional is None:
        regional = previous.regional and tenant_id is not None and tenant_id == previous.tenant_id
    _set(TenantContext(tenant_id=tenant_id, user_id=user_id, regional=regional))


def reset() -> None:
    _set(TenantContext())


@contextlib.contextmanager
def acting_as(tenant_id: int | None, user_id: int | None = None):
    """Temporarily act for one tenant (background jobs set the tenant they work for explicitly)."""
    previous = _current.get()
    regional = previous.regional and tenant_id is not None and tenant_id == previous.tenant_id
    _set(TenantContext(tenant_id=tenant_id, user_id=user_id if user_id is not None else previous.user_id,
                       regional=regional, borrowed=True))
    try:
        yield
    finally:
        _set(previous)


@contextlib.contextmanager
def system(reason: str):
    """Unscoped ORM access for maintenance commands; on PostgreSQL they also connect as the owner."""
    previous = _current.get()
    _set(TenantContext(system=True, reason=reason))
    try:
        yield
    finally:
        _set(previous)
