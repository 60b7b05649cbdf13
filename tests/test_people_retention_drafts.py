"""Retention covers the referrals an antenna never sent: a draft abandoned for DRAFT_RETENTION_MONTHS, or
withdrawn before sending, is anonymised by `flask rete apply-retention`, acting as the antenna (the only
tenant that sees it), with the same audit records as the rest of retention."""
from datetime import UTC, date, datetime
from types import SimpleNamespace

from sqlalchemy import select, update

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.people.models import Person
from portal.referrals.models import Referral, ReferralEvent, ReferralState
from portal.tenancy import context

from .factories import make_person, make_referral
from .network import VICTIM_LAST_NAME

SITUATION = "Insultata sull'autobus per il colore della pelle (bozza di prova)."


def draft(net, last_name, touched=None, antenna="a"):
    """A draft of the antenna about a person met only there, last worked on ``touched``: ids and pseudonym,
    read now (after a run a row reads back only as a tenant)."""
    tenant, user = net.tenants[antenna], net.users[f"{antenna}_operator"]
    person = make_person(tenant, first_name="Bozza", last_name=last_name, shared=False)
    referral = make_referral(tenant, user, person=person, state="draft", situation=SITUATION)
    made = SimpleNamespace(id=person.id, pseudonym=person.pseudonym, referral_id=referral.id)
    if touched is not None:
        age(net, referral.id, touched, antenna)
    return made


def age(net, referral_id, touched, antenna="a"):
    moment = datetime(*touched, tzinfo=UTC)
    with context.acting_as(net.tenants[antenna].id):
        person_id = db.session.get(Referral, referral_id).person_id
        db.session.execute(update(Referral).where(Referral.id == referral_id).values(updated_at=moment))
        db.session.execute(update(Person).where(Person.id == person_id).values(updated_at=moment))
        db.session.expire_all()


def run(app, today):
    db.session.expire_all()
    result = app.test_cli_runner().invoke(args=["rete", "apply-retention", "--today", today])
    assert result.exit_code == 0, result.output
    return result.output


def seen_by_antenna(net, model, row_id, antenna="a"):
    db.session.expire_all()
    with context.acting_as(net.tenants[antenna].id):
        return db.session.get(model, row_id)


def test_an_abandoned_draft_is_anonymised_by_the_antenna_s_pass(app, network):
    net = network
    assert app.config["DRAFT_RETENTION_MONTHS"] == 6  # the default
    # A person the node has (a case in progress) is kept with their old draft: the node decides for them.
    victim_id = net.person.id
    old_draft = make_referral(net.tenants["a"], net.users["a_operator"], person=net.person, state="draft")
    age(net, old_draft.id, (2020, 1, 1))
    abandoned = draft(net, "Abbandonata", touched=(2025, 1, 10))
    recent = draft(net, "Recente", touched=(2025, 6, 1))

    assert abandoned.pseudonym not in run(app, "2025-07-09")  # six months from the last change: not yet
    output = run(app, "2025-07-10")
    assert f"anonimizzata: {abandoned.pseudonym}" in output
    assert recent.pseudonym not in output

    person = seen_by_antenna(net, Person, abandoned.id)
    assert person.anonymised_at is not None and person.pseudonym == abandoned.pseudonym
    assert person.first_name_enc is person.last_name_enc is person.tax_code_bidx is person.name_year_bidx is None
    referral = seen_by_antenna(net, Referral, abandoned.referral_id)
    assert referral.situation_enc is None and referral.state == ReferralState.DRAFT
    assert seen_by_antenna(net, Person, recent.id).last_name == "Recente"
    assert seen_by_antenna(net, Person, victim_id).last_name == VICTIM_LAST_NAME
    # The same audit record as the nodes' retention, in the antenna's own chain.
    with context.acting_as(net.tenants["a"].id):
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.anonymised.retention")).all()
    assert event.object_type == "person" and event.object_id == str(abandoned.id)
    assert event.actor_user_id is None and event.tenant_id == net.tenants["a"].id
    assert {"last_name", "referral.situation", "anonymised_at"} <= set(event.fields)

    assert f"anonimizzata: {recent.pseudonym}" in run(app, "2025-12-01")


def test_a_draft_withdrawn_before_sending_goes_at_the_next_run(app, network):
    net = network
    person = draft(net, "Ritirata", antenna="b")
    kept = draft(net, "Incompleta", antenna="b")  # still being written (today)
    with context.acting_as(net.tenants["b"].id):
        row = db.session.get(Referral, person.referral_id)
        row.state = ReferralState.WITHDRAWN
        row.events.append(ReferralEvent(
            tenant_id=row.tenant_id, node_id=row.node_id, actor_id=net.users["b_operator"].id,
            actor_tenant_id=row.tenant_id, at=datetime(2026, 3, 2, tzinfo=UTC), from_state="draft",
            to_state="withdrawn",
        ))
        db.session.flush()

    output = run(app, "2026-03-02")
    assert f"anonimizzata: {person.pseudonym}" in output and kept.pseudonym not in output
    assert seen_by_antenna(net, Person, person.id, "b").last_name_enc is None
    assert seen_by_antenna(net, Referral, person.referral_id, "b").situation_enc is None
    assert seen_by_antenna(net, Person, kept.id, "b").last_name == "Incompleta"


def test_the_draft_period_is_configurable(app, network, monkeypatch):
    person = draft(network, "Configurata", touched=(2025, 1, 10))
    monkeypatch.setitem(app.config, "DRAFT_RETENTION_MONTHS", 2)
    assert person.pseudonym not in run(app, "2025-03-09")
    assert f"anonimizzata: {person.pseudonym}" in run(app, "2025-03-10")


def test_erasure_sees_a_draft_being_written_as_in_progress(app, network):
    from portal.people.gdpr import erasure_refusal

    writing = draft(network, "Inscrittura", touched=(2025, 6, 1))
    abandoned = draft(network, "Lasciata", touched=(2024, 6, 1))
    with app.test_request_context(), context.acting_as(network.tenants["a"].id):
        assert "ancora in corso" in erasure_refusal(db.session.get(Person, writing.id), date(2025, 7, 1))
        assert erasure_refusal(db.session.get(Person, abandoned.id), date(2025, 7, 1)) is None
