"""The dependency rules of ARCHITECTURE.md, checked by walking the imports."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def top(name: str) -> str:
    return name.split(".")[0]


def test_search_never_imports_the_web_layer():
    for path in modules("search"):
        assert not {top(n) for n in imports_of(path)} & {"webui", "flask", "waitress", "jinja2"}, (
            path
        )


def test_only_engines_import_an_engine_library():
    for path in modules("search"):
        engine_libraries = {top(n) for n in imports_of(path)} & {"whoosh", "tantivy"}
        inside_engines = path.parent.name == "engines"
        # analysis.py builds the Whoosh analyzer chain that the schema pickles; nothing else may.
        if engine_libraries and not inside_engines:
            assert path.name == "analysis.py", f"{path} imports {engine_libraries}"


def test_each_engine_library_stays_in_its_own_modules():
    for path in modules("search") + modules("webui"):
        libraries = {top(n) for n in imports_of(path)} & {"whoosh", "tantivy"}
        for library in libraries:
            allowed = path.name.startswith(f"{library}_") or (
                library == "whoosh" and path.name == "analysis.py"
            )
            assert allowed, f"{path} imports {library}"


def test_readers_know_nothing_of_the_index():
    for path in modules("search/ingest"):
        names = imports_of(path)
        assert not any(
            n.startswith(("search.indexer", "search.engines", "search.searching", "search.query"))
            for n in names
        ), path


def test_modules_stay_small():
    for path in modules("search") + modules("webui"):
        lines = path.read_text(encoding="utf-8").count("\n")
        assert lines < 600, f"{path} has {lines} lines"
