"""Readiness: can this process serve? The database answers and its schema is the one the code expects."""
import functools
import logging
import os

from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db

log = logging.getLogger(__name__)


@functools.cache
def scripts(directory: str) -> tuple[frozenset[str], frozenset[str]]:
    """(heads, every revision) shipped with the code, read once per process: the files do not change."""
    config = Config(os.path.join(directory, "alembic.ini"))  # its prepend_sys_path: migrations/helpers
    config.set_main_option("script_location", directory)
    script = ScriptDirectory.from_config(config)
    return frozenset(script.get_heads()), frozenset(rev.revision for rev in script.walk_revisions())


def database_heads() -> frozenset[str]:
    return frozenset(db.session.execute(text("SELECT version_num FROM alembic_version")).scalars())


def readiness_problem() -> str | None:
    """None when ready, else a short reason code (details go to the log, not to whoever asks)."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning("readiness: database unreachable (%s)", type(exc).__name__)
        return "database_unreachable"
    try:
        applied = database_heads()
    except SQLAlchemyError:
        db.session.rollback()
        applied = frozenset()  # no alembic_version table: never migrated
    expected, known = scripts(current_app.extensions["migrate"].directory)
    if applied == expected:
        return None
    log.warning("readiness: database at %s, code at %s", sorted(applied), sorted(expected))
    # a revision the code does not know: the database was migrated by newer code (or another project)
    return "migrations_pending" if applied <= known else "database_ahead_of_code"
