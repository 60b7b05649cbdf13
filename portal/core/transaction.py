"""The transaction boundary: the request commits once, and a refused service call undoes only itself.

A request runs in one transaction that ``portal/db.py`` ends after the view: a response below 400 commits,
anything else rolls back. Services flush and audit and never commit. A view that re-renders a refused
form answers 200, so what the refused call had already flushed must be gone by then — and nothing else:
what the request did before it (an audited read, a notice marked as read) still commits.

:func:`attempt` is the one way a view tries a service call. No view calls ``rollback()`` (a test checks).
"""
from collections.abc import Iterator
from contextlib import contextmanager

from ..extensions import db
from .errors import ServiceError


class Outcome:
    """What :func:`attempt` yields: true once the block ran to its end; ``error`` holds the refusal."""

    def __init__(self) -> None:
        self.ok = False
        self.error: Exception | None = None

    def __bool__(self) -> bool:
        return self.ok


def show_on_form(form, exc: Exception) -> None:
    """Put the refusal on the field it names (``exc.field``), else at the top of the form. The form keeps
    what the user typed: its fields are not touched."""
    name = getattr(exc, "field", None)
    field = getattr(form, name, None) if name else None
    if field is not None and hasattr(field, "errors"):
        field.errors = list(field.errors or []) + [str(exc)]
    else:
        form.form_errors.append(str(exc))


@contextmanager
def attempt(form=None, *, refusing: type[Exception] | tuple[type[Exception], ...] = ServiceError) -> Iterator[Outcome]:
    """Run the block inside a savepoint; a ``refusing`` exception (a :class:`ServiceError` unless told)
    rolls the savepoint back and ends up on ``form``, anything else rolls it back and propagates::

        with attempt(form) as done:
            services.assign_case_worker(case, form.case_worker.data, form.version.data)
        if done:
            flash(_("Assegnazione aggiornata."), "success")
            return redirect(url_for("cases.detail", case_id=case.id))
        return _case_page(case, assign_form=form)     # 200: the rest of the request commits

    Without a form, read ``done.error`` (e.g. to flash it or answer an API problem). The savepoint is
    released (flushed) at the end of the block, so a unique key refused by the database is caught too
    (``refusing=IntegrityError``). Objects changed in a rolled-back savepoint are expired and reload.
    """
    outcome = Outcome()
    savepoint = db.session.begin_nested()
    try:
        yield outcome
        savepoint.commit()
    except refusing as exc:
        if savepoint.is_active:
            savepoint.rollback()
        outcome.error = exc
        if form is not None:
            show_on_form(form, exc)
        return
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    outcome.ok = True
