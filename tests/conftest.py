"""Shared fixtures: real indexes on disk, built with the real indexer.

Every test module that touches an index runs once per engine: it asks for ``engine_name`` (the
modules do so with ``pytestmark = pytest.mark.usefixtures("engine_name")``), which also sets
``MORGUE_ENGINE`` so indexes the test builds itself, and ``morgue`` subprocesses it starts, use
that engine. tantivy's runs are skipped when the ``fast`` extra is not installed.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from search.archive import open_archive, read_meta
from search.indexer import update_index

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"
REUTERS_SLICE = DATA / "reuters_slice.jsonl.gz"
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"
REUTERS_FULL = CORPORA / "reuters21578" / "reuters21578.jsonl.gz"


HAVE_TANTIVY = importlib.util.find_spec("tantivy") is not None
HAVE_XAPIAN = importlib.util.find_spec("xapian") is not None
# The shard servers come from the OS (Debian's xapian-tools), the client from PyPI.
HAVE_XAPIAN_SERVERS = HAVE_XAPIAN and shutil.which("xapian-tcpsrv") is not None
NO_XAPIAN = "Xapian's client is not installed ([cluster])"
NO_XAPIAN_SERVERS = "xapian-tcpsrv (Debian's xapian-tools) or Xapian's client is not installed"
ENGINES = [
    pytest.param("whoosh"),
    pytest.param(
        "tantivy",
        marks=pytest.mark.skipif(not HAVE_TANTIVY, reason="tantivy is not installed ([fast])"),
    ),
    pytest.param("xapian", marks=pytest.mark.skipif(not HAVE_XAPIAN, reason=NO_XAPIAN)),
]


# Modules whose subject is the browser, the load on the server, feeds or hostile input files,
# where the engine only holds the articles: they run on Whoosh and tantivy, not again on Xapian,
# to keep CI within its time (every one of them passed on Xapian when it was added; run them
# with MORGUE_TEST_EVERY_ENGINE=1).
ENGINE_INDEPENDENT = {
    "test_browser",
    "test_browser_study",
    "test_xss_browser",
    "test_load",
    "test_fetch",
    "test_hostile_files",
}


def pytest_collection_modifyitems(config, items):
    if not REUTERS_FULL.exists():
        skip = pytest.mark.skip(reason=f"corpus folder {CORPORA} is absent")
        for item in items:
            if "corpus" in item.keywords:
                item.add_marker(skip)
    if os.environ.get("MORGUE_TEST_EVERY_ENGINE") != "1":
        skip = pytest.mark.skip(reason="engine-independent module: run on Whoosh and tantivy")
        for item in items:
            params = getattr(item, "callspec", None)
            module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
            on_xapian = params is not None and params.params.get("engine_name") == "xapian"
            if on_xapian and module in ENGINE_INDEPENDENT:
                item.add_marker(skip)


@pytest.fixture(scope="session", params=ENGINES)
def engine_name(request) -> str:
    """The engine under test; tests that ask for it (or for an index) run once per engine."""
    return request.param


@pytest.fixture(autouse=True)
def _engine_for_new_indexes(request, monkeypatch):
    if "engine_name" in request.fixturenames:
        monkeypatch.setenv("MORGUE_ENGINE", request.getfixturevalue("engine_name"))


def build_index(path: Path, inputs: list, engine: str, **options) -> Path:
    """An index built with ``engine``, named explicitly: fixtures shared by a module or a session
    are built before any test sets ``MORGUE_ENGINE``, so they must never rely on it (about fifty
    tests labelled [tantivy] once ran on a Whoosh index that way)."""
    report = update_index(path, inputs, engine=engine, **options)
    assert report.rejected == 0, report.problems
    assert read_meta(path)["engine"] == engine
    return path


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory, engine_name) -> Path:
    """The two seed articles, indexed once per engine for the whole run (read-only for tests)."""
    return build_index(
        tmp_path_factory.mktemp(f"seed-{engine_name}") / "index", [SEEDS], engine_name
    )


@pytest.fixture(scope="session")
def slice_index(tmp_path_factory, engine_name) -> Path:
    """A few hundred Reuters-21578 articles, indexed once per engine (read-only for tests)."""
    path = tmp_path_factory.mktemp(f"slice-{engine_name}") / "index"
    return build_index(path, [REUTERS_SLICE], engine_name)


@pytest.fixture
def seed_engine(seed_index):
    with open_archive(seed_index) as engine:
        yield engine


@pytest.fixture
def slice_engine(slice_index):
    with open_archive(slice_index) as engine:
        yield engine


@pytest.fixture
def seeds_copy(tmp_path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


def run_python(script: str, *args, **kwargs) -> subprocess.Popen:
    """A child Python running ``script`` with the project importable; output captured as text."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


@pytest.fixture
def app(web_index, tmp_path, engine_name):
    """The web app over the module's ``web_index``, with its own instance folder and database."""
    from webui import create_app

    assert read_meta(web_index)["engine"] == engine_name  # the engine the test is labelled with

    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": tmp_path / "instance",
            "MORGUE_OVERRIDES": {"index_dir": web_index, "db": tmp_path / "saved.sqlite3"},
        }
    )
    with app.app_context():
        assert app.extensions["morgue_engine"].get().name == engine_name
    yield app
    app.extensions["morgue_engine"].close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def shard_servers(tmp_path_factory):
    """Starts fresh, empty Xapian shard servers on free loopback ports (with Morgue's own
    ``cluster up`` code) and returns (folder, [(primary, replicas)...]); every server started is
    stopped by its pid at the end of the run."""
    if not HAVE_XAPIAN_SERVERS:
        pytest.skip(NO_XAPIAN_SERVERS)
    from search import cluster

    folders = []

    def start(shards: int = 3, replicas: int = 0):
        folder = tmp_path_factory.mktemp("shards")
        folders.append(folder)
        servers = cluster.start(folder, shards, replicas=replicas)
        return folder, cluster.shard_addresses(servers)

    yield start
    for folder in folders:
        cluster.stop(folder)


def build_cluster_index(path: Path, inputs: list, shards, timeout: float = 5.0, **options):
    """A cluster index on ``shards`` ((primary, replicas) pairs), built by the real indexer."""
    from search.archive import create_cluster

    create_cluster(path, shards, timeout=timeout, private_network=False)
    if inputs:
        report = update_index(path, inputs, **options)
        assert report.rejected == 0, report.problems
    assert read_meta(path)["engine"] == "xapian"
    assert len(read_meta(path)["xapian"]["shards"]) == len(shards)
    return path
