"""forum and network directory: categories, threads, posts, revisions, reports, subscriptions, read markers; full-text search; directory entries and information points

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-25 11:10:00

The forum is Shared (no RLS policies: every tenant of the network reads it). Full-text search lives
outside the models, created here per dialect and skipped by autogenerate (SEARCH_OBJECTS in portal/forum/models.py, used by env.py):
- PostgreSQL: a stored generated column search_vector = to_tsvector('italian', search_text), GIN-indexed;
- SQLite: an FTS5 external-content table over forum_posts.search_text, kept in sync by triggers.
"""
import sqlalchemy as sa
from alembic import op

from helpers import rls_v1 as rls


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None


# Reference data: the forum's starting categories (the node can add more later).
CATEGORIES = [
    ("origine-etnica", "Origine etnica e razzismo", "Discriminazioni per origine etnica o nazionale", "ground"),
    ("genere", "Genere e orientamento sessuale", "Discriminazioni di genere, per orientamento sessuale e identità di genere", "ground"),
    ("disabilita", "Disabilità", "Accessibilità, accomodamenti ragionevoli, inclusione", "ground"),
    ("eta-religione", "Età, religione e convinzioni", "Discriminazioni per età, religione o convinzioni personali", "ground"),
    ("lavoro", "Inserimento lavorativo", "Orientamento, tirocini, accompagnamento al lavoro", "intervention"),
    ("casa-servizi", "Casa e accesso ai servizi", "Mediazione abitativa, accesso ai servizi pubblici", "intervention"),
    ("ascolto-tutela", "Ascolto e tutela legale", "Sportelli di ascolto, consulenza legale, mediazione dei conflitti", "intervention"),
    ("vita-della-rete", "Vita della rete", "Incontri, formazione, comunicazioni tra antenne e nodo", "network"),
]


def _create_search():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        # A stored tsvector: filtering needs no to_tsvector per row (the planner often walks the primary key
        # backwards for "newest matching" and checks each row), and the GIN index sits on it.
        op.execute(
            "ALTER TABLE forum_posts ADD COLUMN search_vector tsvector "
            "GENERATED ALWAYS AS (to_tsvector('italian'::regconfig, search_text)) STORED"
        )
        op.execute("CREATE INDEX ix_forum_posts_search_italian ON forum_posts USING gin (search_vector)")
    elif dialect == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE forum_posts_fts USING fts5(search_text, content='forum_posts', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER forum_posts_fts_ai AFTER INSERT ON forum_posts BEGIN "
            "INSERT INTO forum_posts_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
        )
        op.execute(
            "CREATE TRIGGER forum_posts_fts_ad AFTER DELETE ON forum_posts BEGIN "
            "INSERT INTO forum_posts_fts(forum_posts_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END"
        )
        op.execute(
            "CREATE TRIGGER forum_posts_fts_au AFTER UPDATE OF search_text ON forum_posts BEGIN "
            "INSERT INTO forum_posts_fts(forum_posts_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
            "INSERT INTO forum_posts_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
        )


def _drop_search():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_forum_posts_search_italian")
        op.execute("ALTER TABLE forum_posts DROP COLUMN IF EXISTS search_vector")
    elif dialect == "sqlite":
        for trigger in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS forum_posts_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS forum_posts_fts")


