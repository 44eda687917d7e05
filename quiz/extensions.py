"""Flask extensions, created unbound and attached by the app factory."""

from __future__ import annotations

from flask import request
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf import CSRFProtect


def client_ip() -> str:
    """The client's address: the socket's peer, or behind ``QUIZ_PROXY_HOPS``
    trusted proxies the address they forwarded (werkzeug's ProxyFix)."""
    return request.remote_addr or "unknown"


babel = Babel()
compress = Compress()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=client_ip)
