"""Alert e-mails through the real SMTP test server: new alerts to their owner after the job,
the daily digest; only pseudonyms, never names, notes or case details."""
from email.header import decode_header, make_header

from portal.alerts.jobs import digest_all, evaluate_node
from portal.alerts.models import Rule

from .network import VICTIM_FIRST_NAME, VICTIM_LAST_NAME, VICTIM_TAX_CODE
from .test_alerts_rules import alerts, stale_referral

PERSONAL = [VICTIM_FIRST_NAME, VICTIM_LAST_NAME, VICTIM_TAX_CODE, "velo"]


def _subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def _by_recipient(mailbox, count):
    return {m["To"]: m for m in mailbox.wait_for(count)}


def _people(net):
    """Read before the job commits (afterwards the test's objects are expired, and RLS hides them)."""
    return {key: (net.users[key].email, net.users[key].full_name) for key in ("n1_case_worker", "n1_coordinator", "n2_coordinator")}


def test_new_alerts_mail_the_case_worker_and_the_coordinators(app, network, mailbox):
    stale_referral(network)  # owned by the coordination
    users, pseudonym = _people(network), network.case.pseudonym
    counts = evaluate_node(network.tenants["n1"].id)  # the network's action is overdue: the case worker's
    assert counts["opened"] == 2 and counts["emails"] == 2
    messages = _by_recipient(mailbox, 2)
    worker = messages[users["n1_case_worker"][0]]
    coordinator = messages[users["n1_coordinator"][0]]
    body = mailbox.body(worker)
    assert pseudonym in body and "Azione pianificata scaduta" in body
    assert f"/allerte/{alerts(network, Rule.ACTION_OVERDUE)[0].id}" in body
    assert "Segnalazione senza decisione" in mailbox.body(coordinator)
    assert _subject(worker) == "Rete – 1 nuova allerta"  # one alert: the singular
    for message in messages.values():
        text = mailbox.body(message) + _subject(message)
        assert not [s for s in PERSONAL + [users["n1_case_worker"][1]] if s in text]
    # Already notified: the next run sends nothing new.
    mailbox.messages.clear()
    assert evaluate_node(network.tenants["n1"].id)["emails"] == 0
    assert len(mailbox.wait_for(1, timeout=0.5)) == 0


def test_digest_summarises_open_alerts(app, network, mailbox):
    stale_referral(network)
    users, pseudonym = _people(network), network.case.pseudonym
    evaluate_node(network.tenants["n1"].id, notify=False)
    mailbox.messages.clear()
    with app.app_context():
        sent = digest_all()
    assert sent >= 2
    messages = _by_recipient(mailbox, sent)
    worker = mailbox.body(messages[users["n1_case_worker"][0]])
    coordinator = mailbox.body(messages[users["n1_coordinator"][0]])
    assert pseudonym in worker and "riepilogo quotidiano" in _subject(messages[users["n1_case_worker"][0]])
    assert "Segnalazione senza decisione: 1" in coordinator and "Azione pianificata scaduta: 1" in coordinator
    assert "Senza case manager" in coordinator
    for message in messages.values():
        assert not [s for s in PERSONAL if s in mailbox.body(message)]
    assert users["n2_coordinator"][0] not in messages


def test_cli_commands_run(app, network, mailbox, monkeypatch):
    """``flask rete evaluate-alerts`` and ``alerts-digest`` act as each node and print what they did."""
    import portal.alerts.jobs as jobs

    calls = []
    monkeypatch.setattr(jobs, "_nodes", lambda: [network.tenants["n1"].id])
    monkeypatch.setattr(jobs, "evaluate_node", lambda node_id, today=None: calls.append(node_id) or
                        {"opened": 1, "resolved": 2, "security": 0, "emails": 1})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["rete", "evaluate-alerts", "--today", "2026-11-25"])
    assert result.exit_code == 0, result.output
    # Each count agrees with its number ("1 allerta aperta", not "1 allerte aperte")
    assert "1 allerta aperta, 2 risolte automaticamente, 0 di sicurezza, 1 e-mail" in result.output
    assert calls == [network.tenants["n1"].id]
    result = runner.invoke(args=["rete", "alerts-digest"])
    assert result.exit_code == 0 and "Riepiloghi delle allerte inviati" in result.output
