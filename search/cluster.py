"""Shard servers on this machine, for trying a cluster out: ``morgue cluster up`` and ``down``.

Each shard is a Xapian database served by Debian's ``xapian-tcpsrv`` (writable, so ``morgue
reindex`` can write to it). With replicas, ``xapian-replicate-server`` publishes the shard
databases, one ``xapian-replicate`` per replica keeps a copy in step, and a read-only
``xapian-tcpsrv`` serves each copy. Every process started is recorded in the folder's
``cluster.json`` with its pid, so ``down`` stops exactly those, and nothing else.

Servers bind to loopback unless told otherwise: Xapian's protocol has no authentication, so a
shard reachable from a network can be read, changed or deleted by anyone on it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from search.errors import InvalidRequestError, MorgueError

STATE_FILE = "cluster.json"
READY_SECONDS = 10.0
REPLICATE_INTERVAL_SECONDS = 2
LOOPBACK = "127.0.0.1"
TOOLS = "xapian-tools"  # the Debian/Ubuntu package with the servers


@dataclass
class Server:
    role: str  # shard | replica | replicate-server | replicate
    shard: int  # 1-based; 0 for the replication server
    address: str  # host:port served ("" for a replicate client)
    pid: int
    database: str


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise MorgueError(
            f"{name} is not installed: it comes with the {TOOLS} package "
            f"(Debian/Ubuntu: sudo apt-get install {TOOLS})"
        )
    return found


def free_port(host: str = LOOPBACK) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


def _wait_ready(process: subprocess.Popen, host: str, port: int, log: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    target = LOOPBACK if host in ("0.0.0.0", "") else host
    while time.monotonic() < deadline:
        if process.poll() is not None:
            said = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
            raise MorgueError(
                f"the server for port {port} stopped at once: {said[-1] if said else 'no output'}"
            )
        try:
            with socket.create_connection((target, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise MorgueError(f"no server answered on {target}:{port} within {READY_SECONDS:g} s")


# Servers started by this process, kept so they are not reported as leaked while they run on
# (they outlive ``morgue cluster up`` by design) and are reaped by ``stop``.
_STARTED: dict[int, subprocess.Popen] = {}


def _spawn(command: list[str], log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        process = subprocess.Popen(
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # not stopped by the terminal's Ctrl-C; `down` stops it
        )
    _STARTED[process.pid] = process
    return process


def read_state(folder: Path) -> list[Server]:
    try:
        data = json.loads((Path(folder) / STATE_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise MorgueError(f"{Path(folder) / STATE_FILE} cannot be read: {exc}") from None
    return [Server(**entry) for entry in data.get("servers", [])]


def _write_state(folder: Path, servers: list[Server]) -> None:
    state = {"servers": [asdict(s) for s in servers]}
    tmp = Path(folder) / (STATE_FILE + ".tmp")
    tmp.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, Path(folder) / STATE_FILE)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def start(
    folder: Path,
    shards: int,
    *,
    port_base: int | None = None,
    host: str = LOOPBACK,
    replicas: int = 0,
    private_network: bool = False,
) -> list[Server]:
    """Start ``shards`` writable shard servers (and ``replicas`` read-only copies of each)."""
    if shards < 1 or replicas < 0:
        raise InvalidRequestError("a cluster has one shard or more, and zero replicas or more")
    if not _loopback(host) and not private_network:
        raise InvalidRequestError(
            f"refusing to serve writable shards on {host}: xapian-tcpsrv has no authentication. "
            "Keep them on loopback, or say the network is private with --private-network"
        )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if any(_alive(s.pid) for s in read_state(folder)):
        raise InvalidRequestError(
            f"{folder} already has running servers: `morgue cluster down` first"
        )
    tcpsrv = _tool("xapian-tcpsrv")
    count = shards * (1 + replicas) + (1 if replicas else 0)
    ports = (
        list(range(port_base, port_base + count))
        if port_base
        else [free_port(LOOPBACK) for _ in range(count)]
    )
    busy = [p for p in ports if not _port_free(host, p)]
    if busy:
        raise InvalidRequestError(f"port {busy[0]} on {host} is in use: choose another --port-base")
    servers: list[Server] = []
    # Replication needs the writer to keep changesets, which it does only when asked (through
    # `env`, which adds the variable to what the server inherits).
    keep_changesets = ["env", "XAPIAN_MAX_CHANGESETS=50"] if replicas else []
    try:
        for number in range(1, shards + 1):
            database = folder / f"shard-{number}"
            port = ports.pop(0)
            log = folder / f"shard-{number}.log"
            command = [tcpsrv, "--port", str(port), "--interface", host, "--writable"]
            process = _spawn([*keep_changesets, *command, str(database)], log)
            servers.append(Server("shard", number, f"{host}:{port}", process.pid, str(database)))
            _write_state(folder, servers)
            _wait_ready(process, host, port, log)
        if replicas:
            servers += _start_replicas(folder, shards, replicas, ports, host, tcpsrv, servers)
    except BaseException:
        stop(folder)
        raise
    _write_state(folder, servers)
    return servers


def _start_replicas(folder, shards, replicas, ports, host, tcpsrv, started) -> list[Server]:
    publish_port = ports.pop(0)
    log = folder / "replicate-server.log"
    command = [_tool("xapian-replicate-server"), "-I", host, "-p", str(publish_port), str(folder)]
    process = _spawn(command, log)
    servers = [Server("replicate-server", 0, f"{host}:{publish_port}", process.pid, str(folder))]
    _write_state(folder, started + servers)
    _wait_ready(process, host, publish_port, log)
    replicate = _tool("xapian-replicate")
    for copy in range(1, replicas + 1):
        for number in range(1, shards + 1):
            target = folder / f"replica-{copy}" / f"shard-{number}"
            target.parent.mkdir(exist_ok=True)
            pull = [replicate, "-h", host, "-p", str(publish_port), "-m", f"shard-{number}"]
            subprocess.run(
                [*pull, "-o", "-q", str(target)], check=True, capture_output=True, timeout=60
            )
            log = folder / f"replica-{copy}-shard-{number}.log"
            loop = [*pull, "-i", str(REPLICATE_INTERVAL_SECONDS), "-r", "1", "-q", str(target)]
            process = _spawn(loop, log)
            servers.append(Server("replicate", number, "", process.pid, str(target)))
            port = ports.pop(0)
            process = _spawn([tcpsrv, "--port", str(port), "--interface", host, str(target)], log)
            servers.append(Server("replica", number, f"{host}:{port}", process.pid, str(target)))
            _write_state(folder, started + servers)
            _wait_ready(process, host, port, log)
    return servers


def _is_ours(pid: int) -> bool:
    """Whether ``pid`` is still a Xapian server (a recycled pid is left alone)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return _alive(pid)
    return b"xapian-" in command


