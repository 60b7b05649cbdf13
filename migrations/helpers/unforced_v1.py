"""Row-level security not forced on some tables while a migration reads or fixes every tenant's rows as the
schema owner (frozen: see __init__.py). With FORCE, a non-superuser owner is held to the policies like the
application and would see no tenant's rows; nothing else runs meanwhile (the migration's transaction)."""
from contextlib import contextmanager


@contextmanager
def unforced(op, *tables: str):
    postgresql = op.get_bind().dialect.name == 'postgresql'
    if postgresql:
        for table in tables:
            op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    yield postgresql
    if postgresql:
        for table in reversed(tables):
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
