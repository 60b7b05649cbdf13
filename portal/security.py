"""Security headers (a strict CSP with no inline script or style), CSRF and rate limits."""
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .extensions import csrf, limiter

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def init_security(app: Flask) -> None:
    from .assets import init_assets
    from .core.edge import init_edge

    init_edge(app)
    init_assets(app)
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    if app.config.get("RATELIMIT_STORAGE_URI", "").startswith(("redis://", "rediss://", "redis+")):
        # A Redis that stops answering must not hold every login: give up fast, then the in-memory
        # fallback (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED) counts until it is back.
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1})
    limiter.init_app(app)
    hops = app.config["PROXY_TRUSTED_HOPS"]
    if hops:
        # Only the addresses our own proxies appended are believed: rate limits and the audit log key on the
        # client address they report, and a client cannot choose it by sending its own X-Forwarded-For.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config["SESSION_COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if response.mimetype == "text/html":
            # Pages may show personal data: never keep them in shared caches or the back/forward cache.
            headers.setdefault("Cache-Control", "no-store")
        return response
