"""What the command line tells scripts and people must be true: exit statuses of runs that
indexed nothing, a mistyped --index, a busy port, the progress of a long run, the summary."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys

import pytest

from search.cli import ExitStatus, TqdmProgress, run
from search.indexer import IndexReport, update_index
from tests.conftest import REUTERS_SLICE, ROOT, SEEDS
from webui.cli import cli

pytestmark = pytest.mark.usefixtures("engine_name")


@pytest.fixture
def morgue(capsys):
    def call(*args):
        status = run(cli, [str(a) for a in args])
        out = capsys.readouterr()
        return status, out.out, out.err

    return call


def test_a_missing_file_is_a_failed_run(morgue, tmp_path):
    status, out, err = morgue("reindex", tmp_path / "nope.jsonl", "--index", tmp_path / "i")
    assert status == ExitStatus.ERROR
    assert "0 added, 0 updated, 0 unchanged, 1 rejected" in out
    assert err.splitlines() == [
        f"{tmp_path / 'nope.jsonl'}: no such file or folder",
        "morgue: error: nothing was indexed: every input was rejected (see the messages above)",
    ]
    assert not (tmp_path / "i").exists()  # no empty index left behind to be served


def test_a_run_whose_every_input_is_rejected_fails(morgue, tmp_path):
    binary, empty = tmp_path / "photo.jsonl", tmp_path / "empty.txt"
    binary.write_bytes(b"\x89PNG\x00\x01\x02")
    empty.write_text("")
    status, _, err = morgue("reindex", binary, empty, "--index", tmp_path / "i")
    assert status == ExitStatus.ERROR
    assert err.count("\n") == 3  # one line per rejected file, then the error


def test_some_rejected_records_still_succeed_and_say_how_many(morgue, tmp_path):
    data = tmp_path / "in.jsonl"
    data.write_text('{"id": "1", "title": "Good", "body": "fine"}\n{bad\n', encoding="utf-8")
    status, out, _ = morgue("reindex", data, "--index", tmp_path / "i")
    assert status == ExitStatus.OK
    assert "1 added, 0 updated, 0 unchanged, 1 rejected" in out
    status, out, _ = morgue("reindex", data, "--index", tmp_path / "i")  # nothing new: still ok
    assert status == ExitStatus.OK
    assert "0 added, 0 updated, 1 unchanged, 1 rejected" in out


def test_skipped_files_of_a_folder_are_counted_and_listed_on_request(morgue, tmp_path):
    folder = tmp_path / "clippings"
    folder.mkdir()
    (folder / "a.txt").write_text("date 2025-02-10\nHarbour strike ends. Workers return.\n")
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (folder / "dead.txt").symlink_to(tmp_path / "gone.txt")
    (folder / ".DS_Store").write_bytes(b"\x00")  # hidden: passed over without a word
    status, out, err = morgue("reindex", folder, "--index", tmp_path / "i")
    assert status == ExitStatus.OK
    assert "1 added, 0 updated, 0 unchanged, 0 rejected, 2 files skipped" in out
    assert err == ""
    status, out, err = morgue("reindex", folder, "--index", tmp_path / "i", "--verbose")
    assert err.splitlines() == [
        f"{folder / 'dead.txt'}: skipped: a link to nothing",
        f"{folder / 'photo.jpg'}: skipped: not an article format (.jpg)",
    ]
    only_photos = tmp_path / "photos"
    only_photos.mkdir()
    (only_photos / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    status, _, err = morgue("reindex", only_photos, "--index", tmp_path / "j")
    assert status == ExitStatus.ERROR
    assert "no file of an article format was found (1 skipped" in err


def test_a_rebuild_that_finds_nothing_keeps_the_index(morgue, tmp_path):
    index = tmp_path / "i"
    assert morgue("reindex", SEEDS, "--index", index)[0] == ExitStatus.OK
    status, _, err = morgue("reindex", "--rebuild", tmp_path / "typo", "--index", index)
    assert status == ExitStatus.ERROR
    assert f"the rebuild found no article to index; {index} is left as it was" in err
    status, out, _ = morgue("stats", "--json", "--index", index)
    assert '"articles": 2' in out


def test_the_summary_counts_in_words_and_states_the_true_rate():
    report = IndexReport(added=100, warnings=1, duplicates=2, skipped=1, seconds=2.0)
    assert report.summary() == (
        "100 added, 0 updated, 0 unchanged, 0 rejected, 2 duplicate ids skipped, 1 warning, "
        "1 file skipped in 2.0 s (51 articles/s)"
    )
    assert "2 warnings" in IndexReport(added=1, warnings=2).summary()


def test_the_progress_bar_shows_the_commit_phase(tmp_path):
    stream = io.StringIO()
    progress = TqdmProgress(enabled=True, file=stream)
    report = update_index(tmp_path / "i", [REUTERS_SLICE], progress=progress, batch_size=200)
    assert report.added == 368
    shown = stream.getvalue()
    assert "reading" in shown
    assert "articles read" in shown
    assert "committing" in shown
    assert "writing 200 articles, merging segments" in shown


def _serve(*args, timeout=30):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "webui.cli", "serve", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
    )


def test_serve_never_builds_a_seed_archive_at_a_mistyped_index(tmp_path):
    typo = tmp_path / "typo"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = _serve("--index", typo, "--port", port)
    assert done.returncode == ExitStatus.ERROR
    assert done.stderr.strip() == (
        f"morgue: error: no index at {typo}; build one with `morgue reindex PATH... --index {typo}`"
    )
    assert not typo.exists()


def test_serve_on_a_busy_port_says_so_before_anything_else(seed_index):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = _serve("--index", seed_index, "--port", port)
    assert done.returncode == ExitStatus.ERROR
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"morgue: error: port {port} is in use; try --port ")


def test_ctrl_c_during_a_first_bulk_run_is_one_line_and_leaves_no_process(tmp_path, engine_name):
    """A terminal's Ctrl-C reaches the whole process group, the Whoosh bulk writer's processes
    too: the run ends with one line (no traceback from any process) and no process lives on."""
    import json
    import os
    import signal
    import time

    source = tmp_path / "big.jsonl"
    with source.open("w", encoding="utf-8") as handle:
        for n in range(12_000):  # about 6 MB: a first run of this size takes the bulk writer
            body = f"Harbour report {n} on cargo, tankers and the port authority. " * 8
            handle.write(json.dumps({"id": f"b{n}", "title": f"Report {n}", "body": body}) + "\n")
    index = tmp_path / "index"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MORGUE_ENGINE": engine_name}
    process = subprocess.Popen(
        [sys.executable, "-m", "webui.cli", "reindex", str(source), "--index", str(index)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (index.exists() and len(list(index.iterdir())) > 3):
        time.sleep(0.05)  # writing has begun
    time.sleep(0.5)
    os.killpg(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=60)
    lines = [line for line in err.splitlines() if line.strip()]
    if process.returncode == ExitStatus.OK:  # it finished first: nothing to interrupt
        pytest.skip("the run ended before the interrupt")
    # 130, or killed by SIGINT (which a shell reports as 130 too): CPython ends that way on its
    # own when the interrupt lands inside code run by exec() of a string, such as a dataclass
    # being built while a module is first imported, even though the interrupt was handled.
    assert process.returncode in (ExitStatus.INTERRUPTED, -signal.SIGINT), err
    assert lines == ["morgue: interrupted; the index keeps its last commit"], err
    time.sleep(0.5)
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)  # the whole group is gone


def test_serve_builds_the_default_index_again_when_its_layout_is_older(tmp_path):
    """A user who served the seeds before an upgrade that changed the index layout gets them
    served again, not a page asking for a rebuild: the default index is made of seeds/ alone."""
    import json
    import shutil
    import urllib.request

    from search.archive import SCHEMA_VERSION, read_meta
    from tests.servers import free_port, wait_for_server

    shutil.copytree(SEEDS, tmp_path / "seeds")
    update_index(tmp_path / "index", [tmp_path / "seeds"])
    meta_path = tmp_path / "index" / "morgue.json"
    meta = json.loads(meta_path.read_text())
    meta["schema_version"] = meta["schema_version"].replace("schema", "schema-old")
    meta_path.write_text(json.dumps(meta))
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MORGUE_INSTANCE_PATH": str(tmp_path / "inst")}
    env.pop("MORGUE_INDEX_DIR", None)
    log = tmp_path / "serve.log"
    with open(log, "w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "webui.cli", "serve", "--port", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=tmp_path,
        )
    try:
        wait_for_server(f"http://127.0.0.1:{port}/", process, log)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=irs", timeout=10) as r:
            assert json.load(r)["total"] >= 1
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert "is of an older layout; building it from" in log.read_text()
    assert read_meta(tmp_path / "index")["schema_version"] == SCHEMA_VERSION


def test_a_reader_that_stops_early_is_no_failure(slice_index):
    """`morgue search '*' --all --json | head -1` under `set -o pipefail`: the pipe closing is
    the reader's choice, so the run ends with 0 and says nothing."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "webui.cli", "search", "*", "--all", "--json"]
        + ["--index", str(slice_index)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert process.stdout.readline().startswith(b"{")
    process.stdout.close()  # as head does after its line
    _, err = process.communicate(timeout=120)
    assert process.returncode == ExitStatus.OK, err
    assert err == b""


def test_an_empty_query_is_refused_with_the_way_to_list_everything(morgue, seed_index):
    for empty in ("", "   "):
        status, out, err = morgue("search", empty, "--index", seed_index)
        assert status == ExitStatus.USAGE
        assert out == ""
        assert "the query is empty: give words to search for, or '*' for every article" in err
    status, out, _ = morgue("search", "*", "--json", "--index", seed_index)
    assert status == ExitStatus.OK
    assert json.loads(out)["total"] == 2  # the two seed articles
