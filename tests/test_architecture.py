"""The rules of ARCHITECTURE.md, checked by reading the code with ``ast``.

The parts and their order are read from ARCHITECTURE.md itself, so the document and the code
cannot drift apart. Each rule is a function from a project tree to the violations it finds: the
real tree must have none, and a made-up module that breaks the rule must be caught (so a check
that silently looks at nothing fails too).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

WEB_LIBRARIES = {"webui", "flask", "jinja2", "werkzeug", "waitress", "markupsafe", "flask_wtf"}
ENGINE_LIBRARIES = {"whoosh", "tantivy"}
ENGINE_MAY_IMPORT = (
    "search.types",
    "search.keys",
    "search.errors",
    "search.query.tree",
    "search.engines",
)
MAX_LINES = 400


# ------------------------------------------------------------------------------------- reading


@dataclass
class Module:
    path: Path
    name: str  # dotted: search.query.tree
    tree: ast.Module

    @property
    def source(self) -> str:
        return self.path.read_text(encoding="utf-8")


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def load(root: Path) -> list[Module]:
    paths = sorted((root / "search").rglob("*.py")) + sorted((root / "webui").rglob("*.py"))
    return [
        Module(p, module_name(p, root), ast.parse(p.read_text(encoding="utf-8"))) for p in paths
    ]


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Ids of the nodes inside ``if TYPE_CHECKING:`` blocks: imports that never run."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for child in node.body for n in ast.walk(child))
    return skipped


def imports_of(module: Module, known: set[str] = frozenset()) -> set[str]:
    """Dotted names a module imports at run time, relative imports resolved. ``from p import x``
    counts as p.x when that is a module of ours, else as p."""
    skipped = _type_checking_only(module.tree)
    names = set()
    for node in ast.walk(module.tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:
                package = module.name.split(".")
                if module.path.name != "__init__.py":
                    package = package[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, node.module])
            for alias in node.names:
                full = f"{base}.{alias.name}"
                names.add(full if full in known else base)
    return names


def internal_imports(module: Module, known: set[str]) -> set[str]:
    return {n for n in imports_of(module, known) if n in known and n != module.name}


def calls_of(module: Module) -> set[str]:
    return {ast.unparse(n.func) for n in ast.walk(module.tree) if isinstance(n, ast.Call)}


def import_time_calls(module: Module) -> set[str]:
    names = set()
    for node in module.tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        names.update(ast.unparse(n.func) for n in ast.walk(node) if isinstance(n, ast.Call))
    return names


def top(name: str) -> str:
    return name.split(".")[0]


def parts_from(document: Path) -> list[tuple[str, list[str]]]:
    """The numbered parts of ARCHITECTURE.md's "Parts" section: (name, [paths or folders])."""
    text = document.read_text(encoding="utf-8")
    section = text.split("## Parts", 1)[1].split("\n## ", 1)[0]
    parts = []
    for match in re.finditer(r"^\d+\. \*\*(\w+)\*\*:(.*?)(?=^\d+\. |\Z)", section, re.M | re.S):
        parts.append(
            (match.group(1), re.findall(r"`((?:search|webui)/[\w/]*(?:\.py)?)`", match.group(2)))
        )
    return parts


def part_of(module: Module, parts, root: Path) -> list[str]:
    relative = module.path.relative_to(root).as_posix()
    return [
        name
        for name, places in parts
        if any(relative == p or (p.endswith("/") and relative.startswith(p)) for p in places)
    ]


# ------------------------------------------------------------------------------------- rules


def rule_0_every_module_has_a_part(modules, root, parts) -> list[str]:
    found = []
    for module in modules:
        owners = part_of(module, parts, root)
        if len(owners) != 1:
            found.append(f"{module.name} is in {owners or 'no part'}")
    return found


def rule_1_one_direction(modules, root, parts) -> list[str]:
    order = {name: n for n, (name, _) in enumerate(parts)}
    by_name = {m.name: m for m in modules}
    found = []
    for module in modules:
        if module.name.startswith("search.") and (
            web := {top(n) for n in imports_of(module)} & WEB_LIBRARIES
        ):
            found.append(f"{module.name} imports {sorted(web)}")
        own = part_of(module, parts, root)
        if len(own) != 1:
            continue
        for target in internal_imports(module, set(by_name)):
            theirs = part_of(by_name[target], parts, root)
            if len(theirs) == 1 and order[theirs[0]] > order[own[0]]:
                found.append(f"{module.name} ({own[0]}) imports {target} ({theirs[0]})")
    return found


def rule_2_engines_behind_the_seam(modules, root, parts) -> list[str]:
    found = []
    for module in modules:
        in_engines = module.name.startswith("search.engines")
        for library in {top(n) for n in imports_of(module)} & ENGINE_LIBRARIES:
            if not (in_engines and module.path.name.startswith(f"{library}_")):
                found.append(f"{module.name} imports {library}")
        reaches = any(n.startswith("search.engines") for n in imports_of(module))
        if reaches and not in_engines and module.name != "search.archive":
            found.append(f"{module.name} imports search.engines (only search.archive may)")
    return found


def rule_3_engines_know_only_the_seam(modules, root, parts) -> list[str]:
    found = []
    for module in modules:
        if not module.name.startswith("search.engines"):
            continue
        for name in imports_of(module):
            if top(name) in ("search", "webui") and not name.startswith(ENGINE_MAY_IMPORT):
                found.append(f"{module.name} imports {name}")
    return found


