"""Pseudonyms are numbered per node (its code) and year: a node's codes follow each other whatever the other nodes
do, so they no longer show how many people the other nodes took in (they used to end in the global person id)."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.people.models import Person
from portal.people.services import next_pseudonym
from portal.tenancy import context

from .conftest import DB_KIND
from .factories import TenantFactory, make_person
from .helpers import log_in
from .imports_support import csv_bytes, person_row
from .race_support import race, race_app, status
from .referral_support import FIRST_NAME, form_data, new_form
from .test_imports import check, post_step, upload


def number(person) -> int:
    return int(person.pseudonym.rsplit("-", 1)[1])


def test_a_nodes_codes_follow_each_other_whatever_another_node_does(network):
    network.tenants["n2"].code = "ND"
    other_antenna = TenantFactory(slug="antenna-gamma", name="Antenna Gamma", node=network.tenants["n2"])
    first = make_person(network.tenants["a"])
    others = [make_person(other_antenna) for _ in range(3)]
    second = make_person(network.tenants["b"])  # another antenna of the same node: the same counter
    assert number(second) == number(first) + 1
    assert [number(p) for p in others] == [1, 2, 3] and all(p.pseudonym.startswith("ND-") for p in others)
    assert first.pseudonym.startswith("NP-") and second.pseudonym[:8] == first.pseudonym[:8]


def test_a_new_year_in_rome_starts_again_at_one(network):
    rome = ZoneInfo("Europe/Rome")
    with context.system("test"):
        late = Person(node_id=network.tenants["n1"].id, created_at=datetime(2026, 12, 31, 23, 30, tzinfo=rome))
        new_year = Person(node_id=network.tenants["n1"].id,
                          created_at=datetime(2026, 12, 31, 23, 30, tzinfo=ZoneInfo("UTC")))  # 00:30 in Rome
        assert next_pseudonym(new_year) == "NP-2027-000001"
        assert next_pseudonym(new_year) == "NP-2027-000002"
        assert next_pseudonym(late).startswith("NP-2026-")


def test_a_number_taken_by_work_rolled_back_is_given_again(network):
    before = make_person(network.tenants["a"])
    savepoint = db.session.begin_nested()
    make_person(network.tenants["a"])
    savepoint.rollback()
    assert number(make_person(network.tenants["a"])) == number(before) + 1


# --- two antennas of one node at the same instant (PostgreSQL) ----------------------------------------------

@pytest.fixture(scope="module")
def shared(tmp_path_factory, mail_server):
    if DB_KIND != "postgresql":
        pytest.skip("row locks across two connections: PostgreSQL")

    def seed(net):
        return {k: net.users[k].email for k in ("a_operator", "b_operator", "a_admin")}

    with race_app(tmp_path_factory, mail_server, "pseudonym_race", seed) as shared:
        yield shared


def test_two_antennas_of_a_node_at_once_take_the_next_two_numbers(shared):
    app, _database, inspector, emails = shared
    posts = []
    for key in ("a_operator", "b_operator"):
        client = app.test_client()
        assert log_in(client, emails[key]).status_code == 302
        token, submission = new_form(client)
        data = {**form_data(first_name=f"{FIRST_NAME} {key}"), "csrf_token": token, "submission_key": submission}
        posts.append(lambda client=client, data=data: client.post("/segnalazioni/nuova", data=data))
    outcomes = race(shared, posts[0], "UPDATE pseudonym_counters", posts[1])
    assert outcomes["waited"]
    assert [status(outcomes["first"]), status(outcomes["second"])] == [302, 302]
    with inspector.connect() as connection:
        codes = connection.execute(sa.text("SELECT pseudonym FROM people ORDER BY pseudonym")).scalars().all()
    assert [int(code.rsplit("-", 1)[1]) for code in codes] == list(range(1, len(codes) + 1))


def test_an_import_and_a_referral_of_one_antenna_at_once_both_go_through(shared):
    """The import's chunk takes its first number before writing anything (its writes are batched); it takes the
    audit chain's head first all the same, as the referral does: without that the two waited for each other
    (PostgreSQL's deadlock detector failed the referral with a 503). Found by review."""
    app, _database, inspector, emails = shared
    importer, operator = app.test_client(), app.test_client()
    assert log_in(importer, emails["a_operator"]).status_code == 302
    assert log_in(operator, emails["a_admin"]).status_code == 302
    batch_id = check(importer, upload(importer, csv_bytes([person_row(n) for n in range(1, 4)])))
    token, submission = new_form(operator)
    data = {**form_data(first_name=f"{FIRST_NAME} a_admin"), "csrf_token": token, "submission_key": submission}
    outcomes = race(shared, lambda: post_step(importer, batch_id, "importa"), "UPDATE pseudonym_counters",
                    lambda: operator.post("/segnalazioni/nuova", data=data))
    assert [status(outcomes["first"]), status(outcomes["second"])] == [302, 302]
    with inspector.connect() as connection:
        codes = connection.execute(sa.text("SELECT pseudonym FROM people ORDER BY pseudonym")).scalars().all()
    assert [int(code.rsplit("-", 1)[1]) for code in codes] == list(range(1, len(codes) + 1))
