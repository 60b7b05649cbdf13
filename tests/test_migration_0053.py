"""Migration 0053 on a populated database: an API answer kept for its Idempotency-Key is encrypted with a row key
of its own (it named the file an antenna had attached); the downgrade brings it back in clear."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from portal.crypto import decrypt

from .migration_support import contract_at

CLIENT = ("INSERT INTO api_clients (tenant_id, name, key_id, secret_hash, scopes, user_id, created_by_id, created_at,"
          " updated_at)"
          " VALUES (:a, 'Gestionale', 'k53', 'h', '[]', :user, :user, CURRENT_TIMESTAMP,"
          " CURRENT_TIMESTAMP) RETURNING id")
ANSWER = ("INSERT INTO api_idempotency (tenant_id, client_id, key, fingerprint, status, body, created_at)"
          " VALUES (:a, :client, 'invio-1', 'f', 201, :body, CURRENT_TIMESTAMP)")
BODY = '{"items": [{"filename": "referto_Mario_Rossi.pdf"}]}'


def test_0053_on_a_populated_database(migration_db):
    from portal.extensions import db

    with contract_at("0052") as (conn, ids):
        client = conn.execute(text(CLIENT), {"a": ids["a"], "user": ids["user"]}).scalar()
        conn.execute(text(ANSWER), {"a": ids["a"], "client": client, "body": BODY})
    upgrade(revision="0053")
    with db.engine.connect() as conn:
        [(uid, token)] = conn.execute(text("SELECT uid, body_enc FROM api_idempotency")).all()
    assert "Rossi" not in token and decrypt(token, f"api_idempotency.body.{uid}") == BODY
    assert "body" not in {c["name"] for c in inspect(db.engine).get_columns("api_idempotency")}
    downgrade(revision="0052")
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT body FROM api_idempotency")).scalars().all() == [BODY]
    assert "uid" not in {c["name"] for c in inspect(db.engine).get_columns("api_idempotency")}