def upgrade():
    op.create_table('forum_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.Column('kind', sa.Enum('ground', 'intervention', 'network', name='forum_category_kind', native_enum=False, length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_categories')),
    sa.UniqueConstraint('slug', name=op.f('uq_forum_categories_slug'))
    )
    op.create_table('forum_threads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('discussion', 'practice', name='forum_thread_kind', native_enum=False, length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('author_user_id', sa.Integer(), nullable=False),
    sa.Column('author_tenant_id', sa.Integer(), nullable=False),
    sa.Column('ground', sa.String(length=40), nullable=True),
    sa.Column('problem', sa.Text(), nullable=True),
    sa.Column('target_group', sa.Text(), nullable=True),
    sa.Column('intervention', sa.Text(), nullable=True),
    sa.Column('partners', sa.Text(), nullable=True),
    sa.Column('resources', sa.Text(), nullable=True),
    sa.Column('results', sa.Text(), nullable=True),
    sa.Column('contacts', sa.Text(), nullable=True),
    sa.Column('validated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('validated_by_id', sa.Integer(), nullable=True),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('post_count', sa.Integer(), nullable=False),
    sa.Column('last_post_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_tenant_id'], ['tenants.id'], name=op.f('fk_forum_threads_author_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['author_user_id'], ['users.id'], name=op.f('fk_forum_threads_author_user_id_users')),
    sa.ForeignKeyConstraint(['category_id'], ['forum_categories.id'], name=op.f('fk_forum_threads_category_id_forum_categories')),
    sa.ForeignKeyConstraint(['validated_by_id'], ['users.id'], name=op.f('fk_forum_threads_validated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_threads'))
    )
    with op.batch_alter_table('forum_threads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_threads_author_tenant_id'), ['author_tenant_id'], unique=False)
        batch_op.create_index('ix_forum_threads_category_last', ['category_id', 'last_post_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_forum_threads_last_post_at'), ['last_post_at'], unique=False)
        batch_op.create_index('ix_forum_threads_validated', ['kind', 'validated_at'], unique=False)

    op.create_table('forum_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('author_user_id', sa.Integer(), nullable=False),
    sa.Column('author_tenant_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('personal_data_flags', sa.JSON(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_tenant_id'], ['tenants.id'], name=op.f('fk_forum_posts_author_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['author_user_id'], ['users.id'], name=op.f('fk_forum_posts_author_user_id_users')),
    sa.ForeignKeyConstraint(['thread_id'], ['forum_threads.id'], name=op.f('fk_forum_posts_thread_id_forum_threads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_posts'))
    )
    with op.batch_alter_table('forum_posts', schema=None) as batch_op:
        batch_op.create_index('ix_forum_posts_thread_id_id', ['thread_id', 'id'], unique=False)

    op.create_table('forum_read_markers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['forum_threads.id'], name=op.f('fk_forum_read_markers_thread_id_forum_threads')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_forum_read_markers_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_read_markers')),
    sa.UniqueConstraint('user_id', 'thread_id', name='uq_forum_read_markers_user_thread')
    )
    with op.batch_alter_table('forum_read_markers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_read_markers_thread_id'), ['thread_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_forum_read_markers_user_id'), ['user_id'], unique=False)

    op.create_table('forum_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('mode', sa.Enum('immediate', 'digest', name='forum_subscription_mode', native_enum=False, length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('digest_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['category_id'], ['forum_categories.id'], name=op.f('fk_forum_subscriptions_category_id_forum_categories')),
    sa.ForeignKeyConstraint(['thread_id'], ['forum_threads.id'], name=op.f('fk_forum_subscriptions_thread_id_forum_threads')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_forum_subscriptions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_subscriptions')),
    sa.UniqueConstraint('user_id', 'category_id', name='uq_forum_subscriptions_user_category'),
    sa.UniqueConstraint('user_id', 'thread_id', name='uq_forum_subscriptions_user_thread')
    )
    with op.batch_alter_table('forum_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_subscriptions_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_forum_subscriptions_thread_id'), ['thread_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_forum_subscriptions_user_id'), ['user_id'], unique=False)

    op.create_table('forum_post_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('edited_by_id', sa.Integer(), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['edited_by_id'], ['users.id'], name=op.f('fk_forum_post_revisions_edited_by_id_users')),
    sa.ForeignKeyConstraint(['post_id'], ['forum_posts.id'], name=op.f('fk_forum_post_revisions_post_id_forum_posts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_post_revisions'))
    )
    with op.batch_alter_table('forum_post_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_post_revisions_post_id'), ['post_id'], unique=False)

    op.create_table('forum_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('reporter_user_id', sa.Integer(), nullable=False),
    sa.Column('reporter_tenant_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['post_id'], ['forum_posts.id'], name=op.f('fk_forum_reports_post_id_forum_posts')),
    sa.ForeignKeyConstraint(['reporter_tenant_id'], ['tenants.id'], name=op.f('fk_forum_reports_reporter_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['reporter_user_id'], ['users.id'], name=op.f('fk_forum_reports_reporter_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_reports'))
    )
    with op.batch_alter_table('forum_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_reports_post_id'), ['post_id'], unique=False)


    op.create_table('directory_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('municipality_code', sa.String(length=8), nullable=True),
    sa.Column('municipality_name', sa.String(length=120), nullable=True),
    sa.Column('phone', sa.String(length=60), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('referents', sa.Text(), nullable=True),
    sa.Column('grounds', sa.JSON(), nullable=False),
    sa.Column('services', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['tenants.id'], name=op.f('fk_directory_entries_organisation_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_entries')),
    sa.UniqueConstraint('organisation_id', name=op.f('uq_directory_entries_organisation_id'))
    )
    with op.batch_alter_table('directory_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_entries_municipality_code'), ['municipality_code'], unique=False)

    op.create_table('directory_information_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('municipality_name', sa.String(length=120), nullable=True),
    sa.Column('opening_hours', sa.String(length=300), nullable=True),
    sa.Column('phone', sa.String(length=60), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['directory_entries.id'], name=op.f('fk_directory_information_points_entry_id_directory_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_information_points'))
    )
    with op.batch_alter_table('directory_information_points', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_information_points_entry_id'), ['entry_id'], unique=False)


    categories = sa.table(
        'forum_categories', sa.column('slug', sa.String), sa.column('name', sa.String),
        sa.column('description', sa.String), sa.column('kind', sa.String), sa.column('position', sa.Integer),
    )
    op.bulk_insert(categories, [
        {'slug': slug, 'name': name, 'description': description, 'kind': kind, 'position': i}
        for i, (slug, name, description, kind) in enumerate(CATEGORIES)
    ])
    _create_search()
    rls.grant_app_role(op, append_only=("audit_events",))


def downgrade():
    _drop_search()
    with op.batch_alter_table('directory_information_points', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directory_information_points_entry_id'))

    op.drop_table('directory_information_points')
    with op.batch_alter_table('directory_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directory_entries_municipality_code'))

    op.drop_table('directory_entries')
    with op.batch_alter_table('forum_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_reports_post_id'))

    op.drop_table('forum_reports')
    with op.batch_alter_table('forum_post_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_post_revisions_post_id'))

    op.drop_table('forum_post_revisions')
    with op.batch_alter_table('forum_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_subscriptions_user_id'))
        batch_op.drop_index(batch_op.f('ix_forum_subscriptions_thread_id'))
        batch_op.drop_index(batch_op.f('ix_forum_subscriptions_category_id'))

    op.drop_table('forum_subscriptions')
    with op.batch_alter_table('forum_read_markers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_read_markers_user_id'))
        batch_op.drop_index(batch_op.f('ix_forum_read_markers_thread_id'))

    op.drop_table('forum_read_markers')
    with op.batch_alter_table('forum_posts', schema=None) as batch_op:
        batch_op.drop_index('ix_forum_posts_thread_id_id')

    op.drop_table('forum_posts')
    with op.batch_alter_table('forum_threads', schema=None) as batch_op:
        batch_op.drop_index('ix_forum_threads_validated')
        batch_op.drop_index(batch_op.f('ix_forum_threads_last_post_at'))
        batch_op.drop_index('ix_forum_threads_category_last')
        batch_op.drop_index(batch_op.f('ix_forum_threads_author_tenant_id'))

    op.drop_table('forum_threads')
    op.drop_table('forum_categories')
