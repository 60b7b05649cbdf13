"""Small helpers the domain views share: a guard, a file download, the two shapes of a form POST
(``saved``: a form page; ``acted``: a button on another page) and the label dicts a blueprint gives its
templates (``expose_labels``). A refused form: core/transaction.py."""
import io
from functools import wraps

from flask import abort, flash, redirect, request, send_file

from .files import send_stored
from .rows import or_403, or_404
from .transaction import attempt


def _of(value, result):
    return value(result) if callable(value) else value


def saved(form, save, message, target):
    """A form page's POST: when ``form`` validates, ``save()`` runs in :func:`attempt` (a refusal shows on
    the form); once it went through, ``message`` is flashed and the answer redirects to ``target`` (either
    may be a function of what ``save`` returned). None otherwise: the view shows the form again::

        return saved(form, lambda: services.set_legal_basis(referral, form.legal_basis.data, form.version.data),
                     _("Base giuridica registrata."), url_for(".detail", referral_id=referral.id)) \
            or _render_detail(referral, legal_form=form)
    """
    if not form.validate_on_submit():
        return None
    with attempt(form) as done:
        result = save()
    if not done:
        return None
    flash(_of(message, result), "success")
    return redirect(_of(target, result))


def edit_form(form_class, row):
    """An edit page's form: on GET filled from ``row`` and its ``version`` (what the POST must still find), on
    POST from the request alone (a field left empty stays empty, not the row's)."""
    if request.method != "GET":
        return form_class()
    form = form_class(obj=row)
    form.version.data = row.version
    return form




def acted(form, act, message, target, refused_target=None):
    """A button's POST (no page of its own): 400 when ``form`` does not validate for its hidden fields (forged
    or stale), else ``act()`` in :func:`attempt`; the outcome is flashed, ``message`` or the refusal, then back
    to ``target`` — or, refused, to ``refused_target(error)`` when given (a page that asks for what the refusal
    wants). A box refused on its own (a text past its length from a client that ignores maxlength) is flashed
    with its label like a refusal, not a 400 page."""
    if not form.validate_on_submit():
        refused = [field for field in form if field.errors]
        # A hidden field (version, token, key) is what the page wrote, not what people typed: wrong, the form
        # was forged or is stale.
        if not refused or any(field.flags.hidden for field in refused):
            abort(400)
        for field in refused:
            flash(f"{field.label.text}: {field.errors[0]}", "danger")
        return redirect(_at_the_top(target))
    with attempt() as done:
        result = act()
    if done:
        flash(_of(message, result), "success")
        return redirect(target)
    flash(str(done.error), "danger")
    return redirect(refused_target(done.error) if refused_target else _at_the_top(target))


def _at_the_top(target: str) -> str:
    """A refusal is told at the top of the page (the messages' place): a target's anchor (``#fatture``) would
    open the page thousands of pixels below it, on a phone, with no sign that anything was refused."""
    return target.split("#", 1)[0]


def download(content, mimetype: str, filename: str):
    """An attachment (bytes, text or a file object) that no cache keeps: exports carry personal or
    financial data. The one way the domains answer a generated download (name encoded by werkzeug,
    ``nosniff`` added by the security headers)."""
    if isinstance(content, str):
        content = content.encode("utf-8")
    if isinstance(content, bytes | bytearray):
        content = io.BytesIO(content)
    response = send_file(content, mimetype=mimetype, as_attachment=True, download_name=filename, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


def already_sent(message, target: str):
    """The same form posted again (a double click, a page sent again; its ``SubmissionKeyField`` found the row
    the first post made): nothing is done twice, the user is told so and sent where the first post went."""
    flash(message, "info")
    return redirect(target)


def send_read(row, read):
    """``row``'s stored file as a download, under its own name and type (``row.filename``, ``row.content_type``):
    ``read(row)`` gives its bytes, None when it has none (404); a Forbidden it raises is the app's 403."""
    return send_stored(or_404(read(row)), row.content_type, row.filename)


def guarded(check):
    """View decorator: login and a chosen tenant, then ``check()`` or 403. A ``Forbidden`` a service raises
    deeper down needs nothing here: the app's handler answers it with the same 403 (core/errors.py)."""
    from ..accounts.permissions import membership_required

    def decorator(view):
        @wraps(view)
        @membership_required
        def wrapped(*args, **kwargs):
            or_403(check())
            return view(*args, **kwargs)

        return wrapped

    return decorator


def expose_labels(bp, module, *names, everywhere=False, **renamed):
    """Give templates label dicts of ``module`` (a domain's ``labels.py``): each of ``names`` under its own
    name, each ``renamed`` one under the keyword (``REFERRAL_STATE_LABELS="STATE_LABELS"``). Only the pages
    ``bp``'s views render see them (``Blueprint.context_processor``); ``everywhere=True`` gives them to every
    page of the app (``app_context_processor``), for labels that other blueprints' pages show too. The names
    are looked up here, once: a misspelt one fails at import, not on a page."""
    shown = {name: getattr(module, name) for name in names}
    shown |= {alias: getattr(module, name) for alias, name in renamed.items()}
    (bp.app_context_processor if everywhere else bp.context_processor)(lambda: shown)


def asked_from_this_site() -> bool:
    """A GET that reveals an identity (and audits the read in the user's name) came from one of this site's
    pages, or was typed or bookmarked: not from a link on another site, which a signed-in browser would follow
    with its cookies (SameSite=Lax lets top-level navigations carry them), logging a read nobody meant. Browsers
    say where a request came from in Sec-Fetch-Site; without it (older browsers, tools) the request is taken as
    it comes."""
    return request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")


def asked_to_reveal() -> bool:
    """The page was asked with ``?identita=1`` from this site (``asked_from_this_site``)."""
    return request.args.get("identita") == "1" and asked_from_this_site()
