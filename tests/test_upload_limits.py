"""What the forms' help texts allow, the server takes: a body limit below "up to 5 files of 5 MB each" answered
a bare 413 and lost everything typed. A file too big is named on the form, the text kept; only a body past
the whole limit gets the 413 page, which says what to do."""
import re

from portal.forum import attachments as forum_files
from portal.referrals import attachments as referral_files
from portal.reports import files as report_files

from .helpers import field_error
from .report_support import WHAT, submit

MB = 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n"


def _png(size: int) -> bytes:
    return PNG + b"\x00" * (size - len(PNG))


def test_the_body_limit_covers_every_form_at_its_file_limits(app):
    cfg = app.config
    forum_each = cfg.get("FORUM_ATTACHMENT_MAX_BYTES") or cfg["ATTACHMENT_MAX_BYTES"]
    for name, files, each in (("referral", referral_files.MAX_FILES, cfg["ATTACHMENT_MAX_BYTES"]),
                              ("forum", forum_files.MAX_FILES, forum_each),
                              ("public report", report_files.MAX_FILES, cfg["ATTACHMENT_MAX_BYTES"])):
        assert files * each + 64 * 1024 < cfg["MAX_CONTENT_LENGTH"], name


def test_a_public_report_with_three_files_near_the_limit_is_received(client, session, network):
    """The form says "at most 3 files, each up to 5 MB": three of 4.5 MB (13.5 MB in all) go through."""
    big = 9 * MB // 2
    response, code = submit(client, files=[(f"foto-{n}.png", _png(big)) for n in range(3)])
    assert response.status_code == 200 and code, response.status_code


def test_one_file_over_its_limit_is_named_on_the_form_and_the_text_kept(client, session, network, app):
    too_big = app.config["ATTACHMENT_MAX_BYTES"] + MB
    response, code = submit(client, files=[("video.png", _png(too_big))])
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and code is None
    assert "video.png" in (field_error(html, "files") or "") and WHAT in html


def test_a_body_past_the_whole_limit_gets_the_413_page_that_says_what_to_do(client, session, network, app):
    response, code = submit(client, files=[("archivio.png", _png(app.config["MAX_CONTENT_LENGTH"] + MB))])
    html = response.get_data(as_text=True)
    assert response.status_code == 413 and code is None
    limit = app.config["MAX_CONTENT_LENGTH"] // MB
    assert f"{limit} MB" in html and "Indietro" in html


def test_file_inputs_carry_their_limit_for_the_browser_in_the_servers_words(client, session, network, monkeypatch, app):
    """rete.js names a file past the limit as soon as it is chosen; the words are the server's refusal's,
    with the locale's decimal comma ("2,5 MB", never "2.5")."""
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 5 * MB // 2)
    html = client.get("/segnala/modulo").get_data(as_text=True)
    field = re.search(r'<input[^>]*id="files"[^>]*>', html).group(0)
    assert f'data-max-bytes="{5 * MB // 2}"' in field
    assert 'data-too-big="«{name}»: Il file supera la dimensione massima di 2,5 MB."' in field
    response, code = submit(client, files=[("grande.png", _png(3 * MB))])
    assert "«grande.png»: Il file supera la dimensione massima di 2,5 MB." in field_error(response.get_data(as_text=True), "files")


def test_the_forum_states_its_file_limit_with_a_decimal_comma(login, network):
    html = login("a_operator").get("/forum/nuova").get_data(as_text=True)
    assert "al massimo 5,0 MB ciascuno" in html and "5.0 MB" not in html
