"""Where a Xapian index lives: a local database folder, or shards served by ``xapian-tcpsrv``.

The layout is recorded in ``morgue.json`` under ``"xapian"``: each shard's ``host:port`` with
its read replicas, the network timeout, and whether shards may sit on a non-loopback address
(Xapian's protocol has no authentication, so writing to such a shard must be asked for).

Reading opens every shard (its primary, else each replica in turn) into one ``xapian.Database``:
Xapian itself merges the shards' matches and computes global statistics, so totals, scores and
facet counts equal those of one database holding everything. A shard that answers neither from
its primary nor from a replica within the timeout is a ``ShardUnavailableError`` naming it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import xapian

from search.engines.base import META_FILE
from search.errors import InvalidRequestError, ShardUnavailableError

DEFAULT_TIMEOUT_SECONDS = 5.0
COMMITS_KEY = "morgue:commits"  # a shard's commit count, kept in its own metadata
ARCHIVE_KEY = "morgue:archive"  # the id of the archive a shard belongs to
POSITION_KEY = "morgue:position"  # a shard's place in its archive's layout, "2/3"
COMMITTED_KEY = "morgue:committed"  # when the shard last committed (ISO 8601, UTC)
_CONTEXT = re.compile(r"remote:tcp\(([^)]*)\)")


@dataclass(frozen=True)
class Shard:
    address: str  # host:port of the primary (written to, read from first)
    replicas: tuple[str, ...] = ()  # host:port of read-only copies


@dataclass(frozen=True)
class Layout:
    shards: tuple[Shard, ...] = ()  # none: a local database in the index folder
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    private_network: bool = False

    @property
    def clustered(self) -> bool:
        return bool(self.shards)

    def to_json(self) -> dict:
        return {
            "shards": [{"address": s.address, "replicas": list(s.replicas)} for s in self.shards],
            "timeout": self.timeout,
            "private_network": self.private_network,
        }

    @classmethod
    def from_json(cls, data: dict | None) -> Layout:
        data = data or {}
        shards = tuple(
            Shard(s["address"], tuple(s.get("replicas", ()))) for s in data.get("shards", ())
        )
        return cls(
            shards,
            float(data.get("timeout", DEFAULT_TIMEOUT_SECONDS)),
            bool(data.get("private_network", False)),
        )


def read_layout(path: Path) -> Layout:
    try:
        meta = json.loads((Path(path) / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Layout()
    return Layout.from_json(meta.get("xapian"))


def parse_address(address: str) -> tuple[str, int]:
    """``host:port`` (``[::1]:port`` for IPv6) -> (host, port), or a clear error."""
    match = re.fullmatch(r"\[?([^\[\]]+?)\]?:(\d{1,5})", address.strip())
    if not match or not 0 < int(match.group(2)) < 65536:
        raise InvalidRequestError(
            f"a shard is written host:port (e.g. 127.0.0.1:7001), not {address!r}"
        )
    return match.group(1), int(match.group(2))


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_writable(layout: Layout) -> None:
    """Refuse to write to a shard off this machine unless the layout says its network is
    private: anyone who can reach a writable ``xapian-tcpsrv`` can change or delete the archive."""
    if layout.private_network:
        return
    for shard in layout.shards:
        host, _ = parse_address(shard.address)
        if not is_loopback(host):
            raise InvalidRequestError(
                f"shard {shard.address} is not on loopback, and xapian-tcpsrv has no "
                "authentication: write to it only over a private network (say so with "
                "`morgue cluster init ... --private-network`) or through ssh (see README)"
            )


def _reason(exc: xapian.Error) -> str:
    message = exc.get_msg() or type(exc).__name__
    if isinstance(exc, xapian.NetworkTimeoutError):
        return f"no answer within the timeout ({message})"
    return message


def failed_address(exc: xapian.Error) -> str | None:
    """The shard address a Xapian network error names in its context."""
    found = _CONTEXT.search(exc.get_context() or str(exc))
    return found.group(1) if found else None


def open_remote(address: str, timeout: float, writable: bool = False):
    host, port = parse_address(address)
    millis = max(1, int(timeout * 1000))
    try:
        if writable:
            return xapian.remote_open_writable(host, port, millis, millis)
        return xapian.remote_open(host, port, millis, millis)
    except (xapian.NetworkError, xapian.DatabaseOpeningError) as exc:
        raise ShardUnavailableError(address, _reason(exc)) from None


@dataclass
class Connection:
    """One reader's view of every shard: the combined database and which address served each."""

    database: object
    served_by: list[str]
    shards: list = field(default_factory=list)  # each shard's own database, in layout order
    opened: float = field(default_factory=time.monotonic)


