"""Background jobs: RQ on Redis in production, inline in the embedded default and in tests."""
from flask import current_app


def enqueue(func, *args, **kwargs):
    """Run ``func`` on the RQ queue when REDIS_URL is set, else now. Jobs get plain arguments only."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return func(*args, **kwargs)
    from redis import Redis
    from rq import Queue

    return Queue("rete", connection=Redis.from_url(url)).enqueue(func, *args, **kwargs)
