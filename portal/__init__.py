"""Rete: the portal of the provincial network against discrimination."""
from flask import Flask

from .config import INSTANCE_DIR, load_config
from .jobs import register_worker_app


def create_app(overrides: dict | None = None, *, owner: bool = False) -> Flask:
    """Build the application.

    ``owner=True`` connects as the schema owner (migrations, seeding, maintenance commands); the web
    application never does, so PostgreSQL row-level security always applies to it.
    """
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.from_mapping(load_config())
    if overrides:
        app.config.from_mapping(overrides)
    if owner:
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_OWNER_URL"]
    configure_logging(app)
    configure_database(app)
    configure_auth(app)
    configure_i18n(app)
    configure_security(app)
    configure_templates(app)
    configure_blueprints(app)
    configure_queues()
    configure_errors(app)
    configure_api(app)
    configure_cli(app)
    return app


def create_owner_app() -> Flask:
    """Entry point for the ``flask`` command: migrations and maintenance run as the owner."""
    return create_app(owner=True)


register_worker_app(create_owner_app)  # an RQ worker imports a job's module, hence this package, first


def configure_logging(app: Flask) -> None:
    from .logs import init_logging

    init_logging(app)


def configure_database(app: Flask) -> None:
    from .db import init_database

    init_database(app)
    from .notifications import outbox  # noqa: F401  (e-mails written with a change leave after its commit)


def configure_auth(app: Flask) -> None:
    from .accounts.session import init_auth

    init_auth(app)


def configure_i18n(app: Flask) -> None:
    from .i18n import init_i18n

    init_i18n(app)


def configure_security(app: Flask) -> None:
    from .security import init_security

    init_security(app)


def configure_templates(app: Flask) -> None:
    from .accounts.models import role_label
    from .accounts.permissions import Capability, can, current_membership
    from .accounts.sign_in import identity_provider_enabled
    from .core.display import codes_whole
    from .core.frame import page_footer, page_header
    from .core.widgets import described_by, render_control
    from .tenancy.models import KIND_LABELS

    app.jinja_env.globals.update(
        role_label=role_label, KIND_LABELS=KIND_LABELS, can=can, Capability=Capability,
        current_membership=current_membership, identity_enabled=identity_provider_enabled,
        page_header=page_header, page_footer=page_footer, render_control=render_control, described_by=described_by,
    )
    app.jinja_env.filters["codes_whole"] = codes_whole


def configure_blueprints(app: Flask) -> None:
    from .accounts import blueprint as accounts
    from .accounts.identity import init_identity_provider
    from .alerts.blueprint import bp as alerts_bp
    from .api.blueprint import bp as api_admin_bp
    from .audit.blueprint import bp as audit_bp
    from .budget.blueprint import bp as budget_bp
    from .cases.blueprint import bp as cases_bp
    from .core.blueprint import bp as core_bp
    from .directory.blueprint import bp as directory_bp
    from .documents.blueprint import bp as documents_bp
    from .exports.blueprint import bp as exports_bp
    from .forum.blueprint import bp as forum_bp
    from .governance.blueprint import bp as governance_bp
    from .guide.blueprint import bp as guide_bp
    from .imports.blueprint import bp as imports_bp
    from .monitoring.blueprint import bp as monitoring_bp
    from .network import blueprint as network
    from .notifications.blueprint import bp as notifications_bp
    from .people.blueprint import bp as people_bp
    from .referrals.blueprint import bp as referrals_bp
    from .region.blueprint import bp as region_bp
    from .reports import blueprint as reports

    # Each domain's blueprint.py loads its view modules (their routes join its blueprints). The second-factor
    # guard (a before_app_request) must run after the session binds the membership, which configure_auth
    # registered earlier; among blueprints order does not matter.
    init_identity_provider(app)
    for bp in (core_bp, accounts.bp, accounts.two_factor_bp, accounts.identity_bp, audit_bp, referrals_bp, cases_bp,
               people_bp, forum_bp, directory_bp, governance_bp, budget_bp, alerts_bp, monitoring_bp, notifications_bp,
               reports.public_bp, reports.node_bp, network.bp, network.public_bp, network.lists_bp, region_bp, guide_bp,
               documents_bp, exports_bp, imports_bp, api_admin_bp):
        app.register_blueprint(bp)


def configure_queues() -> None:
    """Each domain adds its part of the home page's work queue (portal/core/queue.py) when imported."""
    from .alerts import queue as alerts_queue  # noqa: F401
    from .alerts import report_bursts  # noqa: F401  (reports.signals.submitted raises burst alerts)
    from .budget import queue as budget_queue  # noqa: F401
    from .cases import legal_queue as cases_legal_queue  # noqa: F401
    from .cases import queue as cases_queue  # noqa: F401
    from .forum import queue as forum_queue  # noqa: F401

    # ... and the exports that run on the job queue (portal/exports).
    from .monitoring import export_jobs as monitoring_exports  # noqa: F401
    from .people import queue as people_queue  # noqa: F401
    from .referrals import queue as referrals_queue  # noqa: F401
    from .reports import queue as reports_queue  # noqa: F401


def configure_errors(app: Flask) -> None:
    from .core.errors import init_errors

    init_errors(app)


def configure_api(app: Flask) -> None:
    """After the error pages: the API wraps their handler to answer problem+json under /api."""
    from .api import events  # noqa: F401  (domain signals become webhook deliveries)
    from .api.rest import init_api

    init_api(app)


def configure_cli(app: Flask) -> None:
    from .cli import rete

    app.cli.add_command(rete)
