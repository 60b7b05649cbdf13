"""Background jobs: RQ on Redis in production, inline in the embedded default and in tests."""
import logging

from flask import current_app

log = logging.getLogger(__name__)

# Enqueueing happens inside the user's request: a Redis that does not answer must not hold it long.
REDIS_TIMEOUT_SECONDS = 2


def enqueue(func, *args, **kwargs):
    """Run ``func`` on the RQ queue when REDIS_URL is set, else now. Jobs get plain arguments only.

    When Redis is unreachable the job runs now instead, as in the embedded default: the user's action
    never fails because the queue is away (a slower answer is the price)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return func(*args, **kwargs)
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue

    connection = Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS)
    try:
        return Queue("rete", connection=connection).enqueue(func, *args, **kwargs)
    except RedisError as exc:
        log.warning("job queue unreachable (%s): running %s now", type(exc).__name__, func.__name__)
        return func(*args, **kwargs)
