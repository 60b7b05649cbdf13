"""``flask rete ...``: maintenance commands. They run as the schema owner (see create_owner_app)."""
import sys

import click
from flask.cli import with_appcontext

from .extensions import db
from .tenancy import context


@click.group("rete")
def rete():
    """Rete maintenance commands."""


@rete.command("seed-demo")
@with_appcontext
def seed_demo():
    """Seed the fictitious demo network (idempotent: a second run adds nothing)."""
    from .seed import seed_all

    with context.system("seed-demo"):
        report = seed_all()
        db.session.commit()
    for line in report:
        click.echo(line)


@rete.command("audit-verify")
@with_appcontext
def audit_verify():
    """Recompute the audit hash chains; exit 1 if any event was altered or removed."""
    from .audit.services import verify_chains

    with context.system("audit-verify"):
        problems = verify_chains()
    if problems:
        for problem in problems:
            click.echo(f"ALTERATO: {problem}", err=True)
        sys.exit(1)
    click.echo("Registro degli accessi integro.")
