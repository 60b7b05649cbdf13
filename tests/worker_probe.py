"""A job for tests/test_jobs_worker_app.py: which process ran it."""
import os


def pid() -> int:
    return os.getpid()
