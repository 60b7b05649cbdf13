"""Small helpers the domain views share: a guard and a file download (a refused form: core/transaction.py)."""
from functools import wraps

from flask import abort, send_file


def download(fileobj, mimetype: str, filename: str):
    """An attachment that no cache keeps (exports carry personal or financial data)."""
    response = send_file(fileobj, mimetype=mimetype, as_attachment=True, download_name=filename, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


def guarded(check, forbidden: type[Exception] = PermissionError):
    """View decorator: login and a chosen tenant, then ``check()`` or 403; the domain's ``Forbidden``
    (raised by a service deeper down) is a 403 too."""
    from ..accounts.permissions import membership_required

    def decorator(view):
        @wraps(view)
        @membership_required
        def wrapped(*args, **kwargs):
            if not check():
                abort(403)
            try:
                return view(*args, **kwargs)
            except forbidden:
                abort(403)

        return wrapped

    return decorator
