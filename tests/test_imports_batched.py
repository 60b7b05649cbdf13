"""Bulk import, the write path: a chunk of rows goes through the referral form's services with
its writes batched (``core/bulk.py``), and comes out as the form would have left it: ids, pseudonyms, the
audit chain intact, one referral per row key even when another import took the key meanwhile."""

from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.audit.services import verify_chains
from portal.extensions import db
from portal.imports.models import ImportRow, RowStatus
from portal.people.models import Person
from portal.referrals.models import Referral
from portal.tenancy import context

from .conftest import DB_KIND
from .factories import make_person
from .imports_support import csv_bytes, person_row
from .test_imports import _batch, _count, check, post_step, upload

ROWS = 80  # above a chunk's fixed cost (about 60 statements: the pages' own, heads, counters)


def number_of(person) -> int:
    return int(person.pseudonym.rsplit("-", 1)[1])


def test_a_chunk_is_written_a_table_at_a_time_and_the_audit_chain_holds(login, network, session, count_queries,
                                                                        caplog):
    client = login("a_operator")
    antenna = network.tenants["a"]
    batch_id = check(client, upload(client, csv_bytes([person_row(n) for n in range(1, ROWS + 1)])))
    with count_queries() as counter:
        post_step(client, batch_id, "importa")
    assert _batch(network, batch_id).created_rows == ROWS
    assert "row by row" not in caplog.text
    if DB_KIND == "postgresql":  # row by row it was thirteen statements a row (person, pseudonym, audit head…)
        assert counter.count < ROWS, "\n".join(counter.statements)
    with context.acting_as(antenna.id):
        assert verify_chains([f"t{antenna.id}"]) == []
        rows = db.session.scalars(select(ImportRow).where(ImportRow.batch_id == batch_id)).all()
        people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_([r.person_id for r in rows])))}
        assert len(people) == ROWS
        # Numbered by the node's counter, reserved a block at a time in a batch: one after the other, and what
        # the chunk did not use given back (the next person takes the number after the chunk's last).
        numbers = sorted(number_of(p) for p in people.values())
        assert numbers == list(range(numbers[0], numbers[0] + ROWS))
        assert number_of(make_person(antenna)) == numbers[-1] + 1
        audited = set(db.session.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "person.created")))
        assert {str(i) for i in people} <= audited
        referrals = db.session.scalars(select(Referral).where(Referral.id.in_([r.referral_id for r in rows]))).all()
        assert {r.person_id for r in referrals} == set(people) and len(referrals) == ROWS


def test_rows_a_concurrent_import_took_meanwhile_are_skipped_not_doubled(login, network, session, caplog):
    client = login("a_operator")
    data = csv_bytes([person_row(n) for n in range(1, 6)])
    first = check(client, upload(client, data))
    second = check(client, upload(client, data))  # checked before the first import: its rows look new
    referrals_before = _count(network, Referral)
    post_step(client, first, "importa")
    post_step(client, second, "importa")
    batch = _batch(network, second)
    assert (batch.created_rows, batch.failed_rows) == (0, 0)
    assert "row by row" not in caplog.text  # looked up a chunk at a time, not refused by the unique key
    assert _count(network, Referral) == referrals_before + 5
    with context.acting_as(network.tenants["a"].id):
        statuses = db.session.scalars(select(ImportRow.status).where(ImportRow.batch_id == second)).all()
        assert statuses == [RowStatus.ALREADY_IMPORTED] * 5
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "person.created")) >= 5
