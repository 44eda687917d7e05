"""The public list of universities."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import get_locale
from pydantic import BaseModel

from quiz.api.base import bp, page_args
from quiz.api.openapi import documented
from quiz.db import get_session
from quiz.universities import services


class UniversityOut(BaseModel):
    code: str
    name: str
    short_name: str


class UniversityList(BaseModel):
    universities: list[UniversityOut]
    total: int


@bp.get("/universities")
@documented(
    "get",
    "/api/v1/universities",
    "List universities (searchable)",
    responses={200: UniversityList},
    errors=(422,),
    query=(("q", "string"), ("limit", "integer"), ("offset", "integer")),
)
def list_universities() -> Any:
    limit, offset = page_args()
    universities, total = services.search(
        get_session(), request.args.get("q", "")[:100], limit=limit, offset=offset
    )
    locale = str(get_locale() or "vi")
    return {
        "universities": [
            {"code": u.code, "name": u.name(locale), "short_name": u.short_name}
            for u in universities
        ],
        "total": total,
    }
