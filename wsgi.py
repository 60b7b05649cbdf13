"""WSGI entry point for gunicorn: ``gunicorn wsgi:app``. Connects as the application role."""
from portal import create_app

app = create_app()
