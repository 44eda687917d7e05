"""Serving the OpenAPI document."""

from __future__ import annotations

from typing import Any

from quiz.api.base import bp
from quiz.api.openapi import OpenApiDocument, document, documented


@bp.get("/openapi.json")
@documented("get", "/api/v1/openapi.json", "This document", responses={200: OpenApiDocument})
def openapi() -> Any:
    return document()
