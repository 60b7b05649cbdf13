"""referral outcome as a code, not a sentence; forum contacts confirmed one by one

Revision ID: 0020
Revises: 0015
Create Date: 2026-12-02 17:00:00

- ``referrals.outcome_summary`` held a translated sentence in the language of whoever acted, so one outcome
  was stored as two texts (and counted as two on the antenna's dashboard). It becomes ``outcome_code``; the
  sentences of both catalogues (Italian msgids, English translations) map to their codes, and any other
  text is derived from the case's state (or the referral's, when declined). Downgrade writes the Italian
  sentences back.
- ``forum_personal_data_confirmations``: each contact an author confirmed, where and by whom (Shared, like
  the forum: no RLS). Posts confirmed before, with one tick for everything, get one row per confirmed kind
  (field "post", no value) so the moderators' list shows them too.

- ``delivery_adjustments.reason`` began with "Controllo a campione n. N: " (or "Sample check no. N: ", by the
  reviewer's language) before the reviewer's note: the prefix goes, the check is the row's ``item_id``.

The referral backfill reads ``cases`` and writes ``referrals`` with RLS not forced for a moment, so a
non-superuser owner sees every row (as in 0015).
"""
import json

import sqlalchemy as sa
from alembic import op

from helpers import rls_v1 as rls

revision = '0020'
down_revision = '0015'
branch_labels = None
depends_on = None

# Every sentence ever stored, per code: the Italian msgid and its English translation (messages.po).
OUTCOME_TEXTS = {
    'taken_in_charge': ("Presa in carico dal nodo", "Accepted by the node"),
    'phase_1': ("Presa in carico – fase 1: inserimento lavorativo", "Taken in charge – phase 1: job placement"),
    'phase_2': ("Presa in carico – fase 2: inclusione socio-lavorativa",
                "Taken in charge – phase 2: social and work inclusion"),
    'completed': ("Percorso concluso", "Pathway completed"),
    'not_taken_in_charge': ("Non presa in carico", "Not accepted"),
}
OUTCOME_CODES = tuple(OUTCOME_TEXTS)
# Texts nobody can map: the referral's case (or the referral itself) says where it stands.
FROM_STATE = """
UPDATE referrals SET outcome_code = CASE
    WHEN state = 'declined' THEN 'not_taken_in_charge'
    ELSE coalesce((SELECT CASE c.state WHEN 'open' THEN 'taken_in_charge' WHEN 'phase_1' THEN 'phase_1'
                   WHEN 'phase_2' THEN 'phase_2' WHEN 'closed' THEN 'completed' END
                   FROM cases c WHERE c.referral_id = referrals.id), 'taken_in_charge')
    END
WHERE outcome_code IS NULL AND outcome_summary IS NOT NULL
"""
KINDS = ('phone', 'email', 'tax_code', 'pseudonym')
ADJUSTMENT_PREFIXES = ("Controllo a campione n. %: %", "Sample check no. %: %")  # messages.po, it and en


def _unforced(tables, statements):
    postgresql = op.get_bind().dialect.name == 'postgresql'
    if postgresql:
        for table in tables:
            op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    for statement, params in statements:
        op.get_bind().execute(sa.text(statement), params)
    if postgresql:
        for table in tables:
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")


def _drop_column(table, column):
    if op.get_bind().dialect.name == 'sqlite':  # native DROP COLUMN (SQLite 3.35+): no table copy
        op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
    else:
        op.drop_column(table, column)


def upgrade():
    op.add_column('referrals', sa.Column('outcome_code', sa.Enum(
        *OUTCOME_CODES, name='referral_outcome_code', native_enum=False, length=40), nullable=True))
    statements = [
        ("UPDATE referrals SET outcome_code = :code WHERE outcome_summary IN (:it, :en)", {'code': code, 'it': it, 'en': en})
        for code, (it, en) in OUTCOME_TEXTS.items()
    ]
    _unforced(('referrals', 'cases'), statements + [(FROM_STATE, {})])
    _drop_column('referrals', 'outcome_summary')
    find = 'instr' if op.get_bind().dialect.name == 'sqlite' else 'strpos'
    _unforced(('delivery_adjustments',), [
        (f"UPDATE delivery_adjustments SET reason = substr(reason, {find}(reason, ': ') + 2)"
         " WHERE item_id IS NOT NULL AND reason LIKE :prefix", {'prefix': prefix})
        for prefix in ADJUSTMENT_PREFIXES
    ])

    op.create_table('forum_personal_data_confirmations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum(*KINDS, name='forum_personal_data_kind', native_enum=False, length=40), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('value', sa.String(length=320), nullable=False),
    sa.Column('item_key', sa.String(length=40), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_forum_personal_data_confirmations_confirmed_by_id_users')),
    sa.ForeignKeyConstraint(['post_id'], ['forum_posts.id'], name=op.f('fk_forum_personal_data_confirmations_post_id_forum_posts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_personal_data_confirmations'))
    )
    op.create_index('ix_forum_personal_data_confirmations_post', 'forum_personal_data_confirmations', ['post_id', 'item_key'])
    op.create_index(op.f('ix_forum_personal_data_confirmations_confirmed_at'), 'forum_personal_data_confirmations',
                    ['confirmed_at'])
    _backfill_confirmations()
    rls.grant_app_role(op, append_only=("audit_events",))


def _backfill_confirmations():
    bind = op.get_bind()
    posts = bind.execute(sa.text(
        "SELECT id, author_user_id, created_at, personal_data_flags FROM forum_posts"
        " WHERE personal_data_flags IS NOT NULL AND CAST(personal_data_flags AS TEXT) NOT IN ('[]', 'null')"
    )).all()
    rows = []
    for post_id, user_id, created_at, flags in posts:
        kinds = json.loads(flags) if isinstance(flags, str) else flags
        for kind in sorted(set(kinds or ()) & set(KINDS)):
            rows.append({'post_id': post_id, 'kind': kind, 'field': 'post', 'value': '', 'item_key': f'{kind}|post',
                         'confirmed_by_id': user_id, 'confirmed_at': created_at})
    if rows:
        bind.execute(sa.text(
            "INSERT INTO forum_personal_data_confirmations (post_id, kind, field, value, item_key, confirmed_by_id, confirmed_at)"
            " VALUES (:post_id, :kind, :field, :value, :item_key, :confirmed_by_id, :confirmed_at)"), rows)


def downgrade():
    op.drop_index(op.f('ix_forum_personal_data_confirmations_confirmed_at'), table_name='forum_personal_data_confirmations')
    op.drop_index('ix_forum_personal_data_confirmations_post', table_name='forum_personal_data_confirmations')
    op.drop_table('forum_personal_data_confirmations')
    op.add_column('referrals', sa.Column('outcome_summary', sa.String(length=500), nullable=True))
    _unforced(('referrals',), [
        ("UPDATE referrals SET outcome_summary = :it WHERE outcome_code = :code", {'code': code, 'it': it})
        for code, (it, _en) in OUTCOME_TEXTS.items()
    ])
    _drop_column('referrals', 'outcome_code')
    _unforced(('delivery_adjustments', 'sample_check_items'), [(
        "UPDATE delivery_adjustments SET reason = 'Controllo a campione n. ' || CAST((SELECT i.check_id FROM"
        " sample_check_items i WHERE i.id = delivery_adjustments.item_id) AS VARCHAR(20)) || ': ' || reason"
        " WHERE item_id IS NOT NULL", {})])
