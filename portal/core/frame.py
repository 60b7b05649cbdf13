"""The page frame (header with the menu and the user menu, footer), rendered once and reused.

Every page used to render its frame anew: about half of the Python work of a short page (an almost empty
page took ~15,700 function calls, a case list ~31,000), for HTML that is the same for every request of
one user, membership, locale and address. So the header and the footer are rendered once per key
(below) and kept in a small per-process dict; what differs between two such requests — the CSRF token,
the current address (the language forms' ``next``, the feedback link) and the notification bell, whose
count is read per request — is rendered with marks that are replaced per request. A test renders pages
with and without the cache and compares them byte for byte.

The key holds everything the two templates read: the locale, the script root, the endpoint (active menu
entry, the login link), the user (id, name) and the membership (id, role, tenant name and kind: the menu
and the capabilities depend on the role and the tenant's kind only, see core/navigation.py). A template
that starts reading something else must add it to the key.
"""
from flask import current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

# Marks stand where a per-request value goes; none of their characters is escaped by Jinja.
CSRF_MARK = "@@rete-frame-csrf@@"
HERE_MARK = "@@rete-frame-here@@"
BELL_MARK = "@@rete-frame-bell@@"
FEEDBACK_MARK = "@@rete-frame-feedback@@"

# Bounded: a worker serving many users keeps the most recent ones; when full it starts again (a miss costs
# one ordinary render, so an LRU's book-keeping would not pay for itself).
MAX_ENTRIES = 2048


def _cache() -> dict:
    return current_app.extensions.setdefault("rete_frame", {})


def _key(part: str, membership) -> tuple:
    user = current_user
    who = (user.id, user.full_name) if user.is_authenticated else None
    where = None
    if membership is not None:
        tenant = membership.tenant
        where = (membership.id, membership.role, tenant.name, tenant.kind)
    return (part, str(get_locale()), request.script_root, request.endpoint, who, where)


def _rendered(part: str, template: str, membership) -> str:
    if not current_app.config.get("FRAME_CACHE", True):
        return _render(template, membership)
    cache = _cache()
    key = _key(part, membership)
    html = cache.get(key)
    if html is None:
        if len(cache) >= MAX_ENTRIES:
            cache.clear()
        html = cache[key] = _render(template, membership)
    return html


def _render(template: str, membership) -> str:
    return render_template(template, membership=membership, frame_csrf=CSRF_MARK, frame_here=HERE_MARK,
                           frame_bell=Markup(BELL_MARK), frame_feedback=FEEDBACK_MARK,
                           sprites=url_for("static", filename="vendor/svg/sprites.svg"))


def page_header(membership, here: str) -> Markup:
    html = _rendered("header", "core/_header.html", membership)
    html = html.replace(CSRF_MARK, str(escape(generate_csrf()))).replace(HERE_MARK, str(escape(here)))
    if BELL_MARK in html:
        html = html.replace(BELL_MARK, render_template("notifications/_bell.html"))
    return Markup(html)


def page_footer(membership) -> Markup:
    html = _rendered("footer", "core/_footer.html", membership)
    if request.endpoint == "core.feedback" or request.url_rule is None:
        feedback = url_for("core.feedback")
    else:
        # The route, not the address: a reset or invitation link's token, or a search, must not travel in a
        # query string (proxy logs, history) nor be stored with the feedback.
        feedback = url_for("core.feedback", pagina=request.url_rule.rule)
    return Markup(html.replace(FEEDBACK_MARK, str(escape(feedback))))
