"""Small helpers the domain views share: a guard and a file download (a refused form: core/transaction.py)."""
import io
from functools import wraps

from flask import abort, send_file


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
