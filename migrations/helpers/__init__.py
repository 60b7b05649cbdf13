"""Code the migrations share, frozen: never edited once a release has shipped a migration that uses it.

A migration must produce the same schema in five years as on the day it was written, so it never imports
the application (``portal``), whose models, policies and triggers move on. What several migrations need is
copied here instead, in modules whose name carries a version (``rls_v1``, ``delivery_totals_v1``...). To
change what new migrations write, add ``rls_v2.py`` beside ``rls_v1.py`` and point only the new migrations
at it; tests/test_migrations_frozen.py fails when a migration imports ``portal``.

``migrations/alembic.ini`` puts ``migrations/`` on ``sys.path`` (``prepend_sys_path``) for every command that
loads the migrations, so a migration writes ``from helpers import rls_v1``.
"""
