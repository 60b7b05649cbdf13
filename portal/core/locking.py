"""Optimistic locking at the service boundary.

Forms carry the ``version`` they were rendered with. A mismatch means someone else saved in between:
the view shows a conflict page that keeps what the user typed (see errors.py), nothing is overwritten.
A race that slips between the check and the UPDATE is caught by SQLAlchemy's version counter
(StaleDataError) and handled the same way.
"""
from .errors import Conflict


class ConflictError(Conflict):
    def __init__(self, obj, expected: int | None):
        super().__init__(f"{type(obj).__name__} {getattr(obj, 'id', '?')} changed (v{expected} → v{obj.version})")
        self.obj = obj
        self.expected = expected


def check_version(obj, expected) -> None:
    try:
        expected = int(expected)
    except (TypeError, ValueError):
        expected = None
    if expected != obj.version:
        raise ConflictError(obj, expected)
