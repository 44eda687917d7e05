"""Tokens and self-registration."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field

from quiz.accounts import services, tokens
from quiz.accounts.auth import bearer_token
from quiz.accounts.limits import (
    admit_login,
    limit_login_failures,
    limit_registrations,
    login_succeeded,
    mark_login_failed,
)
from quiz.api.base import api_role_required, bp, iso, parse_body
from quiz.api.openapi import documented
from quiz.db import get_session
from quiz.errorpages import json_error


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)


class RegistrationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)
    full_name: str = Field(max_length=120)
    university_code: str = Field(max_length=32)
    student_number: str | None = Field(default=None, max_length=32)
    display_name: str | None = Field(default=None, max_length=60)
    accept_rules: bool = True


class TokenOut(BaseModel):
    token: str
    expires_at: str


class RegisteredOut(BaseModel):
    id: int


@bp.post("/auth/token")
@limit_login_failures
@documented(
    "post",
    "/api/v1/auth/token",
    "Log in and get a bearer token",
    body=TokenRequest,
    responses={200: TokenOut},
    errors=(400, 401, 422, 429),
)
def create_token() -> Any:
    body = parse_body(TokenRequest)
    session = get_session()
    admit_login(body.email)
    user = services.authenticate(session, body.email, body.password)
    if user is None:
        mark_login_failed()
        return json_error(
            401, _("The e-mail address or the password is not correct."), "bad_credentials"
        )
    login_succeeded(user)
    token, expires_at = tokens.issue_token(session, user)
    return {"token": token, "expires_at": iso(expires_at)}


@bp.delete("/auth/token")
@api_role_required()
@documented(
    "delete",
    "/api/v1/auth/token",
    "Revoke the token used",
    responses={204: None},
    errors=(400,),
    auth=True,
)
def revoke_token() -> Any:
    token = bearer_token()
    if token is None:
        abort(400)
    tokens.revoke_token(get_session(), token)
    return "", 204


@bp.post("/register")
@limit_registrations
@documented(
    "post",
    "/api/v1/register",
    "Student self-registration",
    body=RegistrationRequest,
    responses={201: RegisteredOut},
    errors=(400, 409, 413, 422, 429),
)
def register() -> Any:
    body = parse_body(RegistrationRequest)
    new = services.NewUser(
        email=body.email,
        full_name=body.full_name,
        university_code=body.university_code,
        password=body.password,
        display_name=body.display_name,
        student_number=body.student_number or "",
    )
    user = services.register_student(get_session(), new, accepted_rules=body.accept_rules)
    return {"id": user.id}, 201
