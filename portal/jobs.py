"""Background jobs: RQ on Redis in production, inline in the embedded default and in tests."""
import functools
import logging

from flask import after_this_request, current_app, has_app_context

from .extensions import db

log = logging.getLogger(__name__)

_worker_app_factory = None  # registered by the wiring (portal/__init__.py): the low layers never import it
_worker_app = None  # the RQ worker's own app, built on its first job


def register_worker_app(factory) -> None:
    """Tell the jobs how a worker builds its own app (an owner app from the environment)."""
    global _worker_app_factory, _worker_app
    _worker_app_factory, _worker_app = factory, None


def in_app(func):
    """Decorate an RQ job: it runs in the caller's app when there is one (inline, tests), else in the worker's
    own app, built once per worker process (one connection pool, not one per job), its session removed after."""
    @functools.wraps(func)
    def job(*args, **kwargs):
        if has_app_context():
            return func(*args, **kwargs)
        global _worker_app
        if _worker_app is None:
            if _worker_app_factory is None:
                raise RuntimeError("no worker app registered: import portal first")
            _worker_app = _worker_app_factory()
        with _worker_app.app_context():
            try:
                return func(*args, **kwargs)
            finally:
                db.session.remove()
    return job


# Enqueueing happens inside the user's request: a Redis that does not answer must not hold it long.
REDIS_TIMEOUT_SECONDS = 2


def enqueue(func, *args, **kwargs):
    """Run ``func`` on the RQ queue when REDIS_URL is set, else now. Jobs get plain arguments only.

    When Redis is unreachable the job runs now instead, as in the embedded default: the user's action
    never fails because the queue is away (a slower answer is the price)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return func(*args, **kwargs)
    job = _push(url, func, *args, **kwargs)
    return func(*args, **kwargs) if job is None else job


def _push(url: str, func, *args, **kwargs):
    """The job on the queue, or None (logged) when Redis does not answer."""
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue

    connection = Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS)
    try:
        return Queue("rete", connection=connection).enqueue(func, *args, **kwargs)
    except RedisError as exc:
        log.warning("job queue unreachable (%s): %s runs here", type(exc).__name__, func.__name__)
        return None


@in_app
def run_committed(func, *args) -> None:
    """A queued ``after_response`` job: ``func(*args)`` in a transaction of its own."""
    _run_committed(func, args)


def after_response(func, *args) -> None:
    """Run ``func(*args)`` where its duration cannot show in this request's answer, in a transaction of its own:
    a password reset asked for a known address (a lookup, a mail, an audit row) must answer, and close its
    connection, as fast as one for an unknown address. With the job queue (REDIS_URL) the work is queued from
    the request, one push whatever it is, and a worker does it: work after the answer would still hold a sync
    worker's connection open (a reviewer timed the close: 7.1 ms for a known address, 4.3 ms for an unknown
    one). Without the queue (the embedded default), or with it unreachable, it runs once the answer has been
    sent (werkzeug's ``call_on_close``). A failure is logged, never raised: the answer has gone. Jobs get plain
    arguments only, as on the queue."""
    url = current_app.config.get("REDIS_URL")
    if url and _push(url, run_committed, func, *args) is not None:
        return
    app = current_app._get_current_object()

    @after_this_request
    def _later(response):
        response.call_on_close(lambda: _run_after(app, func, args))
        return response


def _run_after(app, func, args) -> None:
    if has_app_context():  # the test client closes the answer inside the test's own app context (its session)
        _run_committed(func, args)
        return
    with app.app_context():
        try:
            _run_committed(func, args)
        finally:
            db.session.remove()


def _run_committed(func, args) -> None:
    try:
        func(*args)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("work after the answer failed: %s", func.__name__)
