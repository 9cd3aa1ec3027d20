"""The saved-queries store under SIGKILL, eight writers at once, and a migration killed midway."""

from __future__ import annotations

import random
import shutil
import signal
import sqlite3
import time

import pytest

from search.saved import SavedStore
from tests.conftest import DATA, run_python

pytestmark = pytest.mark.slow

SAVES = 1_000

SAVE_SCRIPT = """
import sys
from search.saved import SavedStore
store = SavedStore(sys.argv[1])
start = int(sys.argv[2])
for n in range(start, int(sys.argv[3])):
    store.add(f"query {n:04d}", f"cocoa AND crop{n}", sources=["Reuters"], notes=f"note {n}")
    print(n, flush=True)  # printed only after COMMIT returned: an acknowledged save
"""

WRITER_SCRIPT = """
import sys, sqlite3
from search.saved import SavedStore
worker = int(sys.argv[2])
errors = 0
store = SavedStore(sys.argv[1])
for n in range(100):
    try:
        store.add(f"w{worker} q{n}", f"oil{n} AND price*")
        store.edit(f"w{worker} q{n}", notes=f"edited {n}")
        assert store.get(f"w{worker} q{n}").notes == f"edited {n}"
        len(store.list())
    except sqlite3.OperationalError as exc:
        print("ERROR", exc, flush=True)
        errors += 1
print("errors", errors, flush=True)
"""

MIGRATION_KILL_SCRIPT = """
import os, signal, sqlite3, sys
from search.saved.schema import migrate

class Dies(sqlite3.Connection):
    def execute(self, sql, *args):
        if "index_schema" in sql:  # midway through migration 2, after several statements
            os.kill(os.getpid(), signal.SIGKILL)
        return super().execute(sql, *args)

db = sqlite3.connect(sys.argv[1], isolation_level=None, factory=Dies)
db.execute("PRAGMA journal_mode = WAL")
migrate(db)
"""


def check_database(path) -> list[str]:
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        rows = db.execute("SELECT name, query, sources, notes FROM saved_query").fetchall()
        versions = db.execute("SELECT COUNT(*) FROM query_version").fetchone()[0]
    finally:
        db.close()
    for name, query, sources, notes in rows:  # no partial rows: every field whole
        n = int(name.split()[-1])
        assert (query, sources, notes) == (f"cocoa AND crop{n}", '["Reuters"]', f"note {n}")
    assert versions == len(rows)  # each save wrote its query and its first version together
    return sorted(name for name, *_ in rows)


def test_sigkill_during_1000_saves_loses_no_acknowledged_save(tmp_path):
    path = tmp_path / "saved.sqlite3"
    with SavedStore(path) as store:  # synchronous=FULL is what makes a save durable
        assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2
    rng = random.Random(11)
    acknowledged: set[str] = set()
    for kill in range(10):
        start = len(check_database(path))
        process = run_python(SAVE_SCRIPT, path, start, SAVES)
        time.sleep(rng.uniform(0.2, 0.8))
        process.send_signal(signal.SIGKILL)
        out, err = process.communicate()
        assert "Traceback" not in err, err
        acknowledged |= {f"query {int(n):04d}" for n in out.split()}
        present = check_database(path)
        missing = acknowledged - set(present)
        assert not missing, f"kill {kill}: acknowledged saves lost: {sorted(missing)[:5]}"
    process = run_python(SAVE_SCRIPT, path, len(check_database(path)), SAVES)
    process.communicate(timeout=300)
    assert check_database(path) == [f"query {n:04d}" for n in range(SAVES)]


def test_eight_processes_writing_at_once_never_see_a_locked_database(tmp_path):
    path = tmp_path / "saved.sqlite3"
    workers = [run_python(WRITER_SCRIPT, path, w) for w in range(8)]
    outputs = [w.communicate(timeout=600) for w in workers]
    for out, err in outputs:
        assert "Traceback" not in err, err
        assert out.strip().endswith("errors 0"), out
    with SavedStore(path) as store:
        names = {s.name for s in store.list()}
        assert len(names) == 800
        assert all(s.notes.startswith("edited") for s in store.list())
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_migration_killed_midway_leaves_the_old_version_intact(tmp_path):
    path = tmp_path / "old.sqlite3"
    shutil.copy(DATA / "saved_v1.sqlite3", path)
    process = run_python(MIGRATION_KILL_SCRIPT, path)
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "query_version" not in tables
    columns = {r[1] for r in db.execute("PRAGMA table_info(run)")}
    assert "version" not in columns  # the ALTERs before the kill were rolled back too
    assert db.execute("SELECT query FROM saved_query").fetchall() == [("cocoa AND crop",)]
    db.close()
    with SavedStore(path) as store:  # and the next open migrates it properly
        assert store.get("cocoa-crop").query == "cocoa AND crop"
        assert [v.version for v in store.versions("cocoa-crop")] == [1]
