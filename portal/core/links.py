"""Links to Rete's pages from outside a request (e-mails, in-app notices, webhooks, background jobs): the
path from the app's URL map, and the absolute address under ``SERVER_BASE_URL``. One place, so every
message links the same way whatever host the request (if any) came in on."""
from urllib.parse import urlsplit

from flask import current_app
from werkzeug.exceptions import HTTPException


def path_for(endpoint: str, **values) -> str:
    """``endpoint``'s path with ``values``, without a request context (url_for needs one, or SERVER_NAME)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def absolute(path: str) -> str:
    return current_app.config["SERVER_BASE_URL"].rstrip("/") + path


def absolute_url_for(endpoint: str, **values) -> str:
    return absolute(path_for(endpoint, **values))


def route_of(address: str | None) -> str:
    """The route a page's address is an instance of (``/password/nuova/<token>``), without the values and the
    query: what may be stored, or put in a link, about a page. A path's values can be secrets (a reset or an
    invitation token), a query a search for a person; '' for an address that is no page of Rete. A route given
    (the footer's link carries one) is kept as it is: ``/casi/<int:case_id>`` matches no address itself."""
    path = urlsplit(address or "").path
    if path in {rule.rule for rule in current_app.url_map.iter_rules()}:
        return path
    try:
        rule, _ = current_app.url_map.bind("localhost").match(path, return_rule=True)
    except HTTPException:  # not found, another method only, a redirect (werkzeug's routing answers)
        return ""
    return rule.rule
