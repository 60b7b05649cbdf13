"""Helpers for outbox tests: an SMTP port nobody listens on."""
import contextlib
import socket


@contextlib.contextmanager
def closed_port(app):
    """Point the app's SMTP settings at a port with no server (connection refused) for the block."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    saved = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = port
    try:
        yield port
    finally:
        app.config["MAIL_PORT"] = saved
