"""Bad input answers 4xx, never 500: ids beyond the database's integer range, absurd page numbers and days, NUL
bytes (which PostgreSQL refuses in text) are stopped at the edge or on their field, for every route of the
app; a field of spaces where a value is required is refused on its field."""
import re

import pytest
from werkzeug.routing.converters import NumberConverter

from .helpers import csrf_token, field_error
from .isolation import MATRIX

BIG_VALUES = ("2147483648", "99999999999999999999")  # just past PostgreSQL's integer; past any 64-bit one
# Every query argument a view reads (request.args and the GET filter forms).
QUERY_ARGS = ("pagina", "antenna", "operatore", "fornitore", "fase", "stato", "motivo", "object_id", "object_type",
              "actor", "action", "q", "dal", "al", "since", "until", "ordina", "categoria", "tipo", "identita", "next")
TEXT_FIELDS = ("q", "message", "email", "full_name", "title", "body", "note", "notes", "reason", "name", "code",
               "password", "first_name", "last_name", "context", "description")
PLACEHOLDER = re.compile(r"<(?:([a-zA-Z_]+)(?:\([^)]*\))?:)?([a-zA-Z_]+)>")


def _url(app, rule, network, big: str | None) -> str:
    """The rule's path with the matrix's values (the victim's ids) or, for integer parts, ``big``."""
    spec = MATRIX.get(rule.endpoint)
    values = spec.args(network) if spec and spec.args else {}

    def value(match):
        name = match.group(2)
        if isinstance(rule._converters[name], NumberConverter):
            return big if big is not None else str(values.get(name, 1))
        return str(values.get(name, "x"))

    return PLACEHOLDER.sub(value, rule.rule)


def _form(rule, network, poison: str) -> dict:
    spec = MATRIX.get(rule.endpoint)
    base = spec.form(network) if spec and spec.form else {}
    form = {key: f"{value}{poison}" for key, value in base.items()}
    form.update({name: f"testo{poison}" for name in TEXT_FIELDS if name not in form})
    return form


def _big_numbers(rule, network) -> dict:
    """The matrix's form with every number (ids, versions, amounts) beyond any integer column."""
    spec = MATRIX.get(rule.endpoint)
    base = spec.form(network) if spec and spec.form else {}
    return {key: BIG_VALUES[1] if str(value).isdigit() else value for key, value in base.items()}


def _token(client) -> str:
    return csrf_token(client, "/profilo/password" if client.get("/accesso").status_code == 302 else "/accesso")


def _crawl(app, client, network, relogin):
    token = _token(client)
    failures = []

    def check(label, send, url, **kwargs):
        method = send.__name__.upper()
        try:  # TESTING propagates exceptions instead of answering 500
            status = send(url, **kwargs).status_code
        except Exception as exc:  # noqa: BLE001 - any exception is the failure being looked for
            failures.append(f"{method} {label}: {type(exc).__name__}: {str(exc)[:120]}")
            return
        if status >= 500:
            failures.append(f"{method} {label}: {status}")

    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        has_ints = any(isinstance(c, NumberConverter) for c in rule._converters.values())
        plain = _url(app, rule, network, None)
        if "GET" in rule.methods:
            if has_ints:
                for big in BIG_VALUES:
                    url = _url(app, rule, network, big)
                    check(url, client.get, url)
            for big in (*BIG_VALUES, "-1", "0", "0001-01-01", "9999-12-31"):  # days no moment can hold
                check(f"{plain}?…={big}", client.get, plain, query_string={name: big for name in QUERY_ARGS})
            check(plain + " (NUL)", client.get, plain, query_string={name: "a\x00b" for name in QUERY_ARGS})
        if "POST" in rule.methods:
            if has_ints:
                url = _url(app, rule, network, BIG_VALUES[0])
                check(url, client.post, url, data={**_form(rule, network, ""), "csrf_token": token})
            check(plain + " (NUL)", client.post, plain, data={**_form(rule, network, "\x00"), "csrf_token": token})
            check(plain + " (big numbers)", client.post, plain, data={**_big_numbers(rule, network), "csrf_token": token})
            if rule.endpoint == "accounts.logout":
                client = relogin()
                token = _token(client)
    return failures


@pytest.mark.parametrize("role", [None, "a_operator", "n1_coordinator", "n1_sysadmin"])
def test_no_route_answers_5xx_to_bad_input(app, client, login, network, role):
    def relogin():
        return login(role) if role else app.test_client()

    failures = _crawl(app, relogin() if role else client, network, relogin)
    assert not failures, "\n".join(failures)


