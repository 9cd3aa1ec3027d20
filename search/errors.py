"""Every error Morgue raises on purpose, so the CLI and the web app can tell them from bugs.

The engine never prints: it raises one of these with structured fields and lets the boundary (CLI,
web, API) decide how to show it. Anything that is not a ``MorgueError`` is a bug and is reported as
such.
"""

from __future__ import annotations


class MorgueError(Exception):
    """Base class of the errors users can cause and fix."""


class IngestError(MorgueError):
    """One record or file could not be read; the run goes on without it."""

    def __init__(self, path: str, where: str | None, reason: str) -> None:
        self.path = str(path)
        self.where = where
        self.reason = reason
        super().__init__(str(self))

    def __str__(self) -> str:
        location = f"{self.path}: {self.where}" if self.where else self.path
        return f"{location}: {self.reason}"


class QuerySyntaxError(MorgueError):
    """A query the parser will not guess about; ``position`` is a 0-based offset into the query."""

    def __init__(self, message: str, position: int | None = None, query: str = "") -> None:
        self.message = message
        self.position = position
        self.query = query
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.position is None:
            return self.message
        return f"{self.message} (at character {self.position + 1})"


class IndexNotFoundError(MorgueError):
    """There is no index at the path yet."""

    def __init__(self, path: str) -> None:
        self.path = str(path)
        super().__init__(
            f"no index at {self.path}; build one with `morgue reindex PATH... --index {self.path}`"
        )


class IndexLockedError(MorgueError):
    """Another process is writing the index."""

    def __init__(self, path: str) -> None:
        self.path = str(path)
        super().__init__(f"index {self.path} is locked by another writer; try again when it ends")


class SchemaMismatchError(MorgueError):
    """The index was built by another analyzer or schema version."""

    def __init__(self, path: str, found: str, expected: str) -> None:
        self.path = str(path)
        self.found = found
        self.expected = expected
        super().__init__(
            f"index {self.path} was built with schema {found}, this Morgue uses {expected}; "
            f"rebuild with `morgue reindex --rebuild PATH... --index {self.path}`"
        )


class IndexDamagedError(MorgueError):
    """The index cannot be read whole: a file or a column is missing, short or unreadable."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(
            f"index {self.path} is damaged ({reason}); rebuild it from your sources: "
            f"`morgue reindex --rebuild PATH... --index {self.path}`"
        )


class InvalidRequestError(MorgueError):
    """A search request outside what Morgue serves (page too far, unknown sort, bad date)."""


class QueryTooSlowError(InvalidRequestError):
    """A query that could not be answered within the search time limit."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"this query needs more than {seconds:g} s to rank; make it more specific "
            "(fewer or rarer words, or a filter)"
        )


class EngineUnavailableError(MorgueError):
    """An engine was asked for that is unknown or not installed."""


class ShardUnavailableError(MorgueError):
    """A shard server of a cluster index did not answer (stopped, hung, unreachable) within its
    timeout, nor did any of its replicas: the archive cannot answer whole, so it answers not
    at all rather than with totals that silently miss a shard."""

    def __init__(self, address: str, reason: str) -> None:
        self.address = address
        self.reason = reason
        super().__init__(f"shard {address} unavailable: {reason}")
