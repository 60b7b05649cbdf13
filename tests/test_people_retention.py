"""`flask rete apply-retention --today`: anonymise past the retention period, keep legal holds."""
import secrets
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.cases.models import (
    Action,
    ActionStatus,
    Case,
    CaseState,
    DiaryEntry,
    DiaryRevision,
    Verification,
    VerificationPhase,
)
from portal.people.models import Person
from portal.referrals.models import Attachment, Referral, ReferralEvent
from portal.tenancy import context

from .factories import make_action, make_case, make_person, make_referral
from .network import VICTIM_LAST_NAME
from .referral_support import PDF


def declined(network, name, decided, **person_fields):
    person = make_person(network.tenants["a"], first_name="Prova", last_name=name, gender="male", **person_fields)
    make_referral(network.tenants["a"], network.users["a_operator"], person=person, state="declined",
                  decided_at=datetime(*decided, tzinfo=UTC))
    return person


def closed_case(network, name, closed):
    person = make_person(network.tenants["a"], first_name="Prova", last_name=name, citizenship_group="non_eu")
    referral = make_referral(network.tenants["a"], network.users["a_operator"], person=person, needs="Casa e lavoro")
    case = make_case(referral, case_worker=network.users["n1_case_worker"])
    make_action(case, notes=f"Chiamare {name} al mattino", outcome=f"{name} ha concluso il corso",
                status=ActionStatus.DONE, delivered_hours=Decimal("10"))
    with context.acting_as(case.tenant_id):
        from portal.extensions import db

        db.session.add(Verification(
            case_id=case.id, tenant_id=case.tenant_id, phase=VerificationPhase.INCLUSION, months_after=6,
            due_date=date(2019, 8, 1), done_on=date(2019, 8, 1), still_in_work=True,
            difficulties=f"{name} fatica con i turni", support_needed="Colloquio con il tutor",
            evidence=f"Busta paga di {name}",
        ))
        case.state = CaseState.CLOSED
        case.closed_at = datetime(*closed, tzinfo=UTC)
        entry = DiaryEntry(case_id=case.id, tenant_id=case.tenant_id, written_at=datetime(*closed, tzinfo=UTC))
        entry.text = "Nota riservata"
        db.session.add(entry)
        db.session.flush()
        earlier = DiaryRevision(entry_id=entry.id, tenant_id=case.tenant_id, written_at=entry.written_at,
                                replaced_at=entry.written_at)
        earlier.text = "Prima versione della nota"
        db.session.add(earlier)
        case.closure_reason = f"{name} ha trovato lavoro"
        referral.events.append(ReferralEvent(
            tenant_id=referral.tenant_id, node_id=referral.node_id, actor_id=network.users["n1_coordinator"].id,
            actor_tenant_id=case.tenant_id, from_state="submitted", to_state="accepted", message="Messaggio libero",
        ))
        from portal.extensions import db

        db.session.flush()
    return person, referral, case


def withdrawn(network, name, at):
    person = make_person(network.tenants["b"], first_name="Prova", last_name=name)
    referral = make_referral(network.tenants["b"], network.users["b_operator"], person=person, state="withdrawn")
    with context.acting_as(network.tenants["b"].id):
        referral.events.append(ReferralEvent(
            tenant_id=referral.tenant_id, node_id=referral.node_id, actor_id=network.users["b_operator"].id,
            actor_tenant_id=referral.tenant_id, at=datetime(*at, tzinfo=UTC), from_state="submitted", to_state="withdrawn",
        ))
        from portal.extensions import db

        db.session.flush()
    return person


def with_attachment(app, network, referral, tmp_path):
    """A real file in ATTACHMENT_DIR with its row, as an upload leaves them."""
    directory = tmp_path / "allegati"
    directory.mkdir(exist_ok=True)
    app.config["ATTACHMENT_DIR"] = str(directory)
    key = secrets.token_hex(24)
    (directory / key).write_bytes(PDF)
    with context.acting_as(referral.tenant_id):
        attachment = Attachment(
            referral_id=referral.id, tenant_id=referral.tenant_id, node_id=referral.node_id, filename="referto.pdf",
            content_type="application/pdf", size=len(PDF), storage_key=key, sha256="0" * 64,
            uploaded_by_id=network.users["a_operator"].id,
        )
        from portal.extensions import db

        db.session.add(attachment)
        db.session.flush()
    return attachment, directory / key


def run(app, today):
    result = app.test_cli_runner().invoke(args=["rete", "apply-retention", "--today", today])
    assert result.exit_code == 0, result.output
    return result.output


