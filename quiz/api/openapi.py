"""The OpenAPI 3.1 document, generated from the API's own pydantic models.

Each endpoint declares its body and response models with :func:`documented`;
the same models validate bodies and shape responses, so the document cannot
drift from the code. A test checks that every /api/v1 route is documented.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

from quiz.web import MAX_ID, MAX_OFFSET

F = TypeVar("F", bound=Callable[..., Any])
REF = "#/components/schemas/{model}"

#: The bounds the API enforces on its integer parameters (422 or 404 outside them):
#: ids within the database's range; ``limit`` from 1 (more than 500 gives 500).
ID_BOUNDS = {"minimum": 1, "maximum": MAX_ID}
QUERY_BOUNDS: dict[str, dict[str, Any]] = {
    "limit": {"minimum": 1},
    "offset": {"minimum": 0, "maximum": MAX_OFFSET},
    "round": ID_BOUNDS,
    # Control characters are refused in every text (quiz.guards): tab, LF, CR aside.
    "q": {"pattern": "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$"},
}


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    """Every error under /api/: a machine code and a message in the caller's language."""

    error: ErrorBody


class OpenApiDocument(BaseModel):
    """An OpenAPI 3.1 document."""

    openapi: str
    paths: dict[str, Any]


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    body: type[BaseModel] | None = None
    responses: dict[int, type[BaseModel] | None] = field(default_factory=dict)
    errors: tuple[int, ...] = ()
    auth: bool = False
    query: tuple[tuple[str, str | dict[str, Any]], ...] = ()


OPERATIONS: list[Operation] = []


def documented(
    method: str,
    path: str,
    summary: str,
    *,
    body: type[BaseModel] | None = None,
    responses: dict[int, type[BaseModel] | None] | None = None,
    errors: tuple[int, ...] = (),
    auth: bool = False,
    query: tuple[tuple[str, str | dict[str, Any]], ...] = (),
) -> Callable[[F], F]:
    """Record an endpoint in the document (the view itself is unchanged)."""

    def decorator(view: F) -> F:
        OPERATIONS.append(
            Operation(method.lower(), path, summary, body, responses or {}, errors, auth, query)
        )
        return view

    return decorator


def flask_rule_to_path(rule: str) -> str:
    """``/rounds/<int:round_id>`` -> ``/rounds/{round_id}``."""
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def document() -> dict[str, Any]:
    """The whole OpenAPI document."""
    schemas: dict[str, Any] = {}

    def ref(model: type[BaseModel]) -> dict[str, Any]:
        schema = model.model_json_schema(ref_template=REF)
        for name, definition in schema.pop("$defs", {}).items():
            schemas[name] = definition
        schemas[model.__name__] = schema
        return {"$ref": REF.format(model=model.__name__)}

    paths: dict[str, Any] = {}
    for op in OPERATIONS:
        entry: dict[str, Any] = {"summary": op.summary, "responses": {}}
        parameters = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "integer", **ID_BOUNDS},
            }
            for name in re.findall(r"{([a-z_]+)}", op.path)
        ] + [
            {
                "name": name,
                "in": "query",
                "required": False,
                "schema": kind
                if isinstance(kind, dict)
                else {"type": kind, **QUERY_BOUNDS.get(name, {})},
            }
            for name, kind in op.query
        ]
        if parameters:
            entry["parameters"] = parameters
        if op.body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(op.body)}},
            }
        for status, model in op.responses.items():
            response: dict[str, Any] = {"description": str(status)}
            if model is not None:
                response["content"] = {"application/json": {"schema": ref(model)}}
            entry["responses"][str(status)] = response
        for status in (*op.errors, *((401,) if op.auth else ())):
            entry["responses"][str(status)] = {
                "description": str(status),
                "content": {"application/json": {"schema": ref(ErrorOut)}},
            }
        if op.auth:
            entry["security"] = [{"bearer": []}, {"cookie": []}]
        paths.setdefault(op.path, {})[op.method] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": "Quiz contest platform API", "version": "1"},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
    }
