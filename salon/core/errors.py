"""One error shape for every API answer: {"error": {"code", "message", "field"}}."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException


class ApiError(Exception):
    """Raised by services and routes; rendered as a 4xx that names the problem."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None


class ErrorOut(BaseModel):
    """The body of every 4xx answer, documented once for all operations in the OpenAPI schema."""

    error: ErrorDetail


CLIENT_ERRORS: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorOut, "description": "Refused: the error names the problem"}
}


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found")


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field}}


def field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    """`("body", "events", 3, "quantity")` -> `events[3].quantity`."""
    out = ""
    if loc and loc[0] in ("body", "query", "path", "header", "cookie"):
        loc = loc[1:]
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif out:
            out += f".{part}"
        else:
            out = str(part)
    return out


def describe_validation_error(
    exc: ValidationError | RequestValidationError, union_tags: Collection[str] = ()
) -> ApiError:
    """The first problem, with its path; `union_tags` are discriminator values to leave out."""
    first = exc.errors()[0]
    loc = tuple(p for p in first.get("loc", ()) if not _is_union_tag(p) and p not in union_tags)
    path = field_path(loc)
    message = str(first.get("msg", "invalid value"))
    return ApiError(422, "invalid", f"{path or 'body'}: {message}", field=path or None)


def _is_union_tag(part: Any) -> bool:
    # discriminated unions add the tag value ("page_view") or a function name to the location
    return isinstance(part, str) and (part.startswith("function-") or part.endswith("]"))


NUL_IN_TEXT = "22021"  # PostgreSQL's SQLSTATE character_not_in_repertoire


def install_error_handlers(app: FastAPI) -> None:
    """Call before the routers are included: each of their routes documents the error body."""
    app.router.responses.update(CLIENT_ERRORS)

    async def on_api_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return JSONResponse(
            error_body(exc.code, exc.message, exc.field),
            status_code=exc.status,
            headers=exc.headers,
        )

    async def on_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        err = describe_validation_error(exc)
        return JSONResponse(error_body(err.code, err.message, err.field), status_code=422)

    async def on_http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}.get(
            exc.status_code, "http_error"
        )
        return JSONResponse(
            error_body(code, str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    async def on_database_error(_: Request, exc: Exception) -> JSONResponse:
        # PostgreSQL refuses a NUL character in text (SQLite stores it): the statement failed and
        # its transaction rolled back, so nothing changed; any other database error stays a 500
        assert isinstance(exc, DBAPIError)
        if getattr(exc.orig, "pgcode", None) != NUL_IN_TEXT:
            raise exc
        message = "text must not contain the NUL character (\\u0000)"
        return JSONResponse(error_body("invalid", message), status_code=422)

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(DBAPIError, on_database_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
