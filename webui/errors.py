"""One error path: HTML pages for people, the JSON error shape under /api/, a log line for bugs.

Nothing here ever shows a traceback to a client.
"""

from __future__ import annotations

import struct
import zlib

from flask import Flask, Response, jsonify, render_template, request
from flask.globals import request_ctx
from werkzeug.exceptions import HTTPException

from search.errors import (
    IndexDamagedError,
    IndexNotFoundError,
    MorgueError,
    SchemaMismatchError,
    ShardUnavailableError,
)

CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}


def json_error(status: int, code: str, message: str):
    """The one JSON error shape: ``{"error": {"code", "message"}}``."""
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _respond(status: int, code: str, title: str, message: str):
    if _wants_json():
        return json_error(status, code, message)
    if not _can_build_urls():
        # Refused before routing (an untrusted Host header): no page that needs links.
        return Response(f"{title}\n{message}\n", status, mimetype="text/plain")
    return render_template("error.html", status=status, title=title, message=message), status


def _can_build_urls() -> bool:
    context = request_ctx._get_current_object() if request_ctx else None
    return context is not None and context.url_adapter is not None


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        return _respond(
            status, CODES.get(status, "error"), f"{status} {exc.name}", exc.description or ""
        )

    @app.errorhandler(IndexNotFoundError)
    @app.errorhandler(SchemaMismatchError)
    def no_index(exc: MorgueError):
        return _respond(503, "no_index", "The archive is not ready", str(exc))

    @app.errorhandler(ShardUnavailableError)
    def shard_down(exc: ShardUnavailableError):
        app.logger.warning("%s", exc)
        return _respond(503, "shard_unavailable", "Part of the archive is not answering", str(exc))

    @app.errorhandler(IndexDamagedError)
    @app.errorhandler(EOFError)
    @app.errorhandler(struct.error)
    @app.errorhandler(zlib.error)
    def damaged(exc: Exception):
        app.logger.error("the index could not be read: %s", exc)
        return _respond(
            503,
            "index_damaged",
            "The archive could not be read",
            "A file of the index is damaged or cut short. `morgue check` finds what is wrong "
            "and says how to rebuild it from the sources.",
        )

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if isinstance(exc, HTTPException):  # pragma: no cover - handled above
            return http_error(exc)
        app.logger.exception("unexpected error on %s %s", request.method, request.path)
        return _respond(
            500,
            "internal_error",
            "Something went wrong",
            "The error has been logged. Please try again, or change the search.",
        )
