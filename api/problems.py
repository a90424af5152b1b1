"""Every error as RFC 9457 problem details: engine errors, auth, validation, limits, and
anything unexpected (a 500 with a generic detail; the exception is logged, never sent)."""

from __future__ import annotations

import logging
from typing import Any

from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.plugins.problem_details import (
    ProblemDetailsConfig,
    ProblemDetailsException,
    ProblemDetailsPlugin,
)
from pydantic import BaseModel, ConfigDict

from engine.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RefusedError,
    UnitgateError,
)

__all__ = ["Problem", "problem_plugin", "problems"]

_log = logging.getLogger("unitgate.api")

_STATUS: tuple[tuple[type[UnitgateError], int], ...] = (
    (InvalidInputError, 400),
    (PermissionDeniedError, 403),
    (NotFoundError, 404),
    (RefusedError, 409),
    (ConflictError, 409),
)
_TITLES = {
    400: "invalid input",
    401: "not authenticated",
    403: "permission denied",
    404: "not found",
    405: "method not allowed",
    409: "conflict",
    413: "request body too large",
    429: "too many requests",
    500: "internal error",
}


class Problem(BaseModel):
    """An RFC 9457 problem: what went wrong, and what to do about it."""

    model_config = ConfigDict(extra="allow")

    type: str
    """A URI naming the kind of problem."""
    title: str
    status: int
    detail: str
    help: str | None = None
    """What the caller can do."""
    errors: list[dict[str, Any]] | None = None
    """Field-level messages for invalid input."""


def _type(status: int) -> str:
    return f"urn:unitgate:problem:{_TITLES.get(status, 'error').replace(' ', '-')}"


def _from_unitgate(exc: UnitgateError) -> ProblemDetailsException:
    status = next((code for cls, code in _STATUS if isinstance(exc, cls)), 400)
    extra = {"help": exc.help} if exc.help else None
    return ProblemDetailsException(
        detail=exc.message, status_code=status, title=exc.title, type_=_type(status), extra=extra
    )


def _from_validation(exc: ValidationException) -> ProblemDetailsException:
    errors = exc.extra if isinstance(exc.extra, list) else []
    fields = ", ".join(f"`{e.get('key')}`" for e in errors if isinstance(e, dict) and e.get("key"))
    detail = f"invalid input in {fields}" if fields else str(exc.detail).lower()
    return ProblemDetailsException(
        detail=detail,
        status_code=400,
        title="invalid input",
        type_=_type(400),
        extra={"errors": errors},
    )


def _from_http(exc: HTTPException) -> ProblemDetailsException:
    headers = dict(exc.headers or {})
    if isinstance(exc, NotAuthorizedException):
        headers.setdefault("WWW-Authenticate", 'Bearer realm="unitgate"')
    status = exc.status_code
    return ProblemDetailsException(
        detail=str(exc.detail),
        status_code=status,
        title=_TITLES.get(status, str(exc.detail).lower()),
        type_=_type(status),
        headers=headers,
    )


def _from_unexpected(exc: Exception) -> ProblemDetailsException:
    # Everything not mapped above is a defect or an outage (e.g. the database is gone): the
    # caller learns only that, the log gets the traceback.
    _log.error("unexpected error answered with 500", exc_info=exc)
    return ProblemDetailsException(
        detail="the service failed to answer this request",
        status_code=500,
        title=_TITLES[500],
        type_=_type(500),
        extra={"help": "try again later; the service logged the error for its operators"},
    )


def problem_plugin() -> ProblemDetailsPlugin:
    """The plugin that renders every error as `application/problem+json`."""
    return ProblemDetailsPlugin(
        ProblemDetailsConfig(
            enable_for_all_http_exceptions=True,
            exception_to_problem_detail_map={
                UnitgateError: _from_unitgate,
                ValidationException: _from_validation,
                HTTPException: _from_http,
                Exception: _from_unexpected,
            },
        )
    )


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI responses for the problems a route can answer with (401 always)."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=_TITLES.get(status, "error"),
            media_type="application/problem+json",
            generate_examples=False,
        )
        for status in sorted({401, 400, *statuses})
    }