def rule_4_readers_know_nothing_of_the_index(modules, root, parts) -> list[str]:
    allowed = ("search.ingest", "search.errors", "search.types", "search.keys")
    return [
        f"{m.name} imports {n}"
        for m in modules
        if m.name.startswith("search.ingest")
        for n in imports_of(m)
        if top(n) in ("search", "webui") and not n.startswith(allowed)
    ]


def rule_5_the_library_never_talks_to_the_terminal(modules, root, parts) -> list[str]:
    found = []
    for module in modules:
        if "click" in {top(n) for n in imports_of(module)} and not (
            module.name.startswith("search.cli") or module.name == "webui.cli"
        ):
            found.append(f"{module.name} imports click")
        talking = calls_of(module) & {"print", "input", "sys.exit", "exit", "quit"}
        if module.name == "webui.cli":
            talking -= {"sys.exit"}  # the entry point turns the status into the exit code
        if talking:
            found.append(f"{module.name} calls {sorted(talking)}")
    return found


def rule_6_nothing_at_import_time(modules, root, parts) -> list[str]:
    found = []
    for module in modules:
        source = module.source
        if module.path.name != "config.py" and ("os.environ" in source or "getenv" in source):
            found.append(f"{module.name} reads the environment")
        opened = import_time_calls(module) & {"open", "sqlite3.connect", "load_settings"}
        if opened:
            found.append(f"{module.name} calls {sorted(opened)} at import")
    return found


def rule_7_markup_in_one_place(modules, root, parts) -> list[str]:
    found = []
    for module in modules:
        if module.name != "webui.render" and "markupsafe" in {top(n) for n in imports_of(module)}:
            found.append(f"{module.name} imports markupsafe")
        if module.name.startswith("search."):
            strings = [
                n.value
                for n in ast.walk(module.tree)
                if isinstance(n, ast.Constant) and isinstance(n.value, str)
            ]
            # Docstrings may name a tag in double backquotes; code may not write one.
            if any("</" in s and "``" not in s for s in strings):
                found.append(f"{module.name} writes a closing tag")
    return found


def rule_8_rooms_stay_small(modules, root, parts) -> list[str]:
    return [f"{m.name} has {n} lines" for m in modules if (n := m.source.count("\n")) > MAX_LINES]


def rule_9_no_import_cycles(modules, root, parts) -> list[str]:
    """Tarjan's strongly connected components over the module import graph."""
    known = {m.name for m in modules}
    graph = {m.name: sorted(internal_imports(m, known)) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return [" <-> ".join(c) for c in cycles]


RULES = [
    rule_0_every_module_has_a_part,
    rule_1_one_direction,
    rule_2_engines_behind_the_seam,
    rule_3_engines_know_only_the_seam,
    rule_4_readers_know_nothing_of_the_index,
    rule_5_the_library_never_talks_to_the_terminal,
    rule_6_nothing_at_import_time,
    rule_7_markup_in_one_place,
    rule_8_rooms_stay_small,
    rule_9_no_import_cycles,
]

# For each rule, modules that break it, written into a copy of the parts list.
OFFENDERS = {
    rule_0_every_module_has_a_part: {"search/nowhere.py": "X = 1\n"},
    rule_1_one_direction: {
        "search/types.py": "from search.searching import run_search\n",
        "search/searching.py": "X = 1\n",
    },
    rule_2_engines_behind_the_seam: {"search/searching.py": "from search.engines import x\n"},
    rule_3_engines_know_only_the_seam: {
        "search/engines/tantivy_engine.py": "from search.analysis import index_text\n"
    },
    rule_4_readers_know_nothing_of_the_index: {
        "search/ingest/feed.py": "from search.archive import open_archive\n"
    },
    rule_5_the_library_never_talks_to_the_terminal: {"search/indexer.py": "print('hello')\n"},
    rule_6_nothing_at_import_time: {"search/indexer.py": "import os\nX = os.environ['HOME']\n"},
    rule_7_markup_in_one_place: {"search/highlight.py": "def f():\n    return '<b>x</b>'\n"},
    rule_8_rooms_stay_small: {"search/indexer.py": "x = 1\n" * (MAX_LINES + 1)},
    rule_9_no_import_cycles: {
        "search/searching.py": "from search.highlight import x\n",
        "search/highlight.py": "from search.searching import y\n",
    },
}


@pytest.fixture(scope="module")
def project():
    return load(ROOT), parts_from(ROOT / "ARCHITECTURE.md")


def test_the_parts_are_read_from_the_document(project):
    _, parts = project
    assert [name for name, _ in parts] == [
        "base",
        "query",
        "ingest",
        "engines",
        "groups",
        "pipeline",
        "features",
        "cli",
        "web",
    ]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_the_code_keeps_the_rule(rule, project):
    modules, parts = project
    assert rule(modules, ROOT, parts) == []


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_a_module_breaking_the_rule_is_caught(rule, tmp_path, project):
    _, parts = project
    for relative, source in OFFENDERS[rule].items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    assert rule(load(tmp_path), tmp_path, parts), f"{rule.__name__} missed {OFFENDERS[rule]}"
