"""The harness checks itself: a CSP violation is caught, axe runs under the app's strict CSP."""

import pytest

from .conftest import _REPORT_CSP, CSP_RE, BrowserLog, _new_context, _watch, assert_accessible


def test_server_answers(live_server, page):
    response = page.goto("/salute")
    assert response.status == 200
    assert response.json() == {"status": "ok"}
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_csp_violations_are_caught(browser, live_server):
    """An inline script under the app's CSP must be reported, or the ``page`` fixture proves nothing."""
    csp = live_server.app.test_client().get("/salute").headers["Content-Security-Policy"]
    ctx = _new_context(browser, live_server)
    ctx.add_init_script(_REPORT_CSP)
    ctx.route(
        "**/csp-probe",
        lambda route: route.fulfill(
            status=200,
            headers={"Content-Type": "text/html", "Content-Security-Policy": csp},
            body="<!doctype html><html lang='it'><title>x</title><p style='color:red'>x</p>"
            "<script>document.title = 'ran'</script></html>",
        ),
    )
    log = BrowserLog()
    try:
        page = ctx.new_page()
        _watch(page, log)
        page.goto("/csp-probe")
        page.wait_for_timeout(200)
        assert page.title() == "x", "the inline script ran: CSP is not enforced"
    finally:
        ctx.close()
    assert log.csp, f"no CSP violation reported; errors={log.errors}"
    assert all(CSP_RE.search(c) for c in log.csp)


def test_axe_reports_serious_violations(page):
    """An unlabelled field and an image without text are caught, under the app's own CSP."""
    page.goto("/accesso")
    page.evaluate(
        """() => {
            const main = document.querySelector('main');
            const input = document.createElement('input');
            input.type = 'text';
            main.append(input);
            const img = document.createElement('img');
            img.src = '/static/vendor/svg/sprites.svg';
            main.append(img);
        }"""
    )
    with pytest.raises(pytest.fail.Exception) as failure:
        assert_accessible(page, "broken page")
    assert "image-alt" in str(failure.value) and "label" in str(failure.value)
