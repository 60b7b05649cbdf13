"""Pages are built from the shared components in templates/macros/: a hand-written copy of a component (table
region, breadcrumb, pager, badge, action bar, empty state, one-time secret, timeline, identity fieldset) drifts
from the others (labels, focusable region, contrast, ARIA), so it is refused here."""
import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
COMPONENTS = TEMPLATES / "macros"

# What only a component may write, with the macro to use instead.
HAND_WRITTEN = {
    re.compile(r"""class=["'][^"']*\btable-responsive\b"""): "ui.table (macros/ui.html)",
    re.compile(r"<caption\b", re.I): "ui.table (macros/ui.html)",
    re.compile(r"""class=["'][^"']*\bbreadcrumb(-container|-item)?\b"""): "ui.breadcrumb (macros/ui.html)",
    re.compile(r"""class=["'][^"']*\bpagination(-wrapper)?\b"""): "pager (macros/pager.html)",
    re.compile(r"""(class=["']|["'])badge\b"""): "ui.badge (macros/ui.html)",
    re.compile(r"""class=["'][^"']*\brete-actions\b"""): "f.actions (macros/forms.html)",
    re.compile(r"""<p\b[^>]*>\s*\{\{\s*_\(\s*["'](Ancora |Non [^"']*)?[Nn]essun"""): "ui.empty (macros/ui.html)",
    re.compile(r"""\buser-select-all\b"""): "ui.secret_once (macros/ui.html)",
    re.compile(r"""\brete-timeline\b"""): "ui.timeline (macros/ui.html)",
    re.compile(r"""\bform\.(first_name|last_name)\b"""): "pf.identity (macros/person.html)",
    # A table with a caption is a focusable region only through its id (ui.table derives the region from it).
    re.compile(r"""ui\.table\((?:(?!\bid=|labelledby=)[^%])*%\}"""): "ui.table(..., id=...) (macros/ui.html)",
}

# Templates a parallel branch is changing, each with hand copies left (checked below, so the list only shrinks)
# until it is converted. Empty since the referral page and the monitoring forms use the components.
PENDING = set()


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
    assert hand_copies('{% call ui.table(_("x"), id="t") %}<tbody></tbody>{% endcall %}\n{{ ui.breadcrumb([], "y") }}') == []


@pytest.mark.parametrize("source, macro", [
    ('<ul class="pagination"></ul>', "pager (macros/pager.html)"),
    ('<span class="badge bg-danger">{{ _("Urgente") }}</span>', "ui.badge (macros/ui.html)"),
    ("<span class=\"{{ 'badge bg-danger' if late else 'text-muted' }}\">", "ui.badge (macros/ui.html)"),
    ('<div class="rete-actions mb-4"><a href="/x">Annulla</a></div>', "f.actions (macros/forms.html)"),
    ("<p>{{ _('Nessun allegato.') }}</p>", "ui.empty (macros/ui.html)"),
    ("<p>{{ _('Ancora nessun messaggio.') }}</p>", "ui.empty (macros/ui.html)"),
    ('<p><code class="user-select-all">{{ key }}</code></p>', "ui.secret_once (macros/ui.html)"),
    ('<ol class="rete-timeline list-unstyled"></ol>', "ui.timeline (macros/ui.html)"),
    ('<div class="col-12">{{ f.field(form.first_name) }}</div>', "pf.identity (macros/person.html)"),
    ("{%- call ui.table(_('Casi'), classes='table-sm') %}", "ui.table(..., id=...) (macros/ui.html)"),
])
def test_the_check_recognises_each_new_hand_copy(source, macro):
    assert [found for _, found in hand_copies(source)] == [macro]


def test_the_check_leaves_the_components_alone():
    calls = ("{{ pager('x.index', page, has_next, _('Pagine')) }}\n{{ ui.badge(_('Urgente'), 'danger') }}\n"
             "{{ f.actions(_('Salva'), cancel='/x') }}\n{{ ui.empty(_('Nessun allegato.')) }}\n"
             "<p>{{ _('Solo numeri: nessun dato delle persone.') }}</p>\n{{ ui.secret_once(t, key, n) }}\n"
             "{{ ui.timeline(events, labels) }}\n{{ pf.identity(form) }}\n"
             "{%- call ui.table(_('Casi'), id='case-table',\n   classes='table-sm') %}\n"
             "{%- call ui.table(classes='table-sm', labelledby='h') %}")
    assert hand_copies(calls) == []


