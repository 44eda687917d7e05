"""API tokens: hashed at rest, expiring, revocable."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from quiz.accounts.models import ApiToken
from quiz.clock import now
from tests.conftest import PASSWORD, log_in


def get_token(client, user):
    response = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    return response.json


def test_token_is_stored_only_as_a_digest(client, student, db_session):
    token = get_token(client, student)["token"]
    stored = db_session.scalars(select(ApiToken).where(ApiToken.user_id == student.id)).all()
    assert len(stored) == 1
    assert stored[0].digest != token and token not in stored[0].digest
    assert len(stored[0].digest) == 64


def test_token_expires_at_is_utc_iso_with_z(client, student):
    assert get_token(client, student)["expires_at"].endswith("Z")


def test_revoked_token_no_longer_works(client, student):
    token = get_token(client, student)["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    response = client.delete("/api/v1/auth/token", headers=headers)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "not_authenticated"


def test_expired_token_is_refused(client, student):
    token = get_token(client, student)["token"]
    headers = {"Authorization": f"Bearer {token}"}
    with time_machine.travel(now() + timedelta(days=8)):
        assert client.delete("/api/v1/auth/token", headers=headers).status_code == 401


def test_password_change_revokes_every_token(client, app, student):
    token = get_token(client, student)["token"]
    log_in(app, student).post(
        "/profile/password",
        data={
            "pw-current_password": PASSWORD,
            "pw-new_password": "brand-new-lantern-77",
            "pw-confirm": "brand-new-lantern-77",
        },
    )
    response = client.delete("/api/v1/auth/token", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_wrong_credentials_are_401_with_the_error_envelope(client, student):
    response = client.post(
        "/api/v1/auth/token", json={"email": student.email, "password": "not-it-at-all"}
    )
    assert response.status_code == 401
    assert set(response.json["error"]) == {"code", "message"}
