"""A referral records the information point it came from (only an active point of the antenna), and the
node's monitoring groups referrals by it."""
from datetime import date

from portal.directory.models import InformationPoint
from portal.extensions import db
from portal.monitoring.filters import Filters
from portal.monitoring.queries import referrals_by_information_point
from portal.referrals.models import Referral
from portal.tenancy import context

from .factories import make_referral
from .forum_support import victim_entry
from .helpers import csrf_token


def _form(client, **over):
    data = {"first_name": "Nadia", "last_name": "Provapunto", "context": "work", "action": "save",
            "csrf_token": csrf_token(client, "/segnalazioni/nuova")}
    data.update(over)
    return data


def test_the_form_offers_the_antennas_active_points_only(login, network):
    entry = victim_entry(network)
    active = entry.points[0]
    waiting = InformationPoint(entry_id=entry.id, name="Sportello in attesa", active=False)
    db.session.add(waiting)
    db.session.flush()
    operator = login("a_operator")
    page = operator.get("/segnalazioni/nuova").get_data(as_text=True)
    assert "Punto di prova" in page and "Sportello in attesa" not in page
    assert "Punto di prova" not in login("b_operator").get("/segnalazioni/nuova").get_data(as_text=True)
    response = operator.post("/segnalazioni/nuova", data=_form(operator, information_point_id=str(waiting.id)))
    assert response.status_code in (200, 400) and "Nadia" in response.get_data(as_text=True)  # refused, input kept
    response = operator.post("/segnalazioni/nuova", data=_form(operator, information_point_id=str(active.id)))
    assert response.status_code == 302
    referral_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    with context.acting_as(network.tenants["a"].id):
        assert db.session.get(Referral, referral_id).information_point_id == active.id


def test_monitoring_groups_referrals_by_information_point(network):
    point = victim_entry(network).points[0]
    make_referral(network.tenants["a"], network.users["a_operator"], information_point_id=point.id)
    with context.acting_as(network.tenants["n1"].id):
        rows = referrals_by_information_point(Filters(start=date(date.today().year, 1, 1), end=date.today()))
    assert ("Antenna Alfa", "Punto di prova", 1) in rows
    assert ("Antenna Alfa", None, 1) in rows  # the network's own referral, from the antenna's desk


def test_a_point_named_by_referrals_is_taken_out_not_deleted(login, network):
    entry = victim_entry(network)
    point = entry.points[0]
    make_referral(network.tenants["a"], network.users["a_operator"], state="draft", information_point_id=point.id)
    admin = login("a_admin")
    page = f"/rete/{entry.id}"
    response = admin.post(f"{page}/punti/{point.id}/elimina", data={"csrf_token": csrf_token(admin, page)})
    assert response.status_code == 302
    db.session.refresh(point)
    assert point.active is False
    assert "Punto di prova" not in login("b_operator").get(page).get_data(as_text=True)
