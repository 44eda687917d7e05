"""Every form is protected against cross-site request forgery."""

from __future__ import annotations

import re

from tests.conftest import PASSWORD


def test_form_post_without_csrf_token_is_refused(client, student, csrf_enabled):
    response = client.post("/login", data={"email": student.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "biểu mẫu" in response.text.lower()
    assert client.get("/profile").status_code == 302  # not logged in


def test_form_post_with_its_csrf_token_is_accepted(client, student, csrf_enabled):
    page = client.get("/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/login", data={"email": student.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_cookie_session_api_write_needs_the_csrf_header(student_client, csrf_enabled):
    response = student_client.delete("/api/v1/auth/token")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "csrf_failed"


def test_bearer_token_api_calls_need_no_csrf_token(client, student, csrf_enabled):
    token = client.post(
        "/api/v1/auth/token", json={"email": student.email, "password": PASSWORD}
    ).json["token"]
    response = client.delete("/api/v1/auth/token", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 204


def test_every_form_on_every_page_carries_a_csrf_token(client, organiser_client, csrf_enabled):
    pages = [(client, "/login"), (client, "/register"), (client, "/")]
    pages += [(organiser_client, p) for p in ("/", "/profile", "/organiser/users")]
    for who, path in pages:
        html = who.get(path).text
        forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", html, re.S | re.I)
        assert forms, path
        for form in forms:
            assert re.search(r'name="([\w-]+-)?csrf_token"', form), path
