"""Security headers on every answer (Flask-Talisman).

- A Content-Security-Policy without ``'unsafe-inline'``: every script and style
  comes from the site's own files, so an injected ``<script>`` never runs.
- No framing by other sites (``frame-ancestors 'none'`` and ``X-Frame-Options``):
  the attempt and password forms cannot be overlaid by another page.
- ``X-Content-Type-Options: nosniff`` and a referrer policy that never sends
  a page's address (which may name an attempt) to another site.
- HSTS when secure cookies are on (``QUIZ_SECURE_COOKIES``, behind HTTPS).

HTTPS itself is the front proxy's business (see the README): the app does not
redirect to it, and ``quiz demo`` runs on plain HTTP.
"""

from __future__ import annotations

from flask import Flask
from flask_talisman import Talisman

#: Everything from the site itself; images may also be data: URLs (the favicon).
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": ["'self'", "data:"],
    "connect-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

talisman = Talisman()


def init_app(app: Flask) -> None:
    secure = bool(app.config.get("SESSION_COOKIE_SECURE"))
    talisman.init_app(
        app,
        force_https=False,
        frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        referrer_policy="strict-origin-when-cross-origin",
        strict_transport_security=secure,
        strict_transport_security_include_subdomains=False,
        session_cookie_secure=secure,
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
        x_content_type_options=True,
        permissions_policy={"camera": "()", "microphone": "()", "geolocation": "()"},
    )
