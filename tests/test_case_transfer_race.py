"""Two transfers crossing between the same two nodes, answered at the same moment on two connections of a real
PostgreSQL: Novara accepts Vercelli's case while Vercelli accepts Novara's. Each answer writes to both
nodes' audit chains; were each to lock its own node's head first, both would hold one and wait for the other,
and PostgreSQL would end one of them with a deadlock (a 503 to that coordinator). Both heads are taken lowest
tenant first, so the second answer waits for the first and both land.

tests/test_case_transfer.py checks the order of the statements; this checks the outcome under contention.
"""
import threading

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.extensions import db
from portal.seed.network import DEMO_PASSWORD

from .conftest import DB_KIND, Database, IsolatedClient, make_config
from .faults_support import seed_demo
from .helpers import at_once, csrf_from

pytestmark = pytest.mark.skipif(DB_KIND != "postgresql", reason="row locks across two connections: PostgreSQL")

NOVARA, VERCELLI = "coordinatrice@nodo.novara.example", "coordinatrice@provincia-vercelli.example"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    database = Database(tmp_path_factory, "transfer_race")
    try:
        seed_demo(database)
        yield database
    finally:
        database.drop()


def _signed_in(app, email):
    client = app.test_client()
    token = csrf_from(client.get("/accesso").get_data(as_text=True))
    response = client.post("/accesso", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and "/accesso" not in response.headers["Location"], email
    return client


def _form(client, path, data, page):
    return client.post(path, data={**data, "csrf_token": csrf_from(client.get(page).get_data(as_text=True))})


def test_crossing_transfers_answered_at_once_both_land(seeded, mail_server, tmp_path):
    owner = sa.create_engine(seeded.owner_url)
    with owner.connect() as connection:
        nodes = dict(connection.execute(sa.text(
            "SELECT slug, id FROM tenants WHERE slug IN ('provincia-novara', 'provincia-vercelli')")).all())
        assert len(nodes) == 2, nodes
        open_case = sa.text("SELECT id, version FROM cases WHERE tenant_id = :t AND state = 'open' "
                            "AND id NOT IN (SELECT case_id FROM case_transfers) ORDER BY id LIMIT 1")
        cases = {slug: connection.execute(open_case, {"t": node}).one() for slug, node in nodes.items()}
    app = create_app(make_config(seeded, mail_server, ATTACHMENT_DIR=str(tmp_path)))
    app.test_client_class = IsolatedClient
    novara, vercelli = _signed_in(app, NOVARA), _signed_in(app, VERCELLI)
    for client, (slug, target) in ((novara, ("provincia-novara", "provincia-vercelli")),
                                   (vercelli, ("provincia-vercelli", "provincia-novara"))):
        case = cases[slug]
        path = f"/casi/{case.id}/trasferimento"
        response = _form(client, path, {"version": case.version, "target": nodes[target],
                                        "reason": "La persona si è trasferita per lavoro."}, path)
        assert response.status_code == 302, response.get_data(as_text=True)
    with owner.connect() as connection:
        proposed = dict(connection.execute(sa.text(
            "SELECT tenant_id, id FROM case_transfers WHERE state = 'pending'")).all())
        versions = dict(connection.execute(sa.text("SELECT id, version FROM case_transfers")).all())
    # Each coordinator answers the transfer the other node proposed; both forms are fetched first.
    answers = {}
    for client, sender in ((novara, "provincia-vercelli"), (vercelli, "provincia-novara")):
        transfer = proposed[nodes[sender]]
        page = f"/casi/trasferimenti/{transfer}"
        answers[client] = (f"{page}/accetta", {"version": versions[transfer],
                                              "csrf_token": csrf_from(client.get(page).get_data(as_text=True))})

    # Hold each answer just after it took its first head, until the other has taken one too (or 3 s passed:
    # taken in one order, the second waits in PostgreSQL for the first's head and never gets here).
    meet, local = threading.Barrier(2), threading.local()
    with app.app_context():
        engine = db.engine

    def after(conn, cursor, statement, parameters, context, executemany):
        if "audit_chain_heads" in statement and "FOR UPDATE" in statement and not getattr(local, "met", False):
            local.met = True
            try:
                meet.wait(3)
            except threading.BrokenBarrierError:
                pass

    results = {}

    def answer(client):
        def run():
            path, data = answers[client]
            results[client] = client.post(path, data=data)
        return run

    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        at_once(answer(novara), answer(vercelli))
    finally:
        sa.event.remove(engine, "after_cursor_execute", after)
    assert sorted(response.status_code for response in results.values()) == [302, 302], [
        (response.status_code, response.get_data(as_text=True).partition("<h1>")[2][:80])
        for response in results.values() if response.status_code != 302]
    with owner.connect() as connection:
        states = connection.execute(sa.text("SELECT state FROM case_transfers")).scalars().all()
    owner.dispose()
    assert sorted(states) == ["accepted", "accepted"]
