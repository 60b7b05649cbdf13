"""Helpers for driving the app as a user would: real forms, real CSRF tokens."""
import contextlib
import importlib.util
import re
import threading
from html.parser import HTMLParser
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from portal.extensions import db

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def csrf_token(client, path: str = "/accesso") -> str:
    return csrf_from(client.get(path).get_data(as_text=True))


def log_in(client, email: str, password: str | None = None, membership_id: int | None = None):
    from .factories import TEST_PASSWORD

    token = csrf_token(client, "/accesso")
    response = client.post(
        "/accesso", data={"email": email, "password": password or TEST_PASSWORD, "csrf_token": token}
    )
    if response.status_code == 302 and "/accesso/organizzazione" in response.headers["Location"]:
        page = client.get("/accesso/organizzazione").get_data(as_text=True)
        response = client.post(
            "/accesso/organizzazione", data={"membership": membership_id, "csrf_token": csrf_from(page)}
        )
    return response


def post_form(client, path: str, data: dict, page: str | None = None):
    """POST like a browser: fetch the page holding the form for its CSRF token first."""
    token = csrf_token(client, page or path)
    return client.post(path, data={**data, "csrf_token": token})


def field_error(html: str, field_id: str) -> str | None:
    """The error shown under a form field (macros/forms.html ``_errors``), None when it has none."""
    match = re.search(rf'<div class="invalid-feedback" id="{re.escape(field_id)}-error">(.*?)</div>', html, re.S)
    return match.group(1).strip() if match else None


def questions_before_posting(html: str, action: str) -> list:
    """The question a page asks before each form posting to an address containing ``action`` (``ui.post_button``
    with ``confirm``): the one in the <details> that holds the form, so the page asks without JavaScript too.
    None for such a form that is not behind a question."""
    found = []
    for form in re.finditer(r'<form [^>]*action="[^"]*' + re.escape(action), html):
        start = html.rfind('<details class="rete-confirm', 0, form.start())
        block = html[start:html.find("</details>", form.start())] if start != -1 else ""
        question = re.search(r'<p class="rete-confirm-question">(.*?)</p>', block, re.S)
        found.append(question.group(1).strip() if question and "</details>" not in html[start:form.start()] else None)
    return found


TEXT_ATTRIBUTES = {"aria-label", "aria-description", "title", "placeholder", "alt", "data-confirm", "data-chart-title",
                   "data-chart-note", "data-chart-labels", "data-chart-series", "data-label"}
SKIPPED = {"script", "style", "textarea"}


class _Text(HTMLParser):
    """The visible text and the text attributes of a page, without scripts, styles and typed values."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED:
            self.skipping += 1
        values = dict(attrs)
        for name, value in attrs:
            if value and (name in TEXT_ATTRIBUTES or (name == "value" and tag in {"button", "input"}
                                                      and values.get("type") in {"submit", "button", "reset"})):
                self.parts.append(f"[{name}] {value}")

    def handle_endtag(self, tag):
        if tag in SKIPPED and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.parts.append(data.strip())


def page_texts(html: str) -> list[str]:
    """A page's visible text pieces and the text attributes people meet ("[aria-label] …"), in order."""
    parser = _Text()
    parser.feed(html)
    return parser.parts


def at_once(*workers, timeout: float = 30) -> None:
    """Run the callables in threads of their own, as concurrent requests of workers would, and wait for them."""
    threads = [threading.Thread(target=worker) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)


class _ServerGone(Exception):
    """What the driver raises when PostgreSQL went away (psycopg's OperationalError, with its SQLSTATE)."""

    sqlstate = "57P01"


def database_gone(params=None):
    """The error SQLAlchemy raises for a statement the server will not run: its connection is gone."""
    return OperationalError("SELECT 1", params or {}, _ServerGone("terminating connection"))


@contextlib.contextmanager
def database_away(app):
    """Every statement fails from here on, as while PostgreSQL restarts under a running portal (the app's
    engine, so a live server in this process too)."""
    def refuse(*_args):
        raise database_gone()

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        sa.event.remove(engine, "before_cursor_execute", refuse)


def migration_helper(name: str):
    """A frozen module of migrations/helpers, loaded as the migrations load it (not importable as a package)."""
    path = Path(__file__).resolve().parent.parent / "migrations" / "helpers" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    helper = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(helper)
    return helper
