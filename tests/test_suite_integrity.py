"""The suite tests what its names say: a test labelled [tantivy] runs on a tantivy index.

Fixtures shared by a module or a session are set up before any test sets ``MORGUE_ENGINE``, so
an index they build with the default engine would quietly serve every engine's tests (about fifty
tests labelled [tantivy] once ran on Whoosh that way). Two checks: the source of every shared
fixture that builds an index names its engine, and the shared indexes are what they claim.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from search.archive import read_meta

TESTS = Path(__file__).resolve().parent
BUILDERS = {"update_index", "build_index", "running_server"}


def _shared_fixtures(tree: ast.Module):
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            if not isinstance(decorator, ast.Call):
                continue
            scope = next((k.value for k in decorator.keywords if k.arg == "scope"), None)
            if isinstance(scope, ast.Constant) and scope.value in ("module", "session"):
                yield node


def _calls(function: ast.FunctionDef):
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in BUILDERS:
                yield name, node


def _names_engine(name: str, call: ast.Call) -> bool:
    if name == "running_server":  # serves an index another call in the fixture built
        return True
    if name == "build_index":
        return len(call.args) >= 3 or any(k.arg == "engine" for k in call.keywords)
    return any(k.arg == "engine" for k in call.keywords)


def test_every_shared_fixture_that_builds_an_index_names_its_engine():
    offenders = []
    for path in sorted(TESTS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fixture in _shared_fixtures(tree):
            for name, call in _calls(fixture):
                if not _names_engine(name, call):
                    offenders.append(f"{path.name}:{call.lineno} {fixture.name} calls {name}")
    assert not offenders, "shared fixtures that build an index without naming its engine: " + (
        "; ".join(offenders)
    )


def test_the_check_above_catches_a_fixture_that_forgets_its_engine():
    source = (
        "@pytest.fixture(scope='module')\n"
        "def web_index(tmp_path_factory):\n"
        "    update_index(tmp_path_factory.mktemp('x'), [SEEDS])\n"
    )
    fixture = next(_shared_fixtures(ast.parse(source)))
    assert [_names_engine(n, c) for n, c in _calls(fixture)] == [False]


@pytest.mark.usefixtures("engine_name")
def test_the_shared_indexes_are_built_with_the_engine_in_the_test_id(
    engine_name, seed_index, slice_index
):
    assert read_meta(seed_index)["engine"] == engine_name
    assert read_meta(slice_index)["engine"] == engine_name
