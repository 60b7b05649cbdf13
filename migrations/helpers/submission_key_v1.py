"""A form's key kept on the row it created (a page posted twice creates one row), as migration 0043 writes
it for deliveries (frozen: see __init__.py). A plain ADD COLUMN and a unique index: SQLite's batch mode
would copy the table and drop its triggers."""
import sqlalchemy as sa


def add(op, table: str) -> None:
    op.add_column(table, sa.Column('submission_key', sa.String(length=64), nullable=True))
    op.create_index(f'uq_{table}_submission_key', table, ['submission_key'], unique=True)


def drop(op, table: str) -> None:
    op.drop_index(f'uq_{table}_submission_key', table_name=table)
    if op.get_bind().dialect.name == 'sqlite':  # native DROP COLUMN (3.35+), no table copy
        op.execute(f'ALTER TABLE {table} DROP COLUMN submission_key')
    else:
        op.drop_column(table, 'submission_key')
