"""The permission table (DESIGN.md), in one place. Services and views ask ``can``/``require``."""
import enum
from functools import wraps

from flask import abort, g, redirect, request, url_for
from flask_login import current_user

from ..extensions import login_manager
from .models import Role


class Capability(enum.StrEnum):
    REFER = "refer"
    SEE_REFERRALS = "see_referrals"
    DECIDE_REFERRALS = "decide_referrals"
    LOG_DELIVERY = "log_delivery"
    APPROVE_MONEY = "approve_money"
    FORUM = "forum"
    MODERATE = "moderate"
    MANAGE_USERS = "manage_users"
    READ_AUDIT = "read_audit"
    GOVERN = "govern"  # manage the network's groups (cabina di regia), meetings and minutes
    MANAGE_ALERT_RULES = "manage_alert_rules"
    HANDLE_ALERTS = "handle_alerts"
    SEE_SECURITY_ALERTS = "see_security_alerts"
    CHECK_SERVICES = "check_services"  # sample checks of providers' deliveries
    SEE_MONITORING = "see_monitoring"
    SEE_OWN_DASHBOARD = "see_own_dashboard"
    EXPORT_OPEN_DATA = "export_open_data"
    MANAGE_OUTBOX = "manage_outbox"  # pending and failed e-mails of the tenant, and retrying them
    SEE_REGION_MONITORING = "see_region_monitoring"  # the regional centre's suppressed aggregates (portal/region)
    IMPORT_CASES = "import_cases"  # the node's own existing cases from a file (portal/imports/cases.py)
    EDIT_LETTERS = "edit_letters"  # the node's letter templates (acceptance, decline, summons, closure)


R = Role
PERMISSIONS: dict[Capability, frozenset[Role]] = {
    Capability.REFER: frozenset({R.ANTENNA_OPERATOR, R.ANTENNA_ADMIN}),
    Capability.SEE_REFERRALS: frozenset({R.ANTENNA_OPERATOR, R.ANTENNA_ADMIN, R.CASE_WORKER, R.COORDINATOR}),
    Capability.DECIDE_REFERRALS: frozenset({R.CASE_WORKER, R.COORDINATOR}),
    Capability.LOG_DELIVERY: frozenset({R.PROVIDER_USER}),
    Capability.APPROVE_MONEY: frozenset({R.COORDINATOR, R.BUDGET_OFFICER}),
    Capability.FORUM: frozenset(Role),
    Capability.MODERATE: frozenset({R.COORDINATOR}),
    # Antenna admins manage their own tenant; on the node the coordinator and the system admin do; at the
    # regional centre its coordinator (the region's own users only: memberships are tenant-scoped).
    Capability.MANAGE_USERS: frozenset({R.ANTENNA_ADMIN, R.COORDINATOR, R.SYSTEM_ADMIN, R.REGIONAL_COORDINATOR}),
    Capability.READ_AUDIT: frozenset({R.DATA_PROTECTION_OFFICER, R.REGIONAL_DPO}),
    # Network groups (portal/governance): the node's coordinator; the services also check the tenant is a node.
    Capability.GOVERN: frozenset({R.COORDINATOR}),
    # Alerts (portal/alerts): node roles only; the services also check the tenant is a node.
    Capability.MANAGE_ALERT_RULES: frozenset({R.COORDINATOR}),
    Capability.EDIT_LETTERS: frozenset({R.COORDINATOR}),
    # The node's coordinator, who assigns cases; the imports check the tenant is a node.
    Capability.IMPORT_CASES: frozenset({R.COORDINATOR}),
    Capability.HANDLE_ALERTS: frozenset({R.CASE_WORKER, R.COORDINATOR}),
    Capability.SEE_SECURITY_ALERTS: frozenset({R.DATA_PROTECTION_OFFICER}),
    Capability.CHECK_SERVICES: frozenset({R.COORDINATOR}),
    # Monitoring (portal/monitoring): node staff see the network's aggregates and the periodic report
    # (money panels only with APPROVE_MONEY); antenna staff see their own referrals' figures; only the
    # coordinator publishes the open-data export.
    Capability.SEE_MONITORING: frozenset({R.COORDINATOR, R.CASE_WORKER, R.BUDGET_OFFICER}),
    Capability.SEE_OWN_DASHBOARD: frozenset({R.ANTENNA_OPERATOR, R.ANTENNA_ADMIN}),
    Capability.EXPORT_OPEN_DATA: frozenset({R.COORDINATOR}),
    Capability.MANAGE_OUTBOX: frozenset({R.SYSTEM_ADMIN}),
    # Regional centre (portal/region): coordinator and analyst read and export the suppressed tables;
    # the regional DPO reads the region's own audit trail (READ_AUDIT), nothing of the nodes.
    Capability.SEE_REGION_MONITORING: frozenset({R.REGIONAL_COORDINATOR, R.REGIONAL_ANALYST}),
}


def current_membership():
    return g.get("membership")


def can(capability: Capability, membership=None) -> bool:
    membership = membership or current_membership()
    return membership is not None and membership.role in PERMISSIONS[capability]


def can_in_node(capability: Capability, membership=None) -> bool:
    """``capability`` held in a node: the same role in an antenna, a provider or an office does not count."""
    membership = membership or current_membership()
    return can(capability, membership) and membership.tenant.is_node


# A public office's users hold the antenna roles (offices refer people like any antenna); what sets them
# apart is the actions a node refers to their office (cases/offices.py, the menu, the home queue).
OFFICE_ROLES = (R.ANTENNA_OPERATOR, R.ANTENNA_ADMIN)


def is_office_member(membership=None) -> bool:
    from ..tenancy.models import PUBLIC_OFFICE_KINDS

    membership = membership or current_membership()
    return (membership is not None and membership.role in OFFICE_ROLES
            and membership.tenant.kind in PUBLIC_OFFICE_KINDS)


def require(capability: Capability) -> None:
    """Abort with 403 unless the current membership has the capability (401 handled by login_required)."""
    if not current_user.is_authenticated:
        abort(401)
    if not can(capability):
        abort(403)


def requires(capability: Capability):
    """View decorator form of :func:`require`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            require(capability)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def window_redirect(target: str, htmx_status: int):
    """A redirect the whole window follows. A request htmx sent for a panel (a filter, a poll) gets
    ``HX-Redirect`` with ``htmx_status``: a plain redirect would have the next page swapped into the panel."""
    if request.headers.get("HX-Request"):
        return "", htmx_status, {"HX-Redirect": target}
    return redirect(target)


def membership_required(view):
    """Login plus a chosen membership (tenant); otherwise to login or to the tenant chooser."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()  # session.py: the login page, saying why
        if current_membership() is None:  # e.g. the membership was deactivated meanwhile
            return window_redirect(url_for("accounts.choose_tenant", next=request.full_path), 403)
        return view(*args, **kwargs)

    return wrapped
