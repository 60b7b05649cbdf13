"""A form sent when its view can no longer take it — the session ended meanwhile, or the form's token is no
longer valid — answers with what was written, under the form's labels, instead of dropping it; but only to
this site's own pages, and never a password, a hidden field or a name no form of that view declares."""
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, PasswordField, TextAreaField

from portal.accounts.models import UserSession
from portal.core.forms import PortalForm
from portal.core.kept import carried, declared_forms
from portal.forum.models import ForumThread

from .helpers import csrf_token

HERE = "http://localhost"
TITLE, BODY = "Sportello di ascolto a Borgomanero", "Apriamo il giovedì mattina, senza appuntamento: ditelo a chi arriva."
REFUSED = "La richiesta non è valida, forse perché la pagina è rimasta aperta a lungo."


def _end_by_idleness(app, session, user):
    row = session.scalar(select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None)))
    row.last_seen_at -= timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"] + 1)
    session.flush()


def _thread_form(client, token, origin=HERE, **extra):
    data = {"csrf_token": token, "title": TITLE, "body": BODY, "category": "1", "pending": "7,8",
            "injected": "Chiama subito il numero 899 000 000", **extra}
    return client.post("/forum/nuova", data=data, headers={"Origin": origin, "Referer": f"{origin}/forum/nuova"})


def _threads(session) -> int:
    return session.scalar(select(func.count()).select_from(ForumThread).execution_options(include_all_tenants=True))


def test_a_form_sent_after_the_session_ended_is_shown_back_with_the_way_in(app, login, network, session):
    client = login("a_operator")
    token = csrf_token(client, "/forum/nuova")
    before = _threads(session)
    _end_by_idleness(app, session, network.users["a_operator"])
    response = _thread_form(client, token)
    html = response.get_data(as_text=True)
    assert response.status_code == 401, html
    assert "Sessione scaduta" in html and "La sessione è scaduta per inattività" in html
    # Under the form's own labels, in the order sent; the hidden field and the made-up name are not shown.
    assert html.index("Titolo") < html.index(TITLE) < html.index("Testo") < html.index(BODY)
    assert "7,8" not in html and "899" not in html
    sign_in = urlsplit(html.split('class="btn btn-primary" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&"))
    assert sign_in.path == "/accesso" and parse_qs(sign_in.query)["next"] == ["/forum/nuova"]
    assert _threads(session) == before  # nothing was taken


def test_a_post_from_another_site_is_not_echoed(app, login, network, session):
    """Another site could make a browser post its words to us: the answer stays the plain way to the login."""
    client = login("a_operator")
    token = csrf_token(client, "/forum/nuova")
    _end_by_idleness(app, session, network.users["a_operator"])
    response = _thread_form(client, token, origin="https://altrove.example")
    assert response.status_code == 302 and "/accesso" in response.headers["Location"]
    assert TITLE not in response.get_data(as_text=True)


def test_passwords_are_never_shown_back(app, login, network, session):
    client = login("a_operator")
    token = csrf_token(client, "/profilo/password")
    _end_by_idleness(app, session, network.users["a_operator"])
    response = client.post("/profilo/password", headers={"Origin": HERE}, data={
        "csrf_token": token, "current": "vecchia-segreta-1", "password": "nuova-segreta-2", "confirm": "nuova-segreta-2"})
    html = response.get_data(as_text=True)
    assert "segreta" not in html
    assert response.status_code == 302  # nothing else was typed: the plain way to the login page


def test_a_form_whose_token_is_no_longer_valid_is_shown_back(app, login, network, session):
    """E.g. signed out and in again in another tab: the session (and its token) changed under the page."""
    client = login("a_operator")
    before = _threads(session)
    response = _thread_form(client, "token-of-a-session-gone")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Modulo scaduto" in html
    assert TITLE in html and BODY in html and "899" not in html
    assert _threads(session) == before


def test_a_foreign_post_without_a_valid_token_gets_the_plain_refusal(app, login, network):
    client = login("a_operator")
    response = _thread_form(client, "token-of-a-session-gone", origin="https://altrove.example")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and REFUSED in html and TITLE not in html


def _names(view) -> set:
    return {name for form in declared_forms(view) for name in form}


def test_forms_are_found_in_the_view_its_steps_and_its_helpers(app):
    views = app.view_functions
    assert {"title", "body", "problem"} <= _names(views["forum.new_thread"])  # a thread or a good practice
    assert {"message", "decline_reason"} <= _names(views["referrals.move"])  # a form per step
    assert "note" in _names(views["cases.legal_deadline_add"])  # built by a helper of its module


def test_a_good_practice_is_shown_back_under_its_own_labels(app, login, network, session):
    client = login("a_operator")
    token = csrf_token(client, "/forum/nuova?tipo=prassi")
    _end_by_idleness(app, session, network.users["a_operator"])
    html = _thread_form(client, token, problem="Nessuno sportello aperto il sabato").get_data(as_text=True)
    assert "<dt>Descrizione</dt>" in html and "Nessuno sportello aperto il sabato" in html


class _SecretForm(PortalForm):
    note = TextAreaField("Nota")
    pin = PasswordField("PIN della smart card")
    step = HiddenField("Passo")


def _secret_view():
    return _SecretForm()


def test_only_what_a_person_types_is_shown_back(app):
    sent = MultiDict([("note", "Richiamare lunedì"), ("pin", "123456"), ("step", "2"), ("other", "x")])
    with app.test_request_context():
        assert carried(_secret_view, sent) == [("Nota", "Richiamare lunedì")]
