"""Pages are built from the shared components in templates/macros/: a hand-written copy of the table region
or of the breadcrumb drifts from the others (labels, focusable region, caption), so it is refused here."""
import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
COMPONENTS = TEMPLATES / "macros"

# What only a component may write, with the macro to use instead.
HAND_WRITTEN = {
    re.compile(r"""class=["'][^"']*\btable-responsive\b"""): "ui.table (macros/ui.html)",
    re.compile(r"<caption\b", re.I): "ui.table (macros/ui.html)",
    re.compile(r"""class=["'][^"']*\bbreadcrumb(-container|-item)?\b"""): "ui.breadcrumb (macros/ui.html)",
}


def hand_copies(text):
    """(line, macro to use) for each hand-written component in a template's source."""
    found = []
    for pattern, macro in HAND_WRITTEN.items():
        for match in pattern.finditer(text):
            found.append((text.count("\n", 0, match.start()) + 1, macro))
    return sorted(found)


def test_the_check_recognises_each_hand_copy():
    page = ('<div class="table-responsive"><table class="table"><caption>x</caption></table></div>\n'
            '<nav class="breadcrumb-container"><ol class="breadcrumb"></ol></nav>')
    assert [macro for _, macro in hand_copies(page)] == [
        "ui.table (macros/ui.html)", "ui.table (macros/ui.html)",
        "ui.breadcrumb (macros/ui.html)", "ui.breadcrumb (macros/ui.html)"]
    assert hand_copies('{% call ui.table(_("x")) %}<tbody></tbody>{% endcall %}\n{{ ui.breadcrumb([], "y") }}') == []


def test_the_components_write_what_the_check_looks_for():
    # If the macros stopped writing these, the check below would pass on anything.
    assert len(hand_copies((COMPONENTS / "ui.html").read_text(encoding="utf-8"))) >= 4


def test_no_template_hand_writes_a_table_region_or_a_breadcrumb():
    templates = [p for p in TEMPLATES.rglob("*.html") if COMPONENTS not in p.parents]
    assert len(templates) > 100
    offenders = [f"{p.relative_to(TEMPLATES)}:{line}: use {macro}"
                 for p in sorted(templates) for line, macro in hand_copies(p.read_text(encoding="utf-8"))]
    assert offenders == [], "\n".join(offenders)


def _render(app, source, **context):
    with app.test_request_context():
        return app.jinja_env.from_string('{% import "macros/ui.html" as ui %}' + source).render(**context)


def test_a_table_with_a_caption_id_is_a_focusable_region_named_by_its_caption(app):
    html = _render(app, '{% call ui.table("Ordini", id="t", classes="table-sm", caption_id="t-cap") %}'
                        '<tbody><tr><td>1</td></tr></tbody>{% endcall %}')
    assert '<div class="table-responsive" tabindex="0" role="region" aria-labelledby="t-cap">' in html
    assert '<table class="table table-sm" id="t">' in html
    assert '<caption class="rete-caption" id="t-cap">Ordini</caption><tbody><tr><td>1</td></tr></tbody>' in html


def test_a_hidden_caption_stays_for_screen_readers_and_captions_are_escaped(app):
    html = _render(app, '{% call ui.table(text, visible_caption=False) %}{% endcall %}', text="<b>x</b>")
    assert '<div class="table-responsive">' in html and 'tabindex' not in html
    assert '<caption class="visually-hidden">&lt;b&gt;x&lt;/b&gt;</caption>' in html


def test_a_breadcrumb_marks_the_current_page_and_separates_the_links(app):
    html = _render(app, '{{ ui.breadcrumb([("Casi", "/casi"), ("C-1", "/casi/1")], "Chiudi") }}')
    assert 'aria-label="Percorso di navigazione"' in html
    assert html.count('<span class="separator">/</span>') == 2
    assert '<li class="breadcrumb-item"><a href="/casi/1">C-1</a>' in html
    assert '<li class="breadcrumb-item active" aria-current="page">Chiudi</li>' in html
    # Without a current page the last link ends the trail, with no separator after it.
    html = _render(app, '{{ ui.breadcrumb([("Forum", "/f"), ("Categoria", "/f?c=1")]) }}')
    assert 'aria-current' not in html and html.count('separator') == 1