def test_the_components_write_what_the_check_looks_for():
    # If the macros stopped writing these, the check below would pass on anything.
    found = {macro for path in COMPONENTS.glob("*.html") for _, macro in hand_copies(path.read_text(encoding="utf-8"))}
    # (The empty state and the table id are recognised by what the page writes, not by the component's markup.)
    assert found >= set(HAND_WRITTEN.values()) - {"ui.empty (macros/ui.html)", "ui.table(..., id=...) (macros/ui.html)"}


def test_no_template_hand_writes_a_component():
    templates = [p for p in TEMPLATES.rglob("*.html") if COMPONENTS not in p.parents]
    assert len(templates) > 100
    offenders = [f"{p.relative_to(TEMPLATES)}:{line}: use {macro}"
                 for p in sorted(templates) if p.relative_to(TEMPLATES).as_posix() not in PENDING
                 for line, macro in hand_copies(p.read_text(encoding="utf-8"))]
    assert offenders == [], "\n".join(offenders)


def test_the_pending_templates_still_need_converting():
    # Once a pending template is converted, take it off PENDING so that the check covers it again.
    done = [name for name in sorted(PENDING) if not hand_copies((TEMPLATES / name).read_text(encoding="utf-8"))]
    assert done == [], f"remove from PENDING: {done}"


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


def test_every_required_field_shows_the_asterisk_and_is_required(app):
    # A field required by a validator (DataRequired/InputRequired set flags.required) says so to everyone: the
    # asterisk for sight, `required` (or aria-required on a radio group) for assistive technology.
    from flask_wtf import FlaskForm
    from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
    from wtforms.validators import DataRequired, InputRequired

    class Sample(FlaskForm):
        class Meta:
            csrf = False
        text = StringField("Testo", validators=[DataRequired()])
        day = DateField("Giorno", validators=[InputRequired()])
        kind = SelectField("Tipo", choices=[("a", "A")], validators=[DataRequired()])
        note = TextAreaField("Nota", validators=[DataRequired()])
        choice = RadioField("Scelta", choices=[("s", "Sì"), ("n", "No")], validators=[InputRequired()])

    with app.test_request_context(method="POST"):
        form = Sample()
        for name in ("text", "day", "kind", "note"):
            html = app.jinja_env.from_string('{% import "macros/forms.html" as f %}{{ f.field(field) }}').render(
                field=form[name])
            assert '<span class="rete-required" aria-hidden="true"> *</span>' in html, name
            assert re.search(r"<(input|select|textarea)\b[^>]*\brequired\b", html), name
        html = app.jinja_env.from_string('{% import "macros/forms.html" as f %}{{ f.field(form.choice) }}').render(
            form=form)
        assert 'aria-required="true"' in html and html.count(" required") >= 2 and "rete-required" in html


def test_the_api_client_form_marks_its_required_fields(login):
    # It was written by hand and lost the asterisk; it now goes through the forms macros.
    html = login("a_admin").get("/amministrazione/api/").get_data(as_text=True)
    assert html.count("rete-required") >= 2 and re.search(r'<input[^>]*id="name"[^>]*required', html)


def test_a_table_with_columns_writes_its_head_and_body_and_an_empty_one_says_so(app):
    html = _render(app, '{% call ui.table("Sessioni", id="s", head=["Dispositivo", none, "Iniziata"], actions=True, rows=rows,'
                        ' empty="Nessuna sessione.") %}<tr><td>1</td></tr>{% endcall %}', rows=[1])
    assert 'tabindex="0" role="region" aria-labelledby="s-caption"' in html and 'id="s-caption"' in html
    assert re.findall(r'<th scope="col">([^<]*)<', html) == ["Dispositivo", "Iniziata", ""]
    assert '<span class="visually-hidden">Azioni</span>' in html and re.search(r"<tbody>\s*<tr><td>1</td></tr>\s*</tbody>", html)
    html = _render(app, '{% call ui.table("Sessioni", id="s", rows=[], empty="Nessuna sessione.") %}x{% endcall %}')
    assert html == '<p class="rete-empty">Nessuna sessione.</p>'


