"""Links to Rete's pages from outside a request (e-mails, in-app notices, webhooks, background jobs): the
path from the app's URL map, and the absolute address under ``SERVER_BASE_URL``. One place, so every
message links the same way whatever host the request (if any) came in on."""
from flask import current_app


def path_for(endpoint: str, **values) -> str:
    """``endpoint``'s path with ``values``, without a request context (url_for needs one, or SERVER_NAME)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def absolute(path: str) -> str:
    return current_app.config["SERVER_BASE_URL"].rstrip("/") + path


def absolute_url_for(endpoint: str, **values) -> str:
    return absolute(path_for(endpoint, **values))
