"""The public list of universities."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from quiz.db import get_session
from quiz.universities import services
from quiz.web import page_number

bp = Blueprint("universities", __name__, template_folder="templates")

PAGE_SIZE = 50


@bp.get("/universities")
def index() -> Any:
    query = request.args.get("q", "")[:100]
    page = request.args.get("page", 1, type=page_number) or 1
    universities, total = services.search(
        get_session(), query, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render_template(
        "universities/index.html",
        universities=universities,
        total=total,
        query=query,
        page=page,
        pages=pages,
    )
