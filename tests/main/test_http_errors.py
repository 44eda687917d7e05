"""Bad requests get clear, translated answers; never a stack trace."""

from __future__ import annotations

import pytest
from flask import Blueprint

from quiz import create_app


def test_twenty_megabyte_body_is_413_json_under_api(client):
    response = client.post(
        "/api/v1/register",
        data=b"{" + b" " * (20 * 1024 * 1024) + b"}",
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response.json["error"]["code"] == "too_large"


def test_twenty_megabyte_form_is_413_page(client):
    response = client.post("/register", data={"full_name": "x" * (20 * 1024 * 1024)})
    assert response.status_code == 413
    assert "quá lớn" in response.text


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"", b"\xff\xfe"])
def test_malformed_json_is_400_with_the_error_envelope(client, body):
    response = client.post("/api/v1/register", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"


def test_unknown_api_route_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json == {
        "error": {"code": "not_found", "message": response.json["error"]["message"]}
    }


def test_wrong_method_under_api_is_json_405(client):
    response = client.get("/api/v1/register")
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("language", "words"),
    [("vi", "không tồn tại"), ("en", "does not exist"), ("fr", "n'existe pas")],
)
def test_404_page_is_translated(client, language, words):
    response = client.get("/no-such-page", headers={"Accept-Language": language})
    assert response.status_code == 404
    assert words in response.text
    assert f'lang="{language}"' in response.text


def test_unexpected_error_shows_no_stack_trace(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path))
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'boom.db'}"})
    bp = Blueprint("boom", __name__)

    @bp.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    @bp.get("/api/v1/boom")
    def api_boom():
        raise RuntimeError("secret internals")

    app.register_blueprint(bp)
    client = app.test_client()
    page = client.get("/boom")
    api = client.get("/api/v1/boom")
    assert page.status_code == 500
    assert "secret internals" not in page.text and "Traceback" not in page.text
    assert api.status_code == 500
    assert api.json["error"]["code"] == "server_error"
    assert "secret internals" not in api.text
