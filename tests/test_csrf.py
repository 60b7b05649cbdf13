"""Every form post is checked against cross-site forgery: the app-wide check answers 400 before the view,
except on the few pages whose form checks the token itself and keeps what was written (the public report
form, its code and reply forms: a lost session must not lose a report). /api takes keys, not cookies."""
import re

from werkzeug.routing import IntegerConverter

# The pages whose form checks its token (portal/reports/views_public.py, _FORM_CHECKS_CSRF).
REFUSED = "La richiesta non è valida, forse perché la pagina è rimasta aperta a lungo."
FORM_CHECKED = {"/segnala/modulo", "/segnala/segue", "/segnala/segue/stato"}


def _url(rule) -> str:
    values = {name: 1 if isinstance(converter, IntegerConverter) else "x"
              for name, converter in rule._converters.items()}
    return re.sub(r"<[^>]+>", lambda m: str(values[m.group(0).strip("<>").split(":")[-1]]), rule.rule)


def test_every_post_without_a_token_is_refused_before_the_view(app, login, network):
    client = login("n1_coordinator")
    not_refused = {}
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()) or rule.rule.startswith("/api"):
            continue
        response = client.post(_url(rule), data={"reason": "prova"})
        if response.status_code != 400 or REFUSED not in response.get_data(as_text=True):
            not_refused[rule.rule] = response.status_code
    assert set(not_refused) == FORM_CHECKED, not_refused


def test_the_pages_whose_form_checks_the_token_do_nothing_without_one(app, network, session):
    client = app.test_client()
    for path in FORM_CHECKED:
        response = client.post(path, data={"code": "1234" + "0" * 12, "body": "x", "what": "x"})
        html = response.get_data(as_text=True)
        assert response.status_code in (200, 302, 400) and REFUSED not in html, path
        assert response.status_code == 302 or "La sessione è scaduta o la pagina è rimasta aperta" in html, path
