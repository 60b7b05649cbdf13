"""``flask rete ...``: maintenance commands. They run as the schema owner (see create_owner_app).

Every job cron may start is ``@runs_alone``: with the same crontab on several hosts, one run does the work.
"""
import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .extensions import db
from .i18n import local_today
from .joblock import runs_alone
from .tenancy import context


@click.group("rete")
def rete():
    """Rete maintenance commands."""


TODAY = click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                     help="Reference day (YYYY-MM-DD); default: today.")


def job(name: str):
    """Register a command cron may start: with the app, and ``@runs_alone`` (decorators below it, such as
    click options, are the command's own)."""
    def register(command):
        return rete.command(name)(with_appcontext(runs_alone(command)))
    return register


def _as_system(name: str, work, *args):
    """``work(*args)`` acting as the system (``name`` in the audit), what it did committed; its result."""
    with context.system(name):
        result = work(*args)
        db.session.commit()
    return result


@rete.command("seed-demo")
@with_appcontext
def seed_demo():
    """Seed the fictitious demo network (idempotent: a second run adds nothing)."""
    from .seed import seed_all

    report = _as_system("seed-demo", seed_all)
    for line in report:
        click.echo(line)


@job("region-refresh")
def region_refresh():
    """Recompute every node's summary for its regional centre (each node's rows read as that node), then
    release each closed quarter whose day has come (REGION_RELEASE_DELAY_DAYS after its end), once."""
    from .i18n import local_today
    from .region.releases import refresh_and_publish

    lines = _as_system("region-refresh", refresh_and_publish, local_today())
    for line in lines:
        click.echo(line)


@job("audit-verify")
@click.option("--heads", "exports", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="An export of audit-export-heads to check against (repeatable): catches a rewritten chain.")
def audit_verify(exports):
    """Recompute the audit hash chains; exit 1 if any event was altered or removed."""
    from .audit.services import verify_chains

    with context.system("audit-verify"):
        problems = verify_chains()
        if exports:
            problems += _check_head_exports(exports)
    if problems:
        for problem in problems:
            click.echo(f"ALTERATO: {problem}", err=True)
        sys.exit(1)
    click.echo("Registro degli accessi integro.")


def _heads_key() -> str:
    key = current_app.config.get("AUDIT_HEADS_KEY")
    if not key or len(key) < 32:
        click.echo("AUDIT_HEADS_KEY non impostata (almeno 32 caratteri casuali).", err=True)
        sys.exit(2)
    return key


def _check_head_exports(paths) -> list[str]:
    from .audit.anchors import check_export

    key = _heads_key()
    problems = []
    for path in paths:
        try:
            document = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            problems.append(f"{path}: illeggibile ({exc})")
            continue
        problems += [f"{path}: {problem}" for problem in check_export(document, key)]
    return problems


@job("audit-export-heads")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Default: AUDIT_HEADS_DIR/audit-heads-<UTC time>.json")
def audit_export_heads(output):
    """Write the signed heads of every audit chain (daily from cron; keep the files off the database host)."""
    from .audit.anchors import export_heads

    key = _heads_key()
    with context.system("audit-export-heads"):
        document = export_heads(key)
    if output is None:
        stamp = document["exported_at"].replace(":", "").replace("+0000", "Z")
        output = Path(current_app.config["AUDIT_HEADS_DIR"]) / f"audit-heads-{stamp}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    click.echo(f"Teste di {len(document['heads'])} catene del registro esportate in {output}")


@job("backup")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Default: BACKUP_DIR/rete-<UTC time>.dump (.sqlite on SQLite)")
def backup_command(output):
    """Back the database up as the owner: pg_dump --format=custom (SQLite: an online copy)."""
    from datetime import UTC, datetime

    from .backup import BackupError, backup

    url = current_app.config["DATABASE_OWNER_URL"]
    if output is None:
        suffix = ".sqlite" if url.startswith("sqlite") else ".dump"
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        output = Path(current_app.config["BACKUP_DIR"]) / f"rete-{stamp}{suffix}"
    try:
        backup(url, output)
    except BackupError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(f"Copia di sicurezza scritta in {output} ({output.stat().st_size} byte)")


