"""The rules of ARCHITECTURE.md, checked by reading the code with ``ast``.

Each rule is a function from source files to the violations it finds; the real code must have
none, and a made-up module that breaks the rule must be caught (so a check that silently looks at
nothing fails too).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

WEB_LIBRARIES = {"webui", "flask", "jinja2", "werkzeug", "waitress", "markupsafe", "flask_wtf"}
ENGINE_LIBRARIES = {"whoosh", "tantivy"}
CLI_MODULES = {"cli.py", "saved_cli.py", "eval_cli.py"}
MAX_LINES = 600


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def calls_of(path: Path) -> set[str]:
    """Dotted names of everything called in a module (``print``, ``sys.exit``...)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}


def import_time_calls(path: Path) -> set[str]:
    """Calls that run when the module is imported: at module level, outside functions/classes."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        names.update(ast.unparse(n.func) for n in ast.walk(node) if isinstance(n, ast.Call))
    return names


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def top(name: str) -> str:
    return name.split(".")[0]


def in_package(path: Path, package: str, root: Path) -> bool:
    return package in path.relative_to(root).parts[:-1]


# ------------------------------------------------------------------------------------- rules


def rule_1_one_direction(paths: list[Path], root: Path = ROOT) -> list[str]:
    return [
        f"{p} imports {sorted(found)}"
        for p in paths
        if in_package(p, "search", root)
        and (found := {top(n) for n in imports_of(p)} & WEB_LIBRARIES)
    ]


def rule_2_engines_behind_the_seam(paths: list[Path], root: Path = ROOT) -> list[str]:
    found = []
    for path in paths:
        for library in {top(n) for n in imports_of(path)} & ENGINE_LIBRARIES:
            allowed = in_package(path, "engines", root) and path.name.startswith(f"{library}_")
            allowed = allowed or (library == "whoosh" and path.name == "analysis.py")
            if not allowed:
                found.append(f"{path} imports {library}")
    return found


def rule_3_readers_know_nothing_of_the_index(paths: list[Path], root: Path = ROOT) -> list[str]:
    forbidden = ("search.indexer", "search.engines", "search.searching", "search.query")
    return [
        f"{p} imports {n}"
        for p in paths
        if in_package(p, "ingest", root)
        for n in imports_of(p)
        if n.startswith(forbidden)
    ]


def rule_4_the_library_never_talks_to_the_terminal(
    paths: list[Path], root: Path = ROOT
) -> list[str]:
    found = []
    for path in paths:
        if "click" in {top(n) for n in imports_of(path)} and path.name not in CLI_MODULES:
            found.append(f"{path} imports click")
        talking = calls_of(path) & {"print", "input", "sys.exit", "exit", "quit"}
        if path == root / "webui" / "cli.py":
            talking -= {"sys.exit"}  # the entry point turns the status into the exit code
        if talking:
            found.append(f"{path} calls {sorted(talking)}")
    return found


def rule_5_nothing_at_import_time(paths: list[Path], root: Path = ROOT) -> list[str]:
    found = []
    for path in paths:
        source = path.read_text(encoding="utf-8")
        if path.name != "config.py" and ("os.environ" in source or "getenv" in source):
            found.append(f"{path} reads the environment")
        opened = import_time_calls(path) & {"open", "sqlite3.connect", "load_settings"}
        if opened:
            found.append(f"{path} calls {sorted(opened)} at import")
    return found


def rule_6_markup_in_one_place(paths: list[Path], root: Path = ROOT) -> list[str]:
    found = []
    for path in paths:
        if path.name != "render.py" and "markupsafe" in {top(n) for n in imports_of(path)}:
            found.append(f"{path} imports markupsafe")
        if in_package(path, "search", root):
            strings = [
                n.value
                for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                if isinstance(n, ast.Constant) and isinstance(n.value, str)
            ]
            # Docstrings may name a tag in double backquotes; code may not write one.
            if any("</" in s and "``" not in s for s in strings):
                found.append(f"{path} writes a closing tag")
    return found


def rule_7_rooms_stay_small(paths: list[Path], root: Path = ROOT) -> list[str]:
    return [
        f"{p} has {n} lines"
        for p in paths
        if (n := p.read_text(encoding="utf-8").count("\n")) > MAX_LINES
    ]


RULES = [
    rule_1_one_direction,
    rule_2_engines_behind_the_seam,
    rule_3_readers_know_nothing_of_the_index,
    rule_4_the_library_never_talks_to_the_terminal,
    rule_5_nothing_at_import_time,
    rule_6_markup_in_one_place,
    rule_7_rooms_stay_small,
]

# One module per rule that breaks it, placed where the rule looks.
OFFENDERS = {
    rule_1_one_direction: ("search/offender.py", "from flask import g\n"),
    rule_2_engines_behind_the_seam: ("search/offender.py", "import tantivy\n"),
    rule_3_readers_know_nothing_of_the_index: (
        "search/ingest/offender.py",
        "from search.engines import open_engine\n",
    ),
    rule_4_the_library_never_talks_to_the_terminal: ("search/offender.py", "print('hello')\n"),
    rule_5_nothing_at_import_time: ("search/offender.py", "import os\nX = os.environ['HOME']\n"),
    rule_6_markup_in_one_place: ("search/offender.py", "def f():\n    return '<b>x</b>'\n"),
    rule_7_rooms_stay_small: ("search/offender.py", "x = 1\n" * (MAX_LINES + 1)),
}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_the_code_keeps_the_rule(rule):
    assert rule(modules("search") + modules("webui")) == []


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_a_module_breaking_the_rule_is_caught(rule, tmp_path):
    relative, source = OFFENDERS[rule]
    path = tmp_path / relative
    path.parent.mkdir(parents=True)
    path.write_text(source, encoding="utf-8")
    assert rule([path], tmp_path), f"{rule.__name__} missed {relative}"
