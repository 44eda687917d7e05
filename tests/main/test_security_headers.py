"""Every page and answer carries the security headers; nothing may frame the forms."""

from __future__ import annotations

import pytest

from quiz import create_app


@pytest.mark.parametrize("path", ["/", "/login", "/rounds", "/api/v1/rounds", "/healthz"])
def test_pages_and_answers_carry_the_security_headers(client, path):
    response = client.get(path)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP


def test_hsts_when_secure_cookies_are_on_behind_https(app, tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path))
    secure = create_app({**app.config, "SESSION_COOKIE_SECURE": True, "PROXY_HOPS": 1})
    response = secure.test_client().get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "max-age=" in response.headers["Strict-Transport-Security"]