def test_ids_beyond_the_integer_range_are_not_found(login, network):
    client = login("a_operator")
    assert client.get("/persone/2147483647").status_code == 404
    assert client.get("/persone/2147483648").status_code == 404
    assert client.get(f"/persone/{network.person.id}").status_code == 200


@pytest.mark.parametrize("query", ["q=a%00b", "pagina=1%00", "next=%00"])
def test_nul_in_the_query_string_is_a_400_with_a_message(client, query):
    response = client.get(f"/accesso?{query}")
    assert response.status_code == 400
    assert "caratteri non ammessi" in response.get_data(as_text=True)


def test_nul_in_a_form_is_a_400_and_changes_nothing(login, network, session):
    from portal.accounts.models import User

    client = login("a_operator")
    token = csrf_token(client, "/profilo/password")
    response = client.post("/profilo/password", data={"current": "x\x00", "password": "a", "confirm": "a",
                                                      "csrf_token": token})
    assert response.status_code == 400
    assert "caratteri non ammessi" in response.get_data(as_text=True)
    assert session.get(User, network.users["a_operator"].id).password_changed_at is None


def test_huge_page_numbers_are_clamped(login, network):
    client = login("n1_coordinator")
    for path in ("/segnalazioni/", "/casi/", "/forum/"):
        response = client.get(path, query_string={"pagina": "99999999999999999999"})
        assert response.status_code == 200, path


def test_a_malformed_multipart_part_without_name_or_value_is_not_a_5xx():
    """Found by the API fuzzer: a part werkzeug parses with a None name or value reached ``"\\x00" in None``."""
    from werkzeug.datastructures import MultiDict

    from portal.core.edge import _has_nul

    assert _has_nul(MultiDict([(None, "x"), ("a", None)])) is False
    assert _has_nul(MultiDict([(None, "x\x00")])) is True


def test_a_required_amount_of_spaces_is_refused_on_its_field(login, network):
    """ "  " passed wtforms' InputRequired, the amount read as no value, and the contract's service was handed
    None (a TypeError, 500). core.fields.InputRequired counts spaces as nothing typed."""
    from .budget_support import budget_of, make_contract

    contract = make_contract(network, budget_of(network), network.tenants["p"], cig="SPAZI00001", value="500.00")
    line = contract.lines[0]
    officer = login("n1_budget_officer")
    url = f"/budget/contratti/{contract.id}/modifica"
    response = officer.post(url, data={
        "csrf_token": csrf_token(officer, url), "version": contract.version, "title": contract.title,
        "procedure": "open", "legal_basis": "D.Lgs. 36/2023", "cig": "SPAZI00001", "start_date": "2026-01-01",
        "end_date": "2027-12-31", "total_value": "  ", "vat_rate": "5", "lines-0-line_id": str(line.id),
        "lines-0-service_type": "counselling", "lines-0-unit": "hour", "lines-0-unit_price": "25,00",
        "lines-0-quantity": "20"})
    assert response.status_code == 200 and field_error(response.get_data(as_text=True), "total_value")


def test_a_feedback_rating_of_spaces_is_no_rating(client):
    page = "/accesso"
    response = client.post("/feedback", data={"page": page, "rating": "  ", "message": "Pagina chiara.",
                                              "csrf_token": csrf_token(client, page)})
    assert response.status_code < 500


def test_a_day_no_moment_can_hold_is_refused_on_the_audit_filter(login):
    dpo = login("n1_dpo")
    for query in ("since=0001-01-01", "until=9999-12-31"):
        response = dpo.get(f"/registro-accessi/?{query}")
        assert response.status_code == 200 and "La data deve essere compresa" in response.get_data(as_text=True)


def test_every_form_takes_the_required_rule_that_refuses_spaces():
    """wtforms' own InputRequired lets a field of spaces by: forms take core.fields.InputRequired."""
    from pathlib import Path

    portal = Path(__file__).resolve().parent.parent / "portal"
    direct = re.compile(r"^from wtforms\.validators import [^\n]*\bInputRequired\b|\bvalidators\.InputRequired\(\)", re.M)
    offenders = [str(path.relative_to(portal)) for path in portal.rglob("*.py") if direct.search(path.read_text())]
    assert offenders == []
