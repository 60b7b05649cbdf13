"""Two node users convert the same public report at the same instant (PostgreSQL, two connections): the second
waits for the first's lock on the report and finds it converted (409, the conflict page), one referral only.
Without the lock both passed the version check and the second died on the referral's unique key (a 500)."""
import pytest
import sqlalchemy as sa

from .conftest import DB_KIND
from .helpers import csrf_from, log_in
from .race_support import race, race_app, status
from .report_support import submit

pytestmark = pytest.mark.skipif(DB_KIND != "postgresql", reason="row locks across two connections: PostgreSQL")


@pytest.fixture(scope="module")
def shared(tmp_path_factory, mail_server):
    def seed(net):
        return {k: net.users[k].email for k in ("n1_coordinator", "n1_case_worker")}

    with race_app(tmp_path_factory, mail_server, "report_race", seed) as shared:
        yield shared


def test_two_conversions_at_once_make_one_referral_and_a_conflict(shared):
    app, _database, inspector, emails = shared
    with app.app_context():
        assert submit(app.test_client())[1]
    with inspector.connect() as connection:
        report_id, version = connection.execute(
            sa.text("SELECT id, version FROM public_reports ORDER BY id DESC LIMIT 1")).one()
    url = f"/segnalazioni-pubbliche/{report_id}"
    posts = []
    for key in ("n1_coordinator", "n1_case_worker"):
        client = app.test_client()
        assert log_in(client, emails[key]).status_code == 302
        token = csrf_from(client.get(url).get_data(as_text=True))
        posts.append(lambda client=client, token=token: client.post(f"{url}/converti",
                                                                   data={"csrf_token": token, "version": version}))
    outcomes = race(shared, posts[0], "INSERT INTO referrals", posts[1])
    assert outcomes["waited"]
    assert [status(outcomes["first"]), status(outcomes["second"])] == [302, 409]
    with inspector.connect() as connection:
        assert connection.execute(sa.text(
            "SELECT count(*) FROM referrals WHERE submission_key LIKE 'public-report-%'")).scalar() == 1
