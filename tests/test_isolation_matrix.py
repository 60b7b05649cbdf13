"""Every route, as every role of every other tenant, aimed at the victim's data: 403/404, no leaks."""
import pytest
from flask import url_for

from portal.audit.services import record
from portal.tenancy import context

from .helpers import csrf_token
from .isolation import MATRIX
from .network import ATTACKERS, NODE_ATTACKERS

VICTIM_MARK = "VITTIMA-SEGRETO-7731"


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = endpoints - set(MATRIX)
    assert not missing, f"add these routes to tests/isolation.py: {sorted(missing)}"
    stale = set(MATRIX) - endpoints
    assert not stale, f"routes no longer exist, remove them from tests/isolation.py: {sorted(stale)}"


def _victim_secrets(network, victim: str) -> list[str]:
    tenants = ("a",) if victim == "a" else ("n1",)
    return network.secrets_of(*tenants) + [VICTIM_MARK]


@pytest.mark.parametrize("attacker", sorted(set(ATTACKERS) | set(NODE_ATTACKERS)))
def test_routes_as_attacker(app, login, network, attacker):
    for victim in ("a", "n1"):
        with context.acting_as(network.tenants[victim].id):
            record("probe.secret", "probe", VICTIM_MARK)
    client = login(attacker)
    token = csrf_token(client, "/profilo/password")
    failures = []
    for rule in app.url_map.iter_rules():
        spec = MATRIX[rule.endpoint]
        if attacker not in (ATTACKERS if spec.victim == "a" else NODE_ATTACKERS):
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **(spec.args(network) if spec.args else {}))
        methods = {"GET", "POST", "DELETE"} if spec.api else {"GET", "POST"}
        for method in sorted(rule.methods & methods):
            if spec.api:  # the attacker organisation's own system, with every scope it may be granted
                # (a regional centre has no API clients: it calls without a key)
                headers = ({} if attacker.startswith("r_") else
                           __import__("tests.api_support", fromlist=["x"]).headers_for(network, attacker.split("_")[0]))
                body = spec.form(network) if spec.form else {}
                response = client.open(url, method=method, headers=headers, json=body if method == "POST" else None)
            elif method == "POST":
                data = {**(spec.form(network) if spec.form else {}), "csrf_token": token}
                response = client.post(url, data=data)
            else:
                response = client.get(url)
            body = response.get_data(as_text=True)
            where = f"{method} {url} ({rule.endpoint})"
            if response.status_code >= 500:
                failures.append(f"{where}: {response.status_code}")
            refusals = (401, 403, 404) if spec.api and attacker.startswith("r_") else (403, 404)  # keyless: 401
            if spec.kind == "foreign" and response.status_code not in refusals:
                failures.append(f"{where}: expected 403/404, got {response.status_code}")
            shown = spec.shows(network) if spec.shows else []
            leaked = [s for s in _victim_secrets(network, spec.victim) if s in body and s not in shown]
            if leaked:
                failures.append(f"{where}: leaked {leaked}")
        if rule.endpoint == "accounts.logout":
            client = login(attacker)  # logged out by the POST: log back in for the rest
            token = csrf_token(client, "/profilo/password")
    assert not failures, "\n".join(failures)
