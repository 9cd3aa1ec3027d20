"""Shared fixtures: real indexes on disk, built with the real indexer."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from search.engines import open_engine
from search.indexer import update_index

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"
REUTERS_SLICE = DATA / "reuters_slice.jsonl.gz"
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"
REUTERS_FULL = CORPORA / "reuters21578" / "reuters21578.jsonl.gz"


def pytest_collection_modifyitems(config, items):
    if not REUTERS_FULL.exists():
        skip = pytest.mark.skip(reason=f"corpus folder {CORPORA} is absent")
        for item in items:
            if "corpus" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> Path:
    """The two seed articles, indexed once for the whole run (read-only for tests)."""
    path = tmp_path_factory.mktemp("seed") / "index"
    report = update_index(path, [SEEDS])
    assert report.added == 2
    return path


@pytest.fixture(scope="session")
def slice_index(tmp_path_factory) -> Path:
    """A few hundred Reuters-21578 articles, indexed once (read-only for tests)."""
    path = tmp_path_factory.mktemp("slice") / "index"
    report = update_index(path, [REUTERS_SLICE])
    assert report.rejected == 0
    return path


@pytest.fixture
def seed_engine(seed_index):
    with open_engine(seed_index) as engine:
        yield engine


@pytest.fixture
def slice_engine(slice_index):
    with open_engine(slice_index) as engine:
        yield engine


@pytest.fixture
def seeds_copy(tmp_path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target
