"""The public list of universities."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import get_locale

from quiz.api.base import bp, page_args
from quiz.db import get_session
from quiz.universities import services


@bp.get("/universities")
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
