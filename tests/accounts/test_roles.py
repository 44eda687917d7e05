"""Who may open what."""

from __future__ import annotations

import pytest

ORGANISER_PAGES = ["/organiser/users", "/organiser/audit"]


@pytest.mark.parametrize("path", ORGANISER_PAGES)
def test_anonymous_visitor_is_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


@pytest.mark.parametrize("path", ORGANISER_PAGES)
def test_student_gets_403_on_organiser_pages(student_client, path):
    response = student_client.get(path)
    assert response.status_code == 403
    assert "không được phép" in response.text


@pytest.mark.parametrize("path", ORGANISER_PAGES)
def test_coordinator_gets_403_on_organiser_pages(coordinator_client, path):
    assert coordinator_client.get(path).status_code == 403


def test_student_cannot_post_to_organiser_forms(student_client, db_session):
    response = student_client.post(
        "/organiser/users",
        data={"role": "organiser", "email": "x@example.org", "full_name": "Evil Student"},
    )
    assert response.status_code == 403


@pytest.mark.parametrize("path", ORGANISER_PAGES)
def test_organiser_opens_organiser_pages(organiser_client, path):
    assert organiser_client.get(path).status_code == 200


def test_navigation_follows_the_role(student_client, organiser_client):
    assert "/organiser/users" not in student_client.get("/").text
    assert "/organiser/users" in organiser_client.get("/").text


def test_anonymous_api_call_needing_a_user_is_401_json(client):
    response = client.delete("/api/v1/auth/token")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "not_authenticated"