@job("budget-verify")
def budget_verify():
    """Compare what triggers keep — delivery totals, provider actions' delivered figures — with the
    deliveries themselves; exit 1 on any difference."""
    from .budget import delivered
    from .budget.totals import drift

    with context.system("budget-verify"):
        problems = drift()
        actions = delivered.drift()
    for contract_id, status, kept_n, kept, real_n, real in problems:
        click.echo(f"DIVERSO: contratto {contract_id} stato {status}: tenuto {kept_n}/{kept}, reale {real_n}/{real}", err=True)
    for action_id, kept, real in actions:
        click.echo(f"DIVERSO: azione {action_id}: erogato tenuto {kept[0]} h, {kept[2]} incontri ({kept[3]} presenze), "
                   f"dalle prestazioni approvate {real[0]} h, {real[2]} incontri ({real[3]} presenze)", err=True)
    if problems or actions:
        sys.exit(1)
    click.echo("Totali delle prestazioni coerenti con le prestazioni.")
    click.echo("Ore erogate delle azioni coerenti con le prestazioni approvate.")


@job("monitoring-verify")
def monitoring_verify():
    """Compare the monitoring summaries the triggers keep — actions by day, case facts, referrals by month —
    and the case worker copied onto the actions with the actions, referrals and cases themselves; exit 1 on
    any difference."""
    from .cases import action_worker
    from .monitoring import referral_summary, summaries

    with context.system("monitoring-verify"):
        actions = summaries.drift()
        referrals = referral_summary.drift()
        workers = action_worker.drift()
    for kind, key, kept, real in actions:
        click.echo(f"DIVERSO: azioni ({kind}) {key}: tenuto {kept}, reale {real}", err=True)
    for node, month, key, value, kept, real in referrals:
        click.echo(f"DIVERSO: segnalazioni del nodo {node}, {month}, {key} = {value}: tenuto {kept}, reale {real}", err=True)
    for action_id, kept, real in workers:
        click.echo(f"DIVERSO: azione {action_id}: case manager tenuto {kept}, del caso {real}", err=True)
    if actions or referrals or workers:
        sys.exit(1)
    click.echo("Riepiloghi del monitoraggio coerenti con azioni e segnalazioni.")


@job("remind-stale")
@click.option("--days", type=int, default=None, help="Days without a decision (default REFERRAL_STALE_DAYS).")
def remind_stale(days):
    """E-mail each node about referrals waiting for a decision too long (once per period)."""
    from .referrals.reminders import remind_stale as send_reminders

    sent = _as_system("remind-stale", send_reminders, days)
    click.echo(f"Promemoria inviati: {sent}")


@job("rotate-keys")
@click.option("--batch-size", default=200, show_default=True, help="Rows re-encrypted per transaction.")
def rotate_keys(batch_size):
    """Re-encrypt every encrypted field of every model, and seal every stored file, with the active key (first
    of RETE_DATA_KEYS); files stored before files were sealed are sealed too."""
    from .audit.services import record
    from .core.sealing import reseal_all
    from .crypto import active_key_id, rotate_all

    with context.system("rotate-keys"):
        counts, failures = rotate_all(batch_size)
        if counts:
            record("keys.rotated", "data_key", active_key_id(), sorted(counts))
            db.session.commit()
        sealed, file_failures = reseal_all(batch_size)
        failures += file_failures
        if sealed:
            record("keys.rotated", "data_key", active_key_id(), ["files"])
            db.session.commit()
    for name, count in counts.items():
        click.echo(f"{name}: {count} valori cifrati di nuovo con la chiave {active_key_id()}")
    if sealed:
        click.echo(f"File: {sealed} cifrati di nuovo con la chiave {active_key_id()}")
    if not counts and not sealed:
        click.echo(f"Nessun valore da cifrare di nuovo: tutto è già cifrato con la chiave {active_key_id()}.")
    if failures:
        for failure in failures:
            click.echo(f"NON DECIFRABILE: {failure}", err=True)
        sys.exit(1)
    if not current_app.config["SEALED_FILES_ONLY"]:
        click.echo("Ogni file è cifrato: RETE_SEALED_FILES_ONLY=1 rifiuterà d'ora in poi un file senza sigillo.")


