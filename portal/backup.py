"""``flask rete backup``: a consistent copy of the database, taken as the schema owner.

PostgreSQL: ``pg_dump --format=custom`` (restore with ``pg_restore``; see README). The owner needs
BYPASSRLS or to be the superuser, as for every maintenance command: pg_dump refuses to read a table under
FORCE ROW LEVEL SECURITY otherwise. The password goes through the environment, never the command line.
SQLite: the online backup API. The copy holds personal data (identity encrypted, the keys are not in it):
it is written readable by its owner only.
"""
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    pass


def libpq_environment(url: str) -> dict[str, str]:
    """PG* variables for pg_dump/pg_restore from a SQLAlchemy URL."""
    parsed = make_url(url)
    env = {"PGDATABASE": parsed.database or ""}
    for var, value in (("PGHOST", parsed.host), ("PGPORT", parsed.port), ("PGUSER", parsed.username),
                       ("PGPASSWORD", parsed.password), ("PGSSLMODE", parsed.query.get("sslmode"))):
        if value:
            env[var] = str(value)
    return env


def _private_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))


def backup(url: str, target: Path) -> Path:
    """Write the dump to ``target`` (through a ``.part`` file, so a failed run leaves no half backup)."""
    partial = target.with_name(target.name + ".part")
    _private_file(partial)
    backend = make_url(url).get_backend_name()
    try:
        if backend == "postgresql":
            pg_dump = shutil.which("pg_dump")
            if not pg_dump:
                raise BackupError("pg_dump not found: apt-get install postgresql-client")
            result = subprocess.run([pg_dump, "--format=custom", f"--file={partial}"],
                                    env={**os.environ, **libpq_environment(url)}, capture_output=True, text=True)
            if result.returncode:
                raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        elif backend == "sqlite":
            source = sqlite3.connect(make_url(url).database)
            copy = sqlite3.connect(partial)
            with copy:
                source.backup(copy)
            source.close()
            copy.close()
        else:
            raise BackupError(f"no backup for {backend}")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
    return target
