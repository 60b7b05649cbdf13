"""End-to-end harness: the real app on a real port, driven by headless Chromium (Playwright).

- ``live_database``: a throw-away database of its own (never the one the unit tests roll back),
  migrated and seeded with the demo network. Browser tests commit real data into it, so every test
  must stand on the seeded data alone and never rely on what another test did.
- ``live_server``: the app (as the non-owner role on PostgreSQL, so row-level security applies) served
  by werkzeug in a daemon thread.
- ``page``: a fresh browser context per test; console errors, uncaught exceptions and Content Security
  Policy violations fail the test (a page that works only because CSP is off is a bug).
- ``login_as`` and ``assert_accessible`` (axe-core, WCAG 2.1 A/AA, serious and critical) for the tests.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from portal import create_app
from portal.extensions import db
from portal.seed import seed_all
from portal.seed.network import DEMO_PASSWORD
from portal.tenancy import context

from ..conftest import Database, make_config, unavailable

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 5_000
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_BLOCKING = {"serious", "critical"}
CSP_RE = re.compile(r"Content Security Policy|Refused to|CSP violation", re.I)


def pytest_collection_modifyitems(config, items):
    """Everything under tests/browser is a ``browser`` test (``-m 'not browser'`` skips the lot)."""
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


# --- database and server ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_database(tmp_path_factory):
    database = Database(tmp_path_factory, "browser")  # skips (or fails in CI) without PostgreSQL
    try:
        database.migrate()
        owner_app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database.owner_url,
                "DATABASE_OWNER_URL": database.owner_url,
                # Cheap argon2 parameters for the demo passwords, as make_config gives the live app.
                "TESTING": True,
                "FAST_PASSWORD_HASH": True,
            },
            owner=True,
        )
        with owner_app.app_context():
            with context.system("test seed"):
                seed_all()
                db.session.commit()
            db.session.remove()
            db.engine.dispose()
        yield database
    finally:
        database.drop()


@dataclass
class LiveServer:
    url: str
    app: object
    _server: object = field(repr=False)
    _thread: threading.Thread = field(repr=False)


@contextlib.contextmanager
def serve(app):
    """Serve ``app`` on a free port of the loopback in a daemon thread, for as long as the block runs."""
    from werkzeug.serving import make_server

    # One INFO line per request buries the failure; tracebacks of failed requests (ERROR) still show.
    werkzeug_log = logging.getLogger("werkzeug")
    previous_level = werkzeug_log.level
    werkzeug_log.setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="rete-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app, _server=server, _thread=thread)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        werkzeug_log.setLevel(previous_level)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_database, mail_server):
    with serve(create_app(make_config(live_database, mail_server, LOGIN_RATE_LIMIT="1000 per minute"))) as server:
        yield server


# --- browser ----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        unavailable(f"Chromium not installed at {CHROMIUM}: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        unavailable("playwright is not installed: pip install -e .[test]")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    try:
        yield browser
    finally:
        browser.close()
        playwright.stop()


# Reported by the page itself, in case the console message is ever missing or reworded.
_REPORT_CSP = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} `
                + `at ${e.sourceFile || e.documentURI}:${e.lineNumber}`);
});
"""


def _shorten(text: str, limit: int = 400) -> str:
    text = re.sub(r"(data:[\w/+.-]+(?:;[\w=-]+)*,)[^'\"\s)]{40,}", r"\1…", text)  # inline fonts, images
    return text if len(text) <= limit else text[:limit] + "…"


def _is_missing_favicon(text: str, url: str) -> bool:
    return url.split("?")[0].endswith("/favicon.ico") and "status of 404" in text


