"""An archive on Xapian shard servers, used as a researcher would: started with ``morgue cluster
up``, made an index with ``cluster init``, filled with ``reindex``, searched from the CLI, the
web app, saved queries and exports; then a shard stopped (SIGSTOP), lost with a replica to take
over, and killed in the middle of a run. Real ``xapian-tcpsrv`` servers on loopback, started and
stopped by pid."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from search.archive import open_archive, read_meta
from search.cli import run
from search.cli.runner import ExitStatus
from search.cluster import free_port as cluster_free_port
from search.cluster import read_state
from search.errors import ShardUnavailableError
from search.indexer import Progress, update_index
from search.types import SearchRequest
from tests.conftest import (
    HAVE_XAPIAN_SERVERS,
    NO_XAPIAN_SERVERS,
    REUTERS_SLICE,
    build_cluster_index,
)
from tests.servers import running_server
from webui.cli import cli

pytestmark = pytest.mark.skipif(not HAVE_XAPIAN_SERVERS, reason=NO_XAPIAN_SERVERS)

QUERY_MIX = ["oil", "cocoa OR coffee", '"crude oil"', "price*", "NOT oil", "title:cocoa", "*"]


@pytest.fixture
def morgue(capsys):
    def call(*args):
        status = run(cli, [str(a) for a in args])
        out = capsys.readouterr()
        return status, out.out, out.err

    return call


@pytest.fixture(scope="module")
def whoosh_totals(tmp_path_factory):
    path = tmp_path_factory.mktemp("cluster-peer") / "index"
    update_index(path, [REUTERS_SLICE], engine="whoosh")
    from search.searching import run_search

    with open_archive(path) as engine:
        return {q: run_search(engine, SearchRequest(query=q)).total for q in QUERY_MIX}


def totals(index) -> dict[str, int]:
    from search.searching import run_search

    with open_archive(index) as engine:
        return {q: run_search(engine, SearchRequest(query=q)).total for q in QUERY_MIX}


def test_the_cli_runs_a_cluster_from_up_to_down(morgue, tmp_path, whoosh_totals):
    folder, index = tmp_path / "c", tmp_path / "ci"
    status, out, err = morgue("cluster", "up", "--shards", "3", "--dir", folder)
    assert status == ExitStatus.OK, err
    addresses = re.findall(r"^shard \d: (127\.0\.0\.1:\d+)", out, re.M)
    assert len(addresses) == 3
    pids = [s.pid for s in read_state(folder)]
    try:
        shards = [a for address in addresses for a in ("--shard", address)]
        status, out, err = morgue("cluster", "init", index, *shards)
        assert status == ExitStatus.OK, err
        assert read_meta(index)["engine"] == "xapian"

        status, out, err = morgue("reindex", REUTERS_SLICE, "--index", index)
        assert status == ExitStatus.OK, err
        written = dict(re.findall(r"(127\.0\.0\.1:\d+) (\d+)", out.split("written per shard:")[1]))
        assert set(written) == set(addresses)
        assert sum(map(int, written.values())) == 368
        assert all(int(n) > 50 for n in written.values())  # the id hash spreads them

        status, out, _ = morgue("cluster", "status", index, "--json")
        rows = json.loads(out)["shards"]
        assert status == ExitStatus.OK
        assert [r["serving"] for r in rows] == addresses
        counts = [r["servers"][0]["articles"] for r in rows]
        assert counts == [int(written[a]) for a in addresses]
        assert all(r["servers"][0]["revision"] >= 1 for r in rows)

        assert totals(index) == whoosh_totals  # the same archive as one Whoosh index
        status, out, _ = morgue("reindex", REUTERS_SLICE, "--index", index)
        assert "0 added, 0 updated, 368 unchanged" in out  # incremental: nothing written twice
        status, out, err = morgue("reindex", "--rebuild", REUTERS_SLICE, "--index", index)
        assert status == ExitStatus.ERROR
        assert "cluster init NEW" in err
    finally:
        status, out, _ = morgue("cluster", "down", "--dir", folder)
    assert out.strip() == "stopped 3 servers"
    time.sleep(0.2)
    assert not [p for p in pids if os.path.exists(f"/proc/{p}") and _running(p)]
    status, out, _ = morgue("cluster", "status", index)
    assert status == ExitStatus.ERROR
    assert out.count("UNREACHABLE") == 3


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def test_off_loopback_writable_shards_need_the_private_network_flag(morgue, tmp_path):
    status, _, err = morgue("cluster", "init", tmp_path / "i", "--shard", "10.9.8.7:7001")
    assert status == ExitStatus.USAGE
    assert "no authentication" in err
    assert "--private-network" in err
    status, _, err = morgue("cluster", "up", "--dir", tmp_path / "c", "--host", "0.0.0.0")
    assert status == ExitStatus.USAGE
    assert "no authentication" in err
    assert not (tmp_path / "c" / "cluster.json").exists()
    status, _, err = morgue("cluster", "init", tmp_path / "i", "--shard", "nonsense")
    assert status == ExitStatus.USAGE
    assert "host:port" in err


def test_a_shard_holding_another_archive_is_refused(shard_servers, tmp_path, morgue):
    _, shards = shard_servers(2)
    build_cluster_index(tmp_path / "a", [REUTERS_SLICE], shards)
    args = [a for primary, _ in shards for a in ("--shard", primary)]
    status, _, err = morgue("cluster", "init", tmp_path / "b", *args)
    assert status == ExitStatus.USAGE
    assert "another archive" in err
    status, _, err = morgue("cluster", "init", tmp_path / "a", *args[:2])
    assert status == ExitStatus.USAGE
    assert "has 2 shards" in err
    status, _, _ = morgue("cluster", "init", tmp_path / "a", *args, "--timeout", "2")
    assert status == ExitStatus.OK  # the same archive again: its settings change, its id stays
    assert read_meta(tmp_path / "a")["xapian"]["timeout"] == 2.0


def test_web_saved_queries_and_exports_work_on_a_cluster(shard_servers, tmp_path, morgue):
    from webui import create_app

    _, shards = shard_servers(3)
    index = build_cluster_index(tmp_path / "ci", [REUTERS_SLICE], shards)
    db = tmp_path / "saved.sqlite3"
    status, _, err = morgue("saved", "add", "oil watch", "oil", "--db", db)
    assert status == ExitStatus.OK, err
    status, out, err = morgue("saved", "run", "oil watch", "--db", db, "--index", index)
    assert status == ExitStatus.OK, err
    status, out, _ = morgue("saved", "export", "oil watch", "--db", db, "--index", index)
    with open_archive(index) as engine:
        from search.searching import run_search

        total = run_search(engine, SearchRequest(query="oil")).total
    assert total > 10
    assert len(list(csv.DictReader(io.StringIO(out)))) == total

    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": tmp_path / "instance",
            "MORGUE_OVERRIDES": {"index_dir": index, "db": db},
        }
    )
    client = app.test_client()
    found = client.get("/api/search?q=oil").get_json()
    assert found["total"] == total
    assert client.get("/search?q=oil").status_code == 200
    first = found["hits"][0]["id"]
    assert client.get(f"/api/articles/{first}").get_json()["id"] == first
    exported = client.get("/export.jsonl?q=oil").get_data(as_text=True).splitlines()
    assert len(exported) == total
    assert client.get("/saved/oil-watch").status_code == 200
    app.extensions["morgue_engine"].close()


def _get(url: str) -> tuple[int, dict, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.load(response), time.monotonic() - started
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc), time.monotonic() - started


@pytest.mark.slow
def test_a_stopped_shard_is_a_503_naming_it_within_the_timeout(shard_servers, tmp_path, morgue):
    folder, shards = shard_servers(3)
    index = build_cluster_index(tmp_path / "ci", [REUTERS_SLICE], shards, timeout=1.0)
    stopped = next(s for s in read_state(folder) if s.role == "shard" and s.shard == 2)
    with running_server(tmp_path, index) as (url, _):
        status, body, _ = _get(f"{url}/api/search?q=oil")
        assert status == 200
        total = body["total"]
        os.kill(stopped.pid, signal.SIGSTOP)
        try:
            time.sleep(1.2)  # older connections are let go
            status, body, took = _get(f"{url}/api/search?q=oil")
            assert status == 503
            assert body["error"]["code"] == "shard_unavailable"
            assert f"shard {stopped.address} unavailable" in body["error"]["message"]
            assert took < 1.0 + 1.5  # the shard's timeout, plus the request itself
            status, _, err = morgue("search", "oil", "--index", index)
            assert status == ExitStatus.ERROR
            assert f"shard {stopped.address} unavailable" in err
        finally:
            os.kill(stopped.pid, signal.SIGCONT)
        status, body, _ = _get(f"{url}/api/search?q=oil")
        assert (status, body["total"]) == (200, total)


@pytest.mark.slow
def test_reads_fail_over_to_a_replica_and_status_says_so(shard_servers, tmp_path, morgue):
    folder, shards = shard_servers(2, replicas=1)
    assert all(len(replicas) == 1 for _, replicas in shards)
    index = build_cluster_index(tmp_path / "ci", [REUTERS_SLICE], shards, timeout=1.0)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # xapian-replicate pulls every 2 s
        _, out, _ = morgue("cluster", "status", index, "--json")
        servers = [s for row in json.loads(out)["shards"] for s in row["servers"]]
        if len({s.get("articles") for s in servers}) == 2 and all(s["reachable"] for s in servers):
            counts = [s["articles"] for s in servers]
            if counts[0] == counts[1] and counts[2] == counts[3]:
                break
        time.sleep(0.5)
    else:
        pytest.fail(f"the replicas did not catch up: {out}")
    expected = totals(index)
    primary = next(s for s in read_state(folder) if s.role == "shard" and s.shard == 1)
    os.kill(primary.pid, signal.SIGSTOP)
    try:
        time.sleep(1.2)
        assert totals(index) == expected  # every article still found, through the replica
        status, out, _ = morgue("cluster", "status", index)
        assert status == ExitStatus.OK
        assert f"primary {primary.address}: UNREACHABLE" in out
        assert re.search(r"shard 1 replica \S+: reachable.*\(serving reads\)", out)
    finally:
        os.kill(primary.pid, signal.SIGCONT)


class KillAShard(Progress):
    """Kills one shard server (and the connection it forked) as the second commit begins."""

    def __init__(self, pid: int) -> None:
        self.pid, self.commits = pid, 0

    def committing(self, articles: int) -> None:
        self.commits += 1
        if self.commits == 2:
            os.killpg(self.pid, signal.SIGKILL)


def test_a_shard_killed_during_a_run_loses_and_doubles_nothing(shard_servers, tmp_path):
    folder, shards = shard_servers(3)
    index = build_cluster_index(tmp_path / "ci", [], shards, timeout=2.0)
    victim = next(s for s in read_state(folder) if s.role == "shard" and s.shard == 3)
    with pytest.raises(ShardUnavailableError, match=re.escape(f"shard {victim.address}")):
        update_index(index, [REUTERS_SLICE], batch_size=100, progress=KillAShard(victim.pid))
    host, port = victim.address.split(":")
    restarted = subprocess.Popen(
        ["xapian-tcpsrv", "--port", port, "--interface", host, "--writable", victim.database],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.5)
        with open_archive(index) as engine:
            kept = engine.stats().articles
        assert 0 < kept < 368  # the other shards kept their commits; the lost one its last
        report = update_index(index, [REUTERS_SLICE])
        assert report.added == 368 - kept
        with open_archive(index) as engine:
            assert engine.stats().articles == 368
            assert len(engine.stored_hashes()) == 368
            ids = [a.id for a in engine.iter_articles()]
        assert len(ids) == len(set(ids)) == 368
    finally:
        restarted.kill()
        restarted.wait()


def test_init_mistakes_are_refused_and_leave_the_shards_as_they_were(
    shard_servers, tmp_path, morgue
):
    """Found by a trial: shards listed in another order were accepted (and the next reindex
    stored articles twice); the same shard twice was accepted; a failed init left a shard
    claimed by an archive that was never made."""
    _, shards = shard_servers(2)
    (a, _), (b, _) = shards
    status, _, err = morgue("cluster", "init", tmp_path / "twice", "--shard", a, "--shard", a)
    assert status == ExitStatus.USAGE
    assert "listed twice" in err
    unreachable = f"127.0.0.1:{cluster_free_port()}"
    status, _, err = morgue(
        "cluster", "init", tmp_path / "half", "--shard", a, "--shard", unreachable, "--timeout", "1"
    )
    assert status == ExitStatus.ERROR
    assert f"shard {unreachable} unavailable" in err
    assert not (tmp_path / "half").exists()
    index = build_cluster_index(tmp_path / "ci", [REUTERS_SLICE], shards)  # a is still free
    status, _, err = morgue("cluster", "init", index, "--shard", b, "--shard", a)
    assert status == ExitStatus.USAGE
    assert f"shard {b} is shard 2/2 of this archive, not 1/2" in err
    assert [s["address"] for s in read_meta(index)["xapian"]["shards"]] == [a, b]
    report = update_index(index, [REUTERS_SLICE])
    assert (report.added, report.unchanged) == (0, 368)


def test_servers_moved_to_new_ports_are_followed_after_init(shard_servers, tmp_path, morgue):
    """`cluster down` then `up` gives new ports: `cluster init` again, in the same order, and an
    engine already open (a running web app) follows the new addresses."""
    folder, shards = shard_servers(2)
    index = build_cluster_index(tmp_path / "ci", [REUTERS_SLICE], shards)
    engine = open_archive(index)
    assert engine.stats().articles == 368
    old = [s for s in read_state(folder) if s.role == "shard"]
    moved = []
    try:
        for server in old:
            port = cluster_free_port()
            moved.append(
                subprocess.Popen(
                    ["xapian-tcpsrv", "--port", str(port), "--interface", "127.0.0.1"]
                    + ["--writable", server.database],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            moved[-1].address = f"127.0.0.1:{port}"
        for server in old:
            os.killpg(server.pid, signal.SIGKILL)
        time.sleep(0.5)
        args = [a for process in moved for a in ("--shard", process.address)]
        assert morgue("cluster", "init", index, *args)[0] == ExitStatus.OK
        time.sleep(1.1)  # the engine's connections are a second old at most
        engine.refresh()
        assert engine.stats().articles == 368
        assert [s.address for s in engine.layout.shards] == [p.address for p in moved]
    finally:
        engine.close()
        for process in moved:
            process.kill()
            process.wait()


def test_up_refuses_a_busy_port_and_down_a_folder_without_servers(tmp_path, morgue):
    with socket.socket() as taken:
        port = 20_000
        while True:  # a port --port-base accepts (up to 65000), held by someone else
            try:
                taken.bind(("127.0.0.1", port))
                break
            except OSError:
                port += 7
        taken.listen()
        status, _, err = morgue("cluster", "up", "--dir", tmp_path / "c", "--port-base", port)
    assert status == ExitStatus.USAGE
    assert f"port {port} on 127.0.0.1 is in use" in err
    status, _, err = morgue("cluster", "down", "--dir", tmp_path / "nothing")
    assert status == ExitStatus.ERROR
    assert "no servers were started" in err


def test_an_export_streams_on_while_the_same_thread_asks_again(
    shard_servers, tmp_path, monkeypatch
):
    """A stream keeps its own view of the shards when another call in the same thread opens a
    newer one (the reader's connections last a second)."""
    from search.engines import xapian_engine
    from search.searching import iter_hits

    monkeypatch.setattr(xapian_engine, "PAGE", 50)  # several pages from a small archive
    _, shards = shard_servers(2)
    index = build_cluster_index(tmp_path / "ci", [REUTERS_SLICE], shards)
    with open_archive(index) as engine:
        request = SearchRequest(query="*", sort="oldest")
        seen = []
        for hit in iter_hits(engine, request):
            seen.append(hit.id)
            if len(seen) == 60:
                time.sleep(1.1)
                assert engine.stats().articles == 368  # a newer view, in this thread
        assert len(seen) == len(set(seen)) == 368