def stop(folder: Path, grace: float = 3.0) -> list[Server]:
    """Stop exactly the servers ``start`` recorded in ``folder``; returns those stopped."""
    if not (Path(folder) / STATE_FILE).exists():
        raise MorgueError(f"no servers were started in {folder} (it has no {STATE_FILE})")
    servers = read_state(folder)
    stopped = []
    for server in servers:
        if _alive(server.pid) and _is_ours(server.pid):
            for sig in (signal.SIGCONT, signal.SIGTERM):  # a stopped server cannot hear TERM
                _signal(server.pid, sig)
            stopped.append(server)
    deadline = time.monotonic() + grace
    for server in stopped:
        while _alive(server.pid) and time.monotonic() < deadline:
            _reap(server.pid)
            time.sleep(0.02)
        if _alive(server.pid):
            _signal(server.pid, signal.SIGKILL)
            _reap(server.pid)
    (Path(folder) / STATE_FILE).unlink(missing_ok=True)
    return stopped


def _signal(pid: int, sig: int) -> None:
    """To the server and the children it forked per connection (its own process group)."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def shard_addresses(servers: list[Server]) -> list[tuple[str, list[str]]]:
    """(primary, replicas) of each shard, as ``cluster init`` takes them."""
    primaries = sorted((s for s in servers if s.role == "shard"), key=lambda s: s.shard)
    return [
        (p.address, [r.address for r in servers if r.role == "replica" and r.shard == p.shard])
        for p in primaries
    ]