def test_facts_leave_out_the_missing_ones_and_take_attributes_for_the_value(app):
    html = _render(app, '{{ ui.facts([("Stato", "Aperta"), ("Esito", "x") if false, ("Nota", note, {"id": "n", "class": "rete-text"})]) }}',
                   note="<b>y</b>")
    assert re.findall(r"<dt[^>]*>([^<]*)</dt>", html) == ["Stato", "Nota"]
    assert '<dt class="col-sm-4">Stato</dt>' in html and '<dd class="col-sm-8">Aperta</dd>' in html
    assert '<dd class="col-sm-8 rete-text" id="n">&lt;b&gt;y&lt;/b&gt;</dd>' in html
    html = _render(app, '{{ ui.facts([("A", 1)], split=none, id="f") }}')
    assert html.startswith('<dl id="f">') and "<dt>A</dt>" in html and "<dd>1</dd>" in html


def test_a_refused_form_s_error_summary_takes_the_focus_without_javascript(login, network):
    # static/js/rete.js focuses the summary; without JavaScript the browser does it (autofocus), so that the
    # summary is announced and the next Tab reaches its first link, not the page header (WCAG 3.3.1, 2.4.3).
    from .referral_support import post_on_page

    operator = login("a_operator")
    html = post_on_page(operator, "/segnalazioni/nuova", "/segnalazioni/nuova", {"action": "submit"}).get_data(as_text=True)
    summary = re.search(r"<div[^>]*\bdata-error-summary\b[^>]*>", html)
    assert summary and re.search(r"\bautofocus\b", summary.group(0)) and 'tabindex="-1"' in summary.group(0)
    assert html.count("autofocus") == 1
    # A form with nothing wrong takes no focus: the page opens at its top as usual.
    assert "autofocus" not in operator.get("/segnalazioni/nuova").get_data(as_text=True)


def test_a_button_that_asks_first_asks_without_javascript(app):
    # ``confirm``: the button opens the question with the one that posts (a <details>); it was a data-confirm
    # for rete.js, so without JavaScript an irreversible step was taken at the first click, unasked.
    from .helpers import questions_before_posting

    html = _render(app, '{{ ui.post_button("/p/1/collega/2", "Collega", "primary", confirm="Collegare?", more="A – B",'
                        ' hidden={"version": 3}) }}')
    assert "data-confirm" not in html and questions_before_posting(html, "/p/1/collega/2") == ["Collegare?"]
    summary = re.search(r"<summary[^>]*>(.*?)</summary>", html, re.S).group(1)
    assert "Collega" in summary and '<span class="visually-hidden">: A – B</span>' in summary
    form = html[html.index("<form"):]
    assert '<input type="hidden" name="version" value="3">' in form and re.search(r'<button type="submit"[^>]*>Conferma', form)
    # Without a question: the form alone, at once.
    plain = _render(app, '{{ ui.post_button("/p/1/scarta/2", "Scarta") }}')
    assert "<details" not in plain and questions_before_posting(plain, "/p/1/scarta/2") == [None]


def test_the_error_summary_leads_to_a_group_s_first_option(login, network):
    # A group of checkboxes or radios is a <fieldset>, which a link cannot give the focus to: without JavaScript
    # (rete.js moves it to the first control) the focus was left on the page. The link leads to the first option.
    from .referral_support import post_on_page

    html = post_on_page(login("a_operator"), "/segnalazioni/nuova", "/segnalazioni/nuova", {"action": "submit"}).get_data(as_text=True)
    summary = html[html.index("data-error-summary"):]
    summary = summary[:summary.index("</div>")]
    assert '<a href="#grounds-0">Motivi di discriminazione</a>' in summary and 'id="grounds-0"' in html
    assert '<a href="#first_name">Nome</a>' in summary and '<a href="#context">Ambito</a>' in summary


def test_the_budget_bars_key_has_each_bars_colour():
    """The key under the budget bars is a square per bar: each in the colour its bar is drawn with (they were
    black: the classes had no rule)."""
    macro = (TEMPLATES / "budget" / "_macros.html").read_text(encoding="utf-8")
    css = (TEMPLATES.parent / "static" / "css" / "rete.css").read_text(encoding="utf-8")
    fills = re.findall(r'height="\d+" fill="(#[0-9a-f]{6})"></rect>', macro)
    bars = [fill for fill in fills if fill != "#e6e9f2"]  # the grey track under each bar
    keys = re.findall(r'class="rete-key rete-key-(\w+)"', macro)
    assert len(bars) == len(keys) == 3
    for key, fill in zip(keys, bars, strict=True):
        assert re.search(rf"\.rete-key-{key} \{{ color: {fill}; \}}", css), (key, fill)
