"""``flask rete seed-demo`` as ``make run`` calls it: as the owner, on a fresh database, twice.

The whole demo (network, people and cases, Azione 2 budget...) must load and a second run add nothing.
"""
import contextlib
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import and_, func, or_, select

from portal import create_app
from portal.accounts.models import Membership, Role, User
from portal.budget import figures
from portal.budget.models import Budget, Contract, Delivery, ServiceOrder
from portal.cases.models import Action, Case, CaseState, OfficeReferral, OfficeReferralState
from portal.extensions import db
from portal.models_base import utcnow
from portal.people.models import Person
from portal.referrals.models import Referral, ReferralState
from portal.seed.logins import main as print_logins
from portal.seed.network import ANTENNAS, USERS
from portal.tenancy import context
from portal.tenancy.models import Tenant

from .conftest import Database

COUNTED = (Tenant, User, Membership, Person, Referral, Case, Budget, Contract, ServiceOrder, Delivery, OfficeReferral)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    database = Database(tmp_path_factory, "seed")
    database.migrate()
    app = create_app({"SQLALCHEMY_DATABASE_URI": database.owner_url, "DATABASE_OWNER_URL": database.owner_url}, owner=True)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["rete", "seed-demo"])
    with app.app_context(), context.system("test"):
        counts = {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in COUNTED}
    second = runner.invoke(args=["rete", "seed-demo"])
    yield app, first, second, counts
    with app.app_context():
        db.engine.dispose()
    database.drop()


def test_second_run_adds_nothing(seeded):
    app, first, second, counts = seeded
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    with app.app_context(), context.system("test"):
        again = {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in COUNTED}
    assert again == counts
    assert "0 organizzazioni e 0 utenti" in second.output


def test_network_from_the_document(seeded):
    app, _, _, counts = seeded
    assert counts["Tenant"] >= len(ANTENNAS) + 1 and counts["User"] >= len(USERS)
    with app.app_context(), context.system("test"):
        node = db.session.scalar(select(Tenant).where(Tenant.slug == "provincia-novara"))
        names = set(db.session.scalars(select(Tenant.name).where(Tenant.node_id == node.id)))
    for expected in ("Comune di Novara", "Comune di Cameri", "Comune di Arona", "Questura di Novara", "Tribunale di Novara"):
        assert expected in names
    # The Provincia's own offices the plan names, each of its kind, in Novara's network.
    with app.app_context(), context.system("test"):
        kinds = {k.value for k in db.session.scalars(select(Tenant.kind).where(Tenant.node_id == node.id))}
    assert {"employment_centre", "education_guidance_office", "labour_office", "equality_advisor"} <= kinds


def test_each_office_has_an_operator_and_cpi_novara_a_person_to_take_in_charge(seeded):
    app, _, _, counts = seeded
    offices = ("cpi-novara", "cpi-borgomanero", "provincia-istruzione", "provincia-lavoro")
    with app.app_context(), context.system("test"):
        for slug in offices:
            roles = set(db.session.scalars(select(Membership.role).join(Tenant, Tenant.id == Membership.tenant_id)
                                           .where(Tenant.slug == slug, Membership.active)))
            assert Role.ANTENNA_OPERATOR in roles, slug
        cpi = db.session.scalar(select(Tenant).where(Tenant.slug == "cpi-novara"))
        [row] = db.session.scalars(select(OfficeReferral).where(OfficeReferral.peer_id == cpi.id))
        assert row.state == OfficeReferralState.REFERRED
        action = db.session.get(Action, row.action_id)
        assert action.office_id == cpi.id and action.pseudonym == row.pseudonym
    assert counts["OfficeReferral"] == 1
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        print_logins()
    assert all(f"{slug}.example" in printed.getvalue() for slug in offices)
    # the README's logins, the regional centre's and the second provider's among them
    for email in ("coordinatrice@regione.piemonte.example", "analista@regione.piemonte.example",
                  "rpd@regione.piemonte.example", "operatore@lavoro-insieme.example"):
        assert email in printed.getvalue()


def test_people_in_every_state(seeded):
    app, _, _, counts = seeded
    assert counts["Person"] >= 40
    with app.app_context(), context.system("test"):
        referral_states = set(db.session.scalars(select(Referral.state).distinct()))
        case_states = set(db.session.scalars(select(Case.state).distinct()))
    assert referral_states == set(ReferralState)
    # "transferred" only through a real transfer between two nodes, which the demo leaves to its users
    assert case_states == set(CaseState) - {CaseState.TRANSFERRED}