def open_cluster(layout: Layout, avoid: frozenset[str] = frozenset()) -> Connection:
    """Every shard opened into one database: each from its primary, else its replicas in turn
    (addresses in ``avoid``, which just failed, are tried last)."""
    combined = xapian.Database()
    served_by, opened = [], []
    for shard in layout.shards:
        addresses = [shard.address, *shard.replicas]
        addresses.sort(key=lambda a: a in avoid)
        failure: ShardUnavailableError | None = None
        for address in addresses:
            try:
                database = open_remote(address, layout.timeout)
            except ShardUnavailableError as exc:
                failure = failure or exc
                continue
            combined.add_database(database)
            served_by.append(address)
            opened.append(database)
            break
        else:
            assert failure is not None
            raise ShardUnavailableError(shard.address, failure.reason)
    return Connection(combined, served_by, opened)


def shard_of(layout: Layout, address: str | None) -> Shard | None:
    for shard in layout.shards:
        if address == shard.address or address in shard.replicas:
            return shard
    return None


def unavailable(layout: Layout, exc: xapian.Error) -> ShardUnavailableError:
    """A network error met while searching, as the shard it concerns."""
    address = failed_address(exc)
    shard = shard_of(layout, address)
    return ShardUnavailableError(shard.address if shard else (address or "?"), _reason(exc))


def commit_count(database) -> int:
    value = database.get_metadata(COMMITS_KEY)
    return int(value) if value else 0


def probe(address: str, timeout: float) -> dict:
    """Whether one shard server answers, with its articles, commit count and latency."""
    started = time.perf_counter()
    try:
        database = open_remote(address, timeout)
        articles = database.get_doccount()
        commits = commit_count(database)
        database.close()
    except ShardUnavailableError as exc:
        return {"address": address, "reachable": False, "error": exc.reason}
    except xapian.Error as exc:
        return {"address": address, "reachable": False, "error": _reason(exc)}
    return {
        "address": address,
        "reachable": True,
        "articles": articles,
        "revision": commits,
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
    }


def position_of(number: int, layout: Layout) -> str:
    """What a shard's ``POSITION_KEY`` holds: its place in the layout, "2/3"."""
    return f"{number + 1}/{len(layout.shards)}"


def check_position(database, number: int, layout: Layout, address: str) -> None:
    """Refuse a shard listed at another place than the one it was given: an article's shard is
    its id's hash modulo the count, so shards listed in another order would receive articles
    they do not hold, and a reindex would then store those articles twice."""
    found = database.get_metadata(POSITION_KEY).decode("utf-8")
    expected = position_of(number, layout)
    if found and found != expected:
        raise InvalidRequestError(
            f"shard {address} is shard {found} of this archive, not {expected}: list the "
            "shards in the order the index was made with"
        )


def claim_shards(layout: Layout, index_id: str) -> None:
    """Mark every primary as the archive's shard at its place, after checking all of them: a
    shard of another archive, a shard at another place than before, or one that does not
    answer leaves every shard as it was (two indexes writing one shard would mix articles)."""
    check_writable(layout)
    addresses = [shard.address for shard in layout.shards]
    twice = sorted({a for a in addresses if addresses.count(a) > 1})
    if twice:
        raise InvalidRequestError(f"shard {twice[0]} is listed twice; each shard once")
    opened = []
    try:
        for number, shard in enumerate(layout.shards):
            database = open_remote(shard.address, layout.timeout, writable=True)
            opened.append(database)
            _check_claim(database, number, layout, shard.address, index_id)
        for number, database in enumerate(opened):
            database.set_metadata(ARCHIVE_KEY, index_id)
            database.set_metadata(POSITION_KEY, position_of(number, layout))
            database.commit()
    except xapian.DatabaseLockError:
        raise InvalidRequestError("a shard is being written to; try again when that ends") from None
    except xapian.NetworkError as exc:
        raise unavailable(layout, exc) from None
    finally:
        for database in opened:
            with contextlib.suppress(xapian.Error):
                database.close()


def _check_claim(database, number: int, layout: Layout, address: str, index_id: str) -> None:
    owner = database.get_metadata(ARCHIVE_KEY).decode("utf-8")
    if owner and owner != index_id or not owner and database.get_doccount():
        raise InvalidRequestError(
            f"shard {address} already holds another archive's articles; give this index "
            "empty shards"
        )
    check_position(database, number, layout, address)