def test_retention_anonymises_past_due_and_keeps_holds_and_the_not_yet_due(app, network, session, tmp_path, monkeypatch):
    app.config["RETENTION_YEARS"] = 5
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", app.config["ATTACHMENT_DIR"])  # restored afterwards
    old = declined(network, "Vecchia", (2019, 1, 10))
    held = declined(network, "Bloccata", (2019, 1, 10))
    with context.acting_as(network.tenants["a"].id):
        held.legal_hold = True
        session.flush()
    recent = declined(network, "Recente", (2022, 6, 1))
    kept_by_date = declined(network, "Trattenuta", (2019, 1, 10))
    with context.acting_as(network.tenants["a"].id):
        kept_by_date.retain_until = date(2030, 1, 1)
        session.flush()
    closed, closed_referral, closed_case_ = closed_case(network, "Chiusa", (2020, 2, 1))
    gone = withdrawn(network, "Ritirata", (2020, 5, 5))
    attachment, attachment_file = with_attachment(app, network, closed_referral, tmp_path)
    kept_attachment, kept_file = with_attachment(app, network, network.referral, tmp_path)
    pseudonyms = {p.id: p.pseudonym for p in (old, held, recent, kept_by_date, closed, gone, network.person)}

    output = run(app, "2026-01-01")
    assert "3 persone anonimizzate" in output and "1 con blocco legale" in output

    session.expire_all()
    with context.acting_as(network.tenants["n1"].id):
        people = {p.id: p for p in session.scalars(select(Person))}
        for person in (old, closed, gone):
            p = people[person.id]
            assert p.anonymised_at is not None, p.pseudonym
            assert p.first_name_enc is p.last_name_enc is p.birth_year_enc is p.tax_code_enc is p.contact_enc is None
            assert p.tax_code_bidx is p.name_year_bidx is p.fuzzy_bidx is None
            assert p.pseudonym == pseudonyms[p.id]  # statistics keep the pseudonym ...
        assert people[old.id].gender.value == "male"  # ... and the monitoring attributes
        assert people[closed.id].citizenship_group.value == "non_eu"
        referral = session.get(Referral, closed_referral.id)
        assert referral.situation_enc is None and referral.needs_enc is None
        assert all(e.message is None for e in referral.events)
        case = session.get(Case, closed_case_.id)
        assert case.closure_reason is None
        [entry] = session.scalars(select(DiaryEntry).where(DiaryEntry.case_id == case.id)).all()
        assert entry.text_enc is None and [r.text_enc for r in entry.revisions] == [None]
        assert case.state == CaseState.CLOSED and case.closed_at is not None  # coded fields stay
        # Every free text that may identify the person is gone; the coded fields (hours, dates) stay.
        [action] = session.scalars(select(Action).where(Action.case_id == case.id)).all()
        assert action.notes is None and action.outcome is None
        assert action.delivered_hours == Decimal("10") and action.status == ActionStatus.DONE
        [verification] = session.scalars(select(Verification).where(Verification.case_id == case.id)).all()
        assert verification.difficulties is verification.support_needed is verification.evidence is None
        assert verification.still_in_work is True and verification.done_on == date(2019, 8, 1)
        # The attachments: rows and files deleted; another person's stay.
        assert session.scalars(select(Attachment).where(Attachment.referral_id == closed_referral.id)).all() == []
        assert not attachment_file.exists()
        assert session.get(Attachment, kept_attachment.id) is not None and kept_file.exists()
        assert referral.availability is None
        for person in (held, recent, kept_by_date, network.person):  # hold, not yet due, retain_until, open case
            assert people[person.id].anonymised_at is None
            assert people[person.id].last_name
        assert people[network.person.id].last_name == VICTIM_LAST_NAME
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "person.anonymised.retention")).all()
        assert sorted(int(e.object_id) for e in events) == sorted([old.id, closed.id, gone.id])
        assert all(e.actor_user_id is None and e.tenant_id == network.tenants["n1"].id for e in events)
        assert all("Chiusa" not in " ".join(e.fields) for e in events)
        [closed_event] = [e for e in events if e.object_id == str(closed.id)]
        assert {"action.notes", "action.outcome", "verification.difficulties", "verification.support_needed",
                "verification.evidence", "case.closure_reason", "referral.attachments"} <= set(closed_event.fields)

    # The clock moves on: the recent one falls due on 2027-06-01, not a day before; a second run is idempotent.
    assert "0 persone anonimizzate" in run(app, "2027-05-31")
    assert "1 persone anonimizzate" in run(app, "2027-06-01")
    session.expire_all()
    with context.acting_as(network.tenants["n1"].id):
        assert session.get(Person, recent.id).anonymised_at is not None
        assert session.get(Person, held.id).anonymised_at is None


def test_retention_period_is_configurable(app, network, session):
    old = declined(network, "Configurabile", (2019, 1, 10))
    app.config["RETENTION_YEARS"] = 10
    try:
        run(app, "2026-01-01")
        session.expire_all()
        with context.acting_as(network.tenants["n1"].id):
            assert session.get(Person, old.id).anonymised_at is None
        run(app, "2029-01-10")
        session.expire_all()
        with context.acting_as(network.tenants["n1"].id):
            assert session.get(Person, old.id).anonymised_at is not None
    finally:
        app.config["RETENTION_YEARS"] = 5


def test_anonymisation_clears_the_budget_and_alert_notes_about_the_person(network, session):
    """Free texts other domains keep about the person's case go too: grant reasons, delivery and review
    notes, alert resolution notes (amounts, dates and states stay for the accounts and the statistics)."""
    from portal.alerts.models import AlertState
    from portal.budget.models import Delivery, IdentityGrant
    from portal.people.gdpr import anonymise

    from .alerts_support import victim_alert
    from .budget_support import budget_of, make_contract, make_delivery, make_grant, make_order

    p = network.tenants["p"]
    grant = make_grant(network.case, p, reason="Colloquio con la signora Rossi")
    order = make_order(make_contract(network, budget_of(network), p, cig="ANONIMO001"), network.action)
    delivery = make_delivery(order)
    alert = victim_alert(network)
    with context.acting_as(network.tenants["n1"].id):
        delivery.review_note = "Rivedere con la signora Rossi"
        alert.state, alert.resolution_note = AlertState.RESOLVED, "Chiamata la signora Rossi"
        session.flush()
        cleared = anonymise(session.get(Person, network.person.id), reason="test")
        session.expire_all()
        assert session.get(IdentityGrant, grant.id).reason == ""
        kept = session.get(Delivery, delivery.id)
        assert kept.note is None and kept.review_note is None and kept.amount > 0
        assert session.get(type(alert), alert.id).resolution_note is None
    assert {"identity_grant.reason", "delivery.note", "delivery.review_note", "alert.resolution_note"} <= set(cleared)
