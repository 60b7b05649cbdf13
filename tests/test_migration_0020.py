"""Migration 0020 on a database with data: the outcome sentences stored in either language become codes (and
come back as Italian sentences on downgrade); forum posts confirmed with the old single tick appear among the
moderators' confirmations; sample-check adjustments keep the reviewer's note without a translated prefix."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from portal.extensions import db

from .migration_support import contract_at

SENTENCES = [
    ("Presa in carico dal nodo", "accepted", "taken_in_charge"),
    ("Accepted by the node", "accepted", "taken_in_charge"),
    ("Presa in carico – fase 1: inserimento lavorativo", "accepted", "phase_1"),
    ("Taken in charge – phase 1: job placement", "accepted", "phase_1"),
    ("Presa in carico – fase 2: inclusione socio-lavorativa", "accepted", "phase_2"),
    ("Taken in charge – phase 2: social and work inclusion", "accepted", "phase_2"),
    ("Percorso concluso", "accepted", "completed"),
    ("Pathway completed", "accepted", "completed"),
    ("Non presa in carico", "declined", "not_taken_in_charge"),
    ("Not accepted", "declined", "not_taken_in_charge"),
    ("Un testo scritto a mano", "declined", "not_taken_in_charge"),  # unknown text: from the referral's state
    (None, "submitted", None),
]


def _referral(conn, ids, n, summary, state):
    return conn.execute(text(
        "INSERT INTO referrals (tenant_id, node_id, person_id, created_by_id, uid, state, context, grounds, urgency,"
        " legal_basis_requested, submission_key, version, created_at, updated_at, outcome_summary) VALUES (:a, :n,"
        " :person, :u, :uid, :state, 'work', '[\"age\"]', 'normal', false, :key, 1, CURRENT_TIMESTAMP,"
        " CURRENT_TIMESTAMP, :summary) RETURNING id"),
        {**ids, "uid": f"m20-{n}", "key": f"m20-key-{n}", "state": state, "summary": summary}).scalar()


def _adjustments(conn, ids) -> dict:
    """A sample check with three discrepancies: reasons stored with the Italian, the English and no prefix."""
    check = conn.execute(text(
        "INSERT INTO sample_checks (tenant_id, provider_id, seed, population, population_digest, drawn_at, version,"
        " created_at, updated_at) VALUES (:node, :p, 1, 3, 'x', CURRENT_TIMESTAMP, 1, CURRENT_TIMESTAMP,"
        " CURRENT_TIMESTAMP) RETURNING id"), ids).scalar()
    for n, reason in enumerate((f"Controllo a campione n. {check}: Foglio firme mancante",
                                f"Sample check no. {check}: Missing signature sheet", "Nota: senza prefisso")):
        delivery = conn.execute(text(
            "INSERT INTO deliveries (tenant_id, provider_id, order_id, contract_id, delivered_on, units, unit_price,"
            " amount, attended, status, version, created_at, updated_at, times_returned) VALUES (:node, :p, :o, :c,"
            " CURRENT_DATE, 1, 10, 10, true, 'approved', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 0) RETURNING id"),
            ids).scalar()
        item = conn.execute(text(
            "INSERT INTO sample_check_items (tenant_id, check_id, delivery_id, position, outcome, version, created_at,"
            " updated_at) VALUES (:node, :check, :d, :n, 'discrepancy', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            " RETURNING id"), {**ids, "check": check, "d": delivery, "n": n}).scalar()
        conn.execute(text(
            "INSERT INTO delivery_adjustments (tenant_id, provider_id, delivery_id, contract_id, item_id, amount, reason,"
            " created_at, updated_at) VALUES (:node, :p, :d, :c, :item, 1, :reason, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
            {**ids, "d": delivery, "item": item, "reason": reason})
    return {"check": check}


def test_outcome_sentences_become_codes_and_old_confirmations_are_kept(migration_db):
    with contract_at("0015") as (conn, ids):
        ids.update(conn.execute(text(
            "SELECT person_id AS person, created_by_id AS u, tenant_id AS a, node_id AS n FROM referrals"
            " WHERE id = :referral"), ids).mappings().one())
        made = [(_referral(conn, ids, i, summary, state), code) for i, (summary, state, code) in enumerate(SENTENCES)]
        # The contract's referral has an open case: a text nobody knows takes the case's state.
        conn.execute(text("UPDATE referrals SET outcome_summary = 'Testo libero' WHERE id = :referral"), ids)
        conn.execute(text("UPDATE cases SET state = 'phase_1' WHERE referral_id = :referral"), ids)
        made.append((ids["referral"], "phase_1"))
        category = conn.execute(text("SELECT id FROM forum_categories ORDER BY id LIMIT 1")).scalar()
        thread = conn.execute(text(
            "INSERT INTO forum_threads (category_id, kind, title, author_user_id, author_tenant_id, locked, hidden,"
            " post_count, last_post_at, created_at, updated_at) VALUES (:c, 'discussion', 'T', :u, :a, false,"
            " false, 2, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id"),
            {**ids, "c": category}).scalar()
        for flags in ('["tax_code", "phone"]', '[]'):
            conn.execute(text(
                "INSERT INTO forum_posts (thread_id, author_user_id, author_tenant_id, body, body_html, search_text,"
                " personal_data_flags, hidden, has_attachments, created_at, updated_at) VALUES (:t, :u, :a, 'x',"
                " '<p>x</p>', 'x', :flags, false, false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                {**ids, "t": thread, "flags": flags})
        adjustments = _adjustments(conn, ids)
    upgrade(revision="heads")
    with db.engine.connect() as conn:
        codes = dict(conn.execute(text("SELECT id, outcome_code FROM referrals")).all())
        reasons = conn.execute(text("SELECT reason FROM delivery_adjustments ORDER BY id")).scalars().all()
        confirmations = conn.execute(text(
            "SELECT kind, field, value, confirmed_by_id FROM forum_personal_data_confirmations ORDER BY kind")).all()
    downgrade(revision="0015")
    with db.engine.connect() as conn:
        sentences = dict(conn.execute(text("SELECT id, outcome_summary FROM referrals")).all())
        reasons_back = conn.execute(text("SELECT reason FROM delivery_adjustments ORDER BY id")).scalars().all()
    check = adjustments["check"]
    assert reasons == ["Foglio firme mancante", "Missing signature sheet", "Nota: senza prefisso"]
    assert reasons_back == [f"Controllo a campione n. {check}: {r}" for r in reasons]
    assert {referral: codes[referral] for referral, _ in made} == dict(made)
    assert confirmations == [("phone", "post", "", ids["u"]), ("tax_code", "post", "", ids["u"])]
    assert sentences[made[1][0]] == "Presa in carico dal nodo"  # back in the default language
    assert sentences[made[-1][0]] == "Presa in carico – fase 1: inserimento lavorativo"
    assert sentences[made[-2][0]] is None