class BrowserLog:
    """What went wrong in the browser during one test: console errors, page errors, CSP violations."""

    def __init__(self):
        self.errors: list[str] = []
        self.csp: list[str] = []
        self._allowed: list[re.Pattern] = []

    def allow(self, pattern: str) -> None:
        """Tolerate an expected console error (e.g. a deliberate 4xx); CSP violations are never allowed."""
        self._allowed.append(re.compile(pattern))

    def on_console(self, message) -> None:
        if message.type != "error":
            return
        location = message.location or {}
        text = f"{_shorten(message.text)} [{location.get('url', '')}:{location.get('lineNumber', '')}]"
        if CSP_RE.search(message.text):
            self.csp.append(text)
        elif _is_missing_favicon(message.text, location.get("url", "")):
            pass  # Chromium asks for /favicon.ico on its own; a 404 there is noise (a 500 is not)
        elif not any(p.search(message.text) for p in self._allowed):
            self.errors.append(text)

    def on_page_error(self, error) -> None:
        self.errors.append(f"uncaught exception: {_shorten(str(error))}")

    def problems(self) -> list[str]:
        return [f"CSP: {c}" for c in self.csp] + [f"console: {e}" for e in self.errors]


def _new_context(browser, live_server, **options):
    ctx = browser.new_context(base_url=live_server.url, locale="it-IT", timezone_id="Europe/Rome", **options)
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.set_default_navigation_timeout(TIMEOUT_MS)
    return ctx


def _watch(page, log: BrowserLog) -> None:
    page.on("console", log.on_console)
    page.on("pageerror", log.on_page_error)


@pytest.fixture
def browser_log():
    return BrowserLog()


@pytest.fixture
def open_page(browser, live_server, browser_log):
    """``open_page(**context_options)``: a watched page in a context of its own (e.g. no JavaScript)."""
    contexts = []

    def _open(**options):
        ctx = _new_context(browser, live_server, **options)
        contexts.append(ctx)
        if options.get("java_script_enabled", True):
            ctx.add_init_script(_REPORT_CSP)
        page = ctx.new_page()
        _watch(page, browser_log)
        return page

    yield _open
    for ctx in contexts:
        for opened in ctx.pages:
            try:  # let late errors (fonts, deferred scripts, favicon) reach the log before closing
                opened.wait_for_load_state("load")
            except Exception:  # noqa: BLE001 - a page that never loads already failed its test
                pass
        ctx.close()
    problems = browser_log.problems()
    if problems:
        pytest.fail("the browser reported problems:\n  " + "\n  ".join(problems), pytrace=False)


@pytest.fixture
def page(open_page):
    return open_page()


# --- helpers for the tests --------------------------------------------------------------------------


def login_as(page, email: str, password: str = DEMO_PASSWORD):
    """Log in through the real form, by its Italian labels, and wait for the page after it."""
    page.goto("/accesso")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Accedi", exact=True).click()
    return page


def write_discussion(page, title: str, body: str, category: str = "Vita della rete") -> None:
    """Fill the forum's new-discussion form (on /forum/nuova) by its Italian labels."""
    page.get_by_label(re.compile(r"^Categoria")).select_option(label=category)
    page.get_by_label(re.compile(r"^Titolo")).fill(title)
    page.get_by_label(re.compile(r"^Testo")).fill(body)


def assert_accessible(page, label: str, *, context=None) -> None:
    """axe-core (WCAG 2.0/2.1 A and AA) on the current page; fail on serious or critical violations.

    Playwright's ``evaluate`` runs through the DevTools protocol, which the page's CSP does not govern,
    so axe is injected without ``bypass_csp`` and the page keeps the CSP it was loaded with (axe itself
    triggers no violation, so none is filtered out while it runs).
    """
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    page.wait_for_load_state()  # after a click that navigates, axe on a page still loading finds no document
    results = Axe().run(page, context=context, options=options)
    blocking = [v for v in results.response["violations"] if v.get("impact") in AXE_BLOCKING]
    if blocking:
        lines = []
        for v in blocking:
            targets = [", ".join(map(str, n["target"])) for n in v["nodes"][:5]]
            more = f" (+{len(v['nodes']) - 5} more)" if len(v["nodes"]) > 5 else ""
            lines.append(f"- {v['id']} [{v['impact']}] {v['help']}: {'; '.join(targets)}{more}")
            html = v["nodes"][0].get("html", "").replace("\n", " ")[:200] if v["nodes"] else ""
            if html:
                lines.append(f"    e.g. {html}")
        pytest.fail(f"axe: {label} ({page.url}) has accessibility violations:\n" + "\n".join(lines), pytrace=False)
