"""Site-wide protections: security headers, HSTS in production, rate limits on public pages.

Rate limits: each route has a default limit per client address (`RATELIMIT_DEFAULT`,
generous enough for people, not for scrapers), except static files and `/healthz`; some
routes set tighter limits of their own (staff sign-in, uploads, complaint filing). Over the
limit the answer is 429: a page in the visitor's language, or the docs/contract.md §4 JSON error under
`/api/`. Counters live in Redis when `REDIS_URL` is set, so every worker shares them.
"""

from flask import Flask, Request, Response, current_app, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
HSTS = "max-age=31536000; includeSubDomains"
# Per client address and route. A page view is one request (static files are free), so a
# person reading the site stays far below this even behind an office's shared address.
PUBLIC_LIMITS = "300 per minute;5000 per hour"
_EXEMPT_PATHS = ("/static/", "/healthz")
_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(self), geolocation=(), microphone=()"),
)


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions; a request without the cookie (every anonymous reader)
    gets an empty session without building a signer to verify nothing."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def public_rate_limit() -> str:
    """Return the default limit for every route without its own (`RATELIMIT_DEFAULT`)."""
    return str(current_app.config.get("RATELIMIT_DEFAULT") or PUBLIC_LIMITS)


def exempt_from_default_limit() -> bool:
    """Tell whether this request is free of the default limit (static files, health checks)."""
    return request.path.startswith(_EXEMPT_PATHS)


def set_security_headers(response: Response) -> Response:
    """Add CSP (no inline scripts), nosniff, frame protection, referrer policy and HSTS."""
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}  # one pass, not one per header
    for name, value in _HEADERS:
        if name.lower() not in present:
            headers.add(name, value)
    if current_app.config.get("PORTAL_ENV") == "production":
        # Sent on every response: behind a TLS-terminating proxy the app may see plain HTTP,
        # and browsers ignore the header on insecure responses anyway.
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    """Register the headers on every response; trust `TRUSTED_PROXIES` hops of X-Forwarded-*."""
    app.after_request(set_security_headers)
    app.session_interface = CookieSessions()
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        # Behind nginx, rate limits and the audit log must see the client's address, not the
        # proxy's; only as many X-Forwarded-For entries as there are trusted proxies count.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
