"""The demo directory seed: an entry per organisation with ISTAT-known municipalities, the cabina di regia and
the protocol signatories as groups with a meeting and approved minutes; a second run adds nothing."""
import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.directory.models import DirectoryEntry
from portal.directory.municipalities import istat_of
from portal.extensions import db
from portal.governance.models import GroupMember, Meeting, Minutes, NetworkGroup
from portal.seed import directory as directory_seed
from portal.seed import network as network_seed
from portal.tenancy import context
from portal.tenancy.models import Tenant

from .conftest import Database

COUNTED = (DirectoryEntry, NetworkGroup, GroupMember, Meeting, Minutes)


@pytest.fixture(scope="module")
def seeded_app(tmp_path_factory):
    database = Database(tmp_path_factory, "dirseed")
    database.migrate()
    app = create_app({"SQLALCHEMY_DATABASE_URI": database.owner_url, "DATABASE_OWNER_URL": database.owner_url}, owner=True)
    with app.app_context(), context.system("test seed"):
        network_seed.seed()
        directory_seed.seed()
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()
    database.drop()


def _counts():
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in COUNTED}


def test_groups_from_the_document_and_idempotent(seeded_app):
    with seeded_app.app_context(), context.system("test"):
        before = _counts()
        directory_seed.seed()
        assert _counts() == before
        steering = db.session.scalar(select(NetworkGroup).where(NetworkGroup.name == "Cabina di regia"))
        names = {m.tenant.name for m in steering.members}
        assert {"Camera di Commercio di Novara", "Associazione Industriali di Novara",
                "Ufficio Scolastico Provinciale di Novara"} <= names
        signatories = db.session.scalar(select(NetworkGroup).where(NetworkGroup.kind == "signatories"))
        assert len(signatories.members) == 21 and "Questura di Novara" in {m.tenant.name for m in signatories.members}
        minutes = db.session.scalars(select(Minutes)).all()
        assert len(minutes) == 1 and minutes[0].approved_at is not None
        db.session.rollback()


def test_entries_carry_municipalities_known_to_istat(seeded_app):
    with seeded_app.app_context(), context.system("test"):
        rows = db.session.execute(select(Tenant.slug, DirectoryEntry.municipality_code).join(
            DirectoryEntry, DirectoryEntry.organisation_id == Tenant.id)).all()
        codes = dict(rows)
        assert istat_of(codes["comune-novara"]) == "003106"
        assert istat_of(codes["consorzio-castelletto"]) == "003043"  # "Castelletto sopra Ticino", ISTAT spelling


def test_the_demo_publishes_its_information_point(seeded_app):
    """The seeded point is active under an agreement in force: the public list of a fresh demo is not empty."""
    from portal.network.services import public_points

    with seeded_app.test_request_context():
        assert [point.name for point, _tenant in public_points()] == ["Punto informativo di Novara"]