def test_nothing_the_demo_shows_as_done_is_dated_after_today(seeded):
    """The demo's dates are counted from each referral's day: whatever it shows as happened — an action done, a
    delivery, a verification's outcome, a case closed, a cost spent — happened by today (only what is planned
    or due may lie ahead), whatever the day the demo is seeded."""
    from portal.budget.models import InternalCost, Invoice, Payment
    from portal.cases.models import ActionStatus, DiaryEntry, Verification
    from portal.referrals.models import ReferralEvent

    app = seeded[0]
    today, now = date.today(), utcnow() + timedelta(minutes=1)  # the seed ran a moment ago

    def future(model, *conditions):
        return [(model.__name__, row_id) for row_id in db.session.scalars(select(model.id).where(or_(*conditions)))]

    with app.app_context(), context.system("test"):
        found = (
            future(Action, and_(Action.status == ActionStatus.DONE,
                                or_(Action.delivered_on > today, Action.planned_end > today)))
            + future(Delivery, Delivery.delivered_on > today)
            + future(Verification, Verification.done_on > today, and_(Verification.done_on.is_not(None),
                                                                       Verification.start_date > today))
            + future(Case, Case.opened_at > now, Case.closed_at > now)
            + future(Referral, Referral.submitted_at > now, Referral.decided_at > now,
                     Referral.created_at > Referral.submitted_at)  # written before it was sent
            + future(ReferralEvent, ReferralEvent.at > now) + future(DiaryEntry, DiaryEntry.written_at > now)
            + future(InternalCost, InternalCost.spent_on > today) + future(Invoice, Invoice.issued_on > today)
            + future(Payment, Payment.paid_on > today)
        )
        done = db.session.scalar(select(func.count(Action.id)).where(Action.status == ActionStatus.DONE))
        closed = db.session.scalar(select(func.count(Case.id)).where(Case.closed_at.is_not(None)))
    assert found == []
    assert done > 20 and closed >= 5  # the demo still shows pathways under way and done


def test_azione_2_budget_with_its_difference(seeded):
    app, first, _, counts = seeded
    with app.app_context(), context.system("test"):
        budget = db.session.scalar(select(Budget).where(Budget.code == "azione-2"))
        assert budget.declared_total == Decimal("126858.84")
        assert [(line.title, line.allocated) for line in budget.lines] == [
            ("Obiettivi e risultati attesi", Decimal("120858.40")), ("Controlli e monitoraggio", Decimal("6000.00"))]
        overview = figures.overview(budget)
        assert overview.lines_total == Decimal("126858.40") and overview.difference == Decimal("0.44")
        assert db.session.scalar(select(User).where(User.email == "operatore@lavoro-insieme.example")) is not None
        # Seeded provider actions take their delivered hours from their approved deliveries (budget-verify clean).
        from portal.budget import delivered, totals

        assert delivered.drift() == [] and totals.drift() == []
        assert db.session.scalar(select(Action).where(Action.provider_id.is_not(None), Action.delivered_hours > 0)) is not None
    assert counts["Contract"] == 2 and counts["ServiceOrder"] > 0 and counts["Delivery"] > 0
    assert "2 contratti" in first.output


def test_regione_piemonte_above_the_eight_nodes(seeded):
    from portal.region.models import RegionSummary
    from portal.seed.region import NODES
    from portal.seed.region import USERS as REGION_USERS
    from portal.tenancy.models import TenantKind

    app, _, second, _ = seeded
    assert "0 nodi, 0 utenti regionali e 0 segnalazioni" in second.output
    with app.app_context(), context.system("test"):
        region = db.session.scalar(select(Tenant).where(Tenant.slug == "regione-piemonte"))
        assert region.kind == TenantKind.REGIONAL_CENTRE
        nodes = db.session.scalars(select(Tenant).where(Tenant.region_id == region.id)).all()
        assert {n.slug for n in nodes} == {"provincia-novara", *(slug for slug, *_ in NODES)}
        assert all(len(n.antennas) >= 2 for n in nodes)
        roles = {m.role for m in db.session.scalars(select(Membership).where(Membership.tenant_id == region.id))}
        assert roles == {role for *_, role in REGION_USERS}
        summarised = set(db.session.scalars(select(RegionSummary.tenant_id).where(RegionSummary.region_id == region.id)))
        # Vercelli has a coordinator and a case worker: a case can be transferred there and continued.
        vercelli = db.session.scalar(select(Tenant).where(Tenant.slug == "provincia-vercelli"))
        staff = {m.role for m in db.session.scalars(select(Membership).where(Membership.tenant_id == vercelli.id))}
        assert {Role.COORDINATOR, Role.CASE_WORKER} <= staff
    assert len(summarised) == 8  # every node has summary rows for the region after seeding
    assert "Nodo di Vercelli: 0 utenti" in second.output


def test_the_regional_page_has_shapes_on_first_start(seeded):
    from datetime import date

    from portal.region.releases import region_view

    app, *_ = seeded
    with app.app_context(), context.system("test"):
        region = db.session.scalar(select(Tenant).where(Tenant.slug == "regione-piemonte"))
        region_id = region.id
    with app.app_context():
        context.activate(region_id, None, regional=True)
        try:
            view = region_view(db.session.get(Tenant, region_id), None, date.today())
        finally:
            context.reset()
    assert view.quarter is not None and len(view.nodes) == 8
    published = [t.published(k) for t in view.tables for k in t.keys]
    assert any(v is not None and v >= 5 for v in published)  # not everything is suppressed