@job("apply-retention")
@TODAY
def apply_retention(today):
    """Anonymise the people whose retention period (RETENTION_YEARS) is over, except legal holds."""

    from .people.gdpr import apply_retention as run

    day = today.date() if today else local_today()
    report = _as_system("apply-retention", run, day)
    click.echo(
        f"Conservazione al {day.isoformat()}: {len(report['anonymised'])} persone anonimizzate, "
        f"{report['held']} con blocco legale, {report['kept']} ancora da conservare."
    )
    for pseudonym in report["anonymised"]:
        click.echo(f"anonimizzata: {pseudonym}")


@job("erase-public-reports")
@TODAY
def erase_public_reports(today):
    """Erase the public reports closed, converted or unanswered for PUBLIC_REPORT_RETENTION_DAYS (texts, identity, thread, files, code)."""
    from datetime import UTC, datetime

    from .reports.retention import erase_expired

    now = datetime.combine(today.date(), datetime.min.time(), UTC) if today else None
    totals = _as_system("erase-public-reports", erase_expired, now)
    click.echo(f"Segnalazioni pubbliche cancellate: {totals['reports']} (messaggi: {totals['messages']}, "
               f"file: {totals['files']}).")


@job("expire-imports")
def expire_imports():
    """Delete the import batches that created nothing and were left IMPORT_UNFINISHED_KEEP_DAYS (default 7), the
    file's content with them; drop the file's content of imports left unconfirmed as long; close the imports
    stopped for a day (the worker died), their file's content dropped."""
    from .imports.unfinished import expire_all

    done = _as_system("expire-imports", expire_all)
    click.echo(f"Importazioni interrotte chiuse: {done['stalled']}")
    click.echo(f"Importazioni non eseguite eliminate: {done['deleted']}")
    click.echo(f"Importazioni non confermate, contenuto del file eliminato: {done['rows_dropped']}")


@job("forum-digest")
def forum_digest():
    """E-mail the daily forum digest to users who chose it (threads with new posts since the last one)."""
    from .forum.notify import send_digest

    sent = _as_system("forum-digest", send_digest)
    click.echo(f"Riepiloghi del forum inviati: {sent}")


@job("evaluate-alerts")
@TODAY
def evaluate_alerts(today):
    """Evaluate the alert rules for every node (acting as each), e-mail the new alerts to their owners."""
    from .alerts.jobs import evaluate_all

    for line in evaluate_all(today.date() if today else None):
        click.echo(line)


@job("alerts-digest")
def alerts_digest():
    """E-mail the daily alert summary: case workers, coordinators and data protection officers of each node."""
    from .alerts.jobs import digest_all

    click.echo(f"Riepiloghi delle allerte inviati: {digest_all()}")


@job("send-outbox")
@click.option("--limit", default=500, show_default=True, help="Most e-mails sent in this run.")
def send_outbox(limit):
    """Send the e-mails due in the outbox (run every few minutes from cron); retries back off, then fail."""
    from flask import current_app

    from .notifications.outbox import send_due

    sent, left, purged = send_due(limit, current_app.config["OUTBOX_KEEP_DAYS"])
    click.echo(f"E-mail inviate: {sent}; ancora in attesa: {left}; eliminate perché inviate da tempo: {purged}")


@job("send-webhooks")
@click.option("--limit", default=500, show_default=True, help="Most deliveries attempted in this run.")
def send_webhooks(limit):
    """Send the webhook deliveries due (run every minute from cron); retries back off, then fail."""
    from .api.webhooks import send_due

    sent, left = send_due(limit)
    click.echo(f"Webhook consegnati: {sent}; ancora in attesa: {left}")
