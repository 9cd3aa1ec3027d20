"""Copies and stories, on each engine: which articles are grouped, that groups do not depend on
file order, run split or engine, that they follow added, changed and removed articles with
stable names, and what search, exports, ``morgue story`` and the web show of them.

The archive is a wire story with its corrected re-send, a syndicated copy in another paper, an
extended next-day version and a cut version; another paper's own report of the same event; an
unrelated article; and a template report sent twice ten days apart.
"""

from __future__ import annotations

import json
import random

import pytest

from search.archive import open_archive, read_meta
from search.cli import run
from search.groups import store
from search.groups.builder import GroupingSettings
from search.groups.store import GROUPS_FILE, GroupStore
from search.indexer import update_index
from search.regroup import regroup_index
from search.searching import run_search
from search.types import SearchRequest
from tests.conftest import ENGINES
from webui import create_app
from webui.cli import cli

pytestmark = pytest.mark.usefixtures("engine_name")

_SYLLABLES = tuple(
    [
        "ka",
        "lo",
        "mi",
        "ne",
        "ru",
        "sa",
        "ti",
        "vo",
        "be",
        "da",
        "fu",
        "gi",
        "ho",
        "ju",
        "pe",
        "qua",
        "ri",
        "so",
        "tu",
        "xe",
        "zo",
        "wa",
        "ly",
    ]
)


def _words(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    return [
        "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))) + rng.choice("mnrst")
        for _ in range(count)
    ]


NAMES = _words(1, 22)  # what both reports of the event name: places, people, ships
WIRE_FILLER = _words(2, 200)
REWRITE_FILLER = _words(3, 200)
WIRE = " ".join(
    [w for pair in zip(NAMES, WIRE_FILLER[:22], strict=True) for w in pair] + WIRE_FILLER[22:120]
)
REWRITE = " ".join(
    [w for pair in zip(reversed(NAMES), REWRITE_FILLER[:22], strict=True) for w in pair]
    + REWRITE_FILLER[22:100]
)
TEMPLATE = " ".join(_words(4, 60))
UNRELATED = " ".join(_words(5, 120))
TITLE = "Harbour strike halts grain exports"


def _corrected(text: str) -> str:
    words = text.split()
    words[30], words[31] = "corrected", "figure"
    return " ".join(words)


ARTICLES = [
    # id, source, time, title, body
    ("wire", "Reuters", "2025-03-01T08:00:00Z", TITLE, WIRE),
    ("corrected", "Reuters", "2025-03-01T08:30:00Z", "CORRECTED-" + TITLE, _corrected(WIRE)),
    ("syndicated", "Daily Planet", "2025-03-01T10:00:00Z", TITLE, WIRE),
    (
        "rewrite",
        "Morning Post",
        "2025-03-01T11:00:00Z",
        "Grain exports halted by harbour strike",
        REWRITE,
    ),
    ("cut", "Evening Star", "2025-03-01T12:00:00Z", TITLE, " ".join(WIRE.split()[:60])),
    ("extended", "Reuters", "2025-03-02T09:00:00Z", TITLE, WIRE + " " + " ".join(_words(6, 60))),
    ("unrelated", "Reuters", "2025-03-01T09:00:00Z", "Orchestra opens season", UNRELATED),
    ("template-1", "Reuters", "2025-03-03T16:00:00Z", "Weekly tallow report", TEMPLATE),
    ("template-2", "Reuters", "2025-03-13T16:00:00Z", "Weekly tallow report", TEMPLATE),
]
WIRE_COPIES = {"wire", "corrected", "syndicated", "cut", "extended"}


def record(article_id: str, source: str, at: str, title: str, body: str) -> dict:
    return {"id": article_id, "source": source, "date": at, "title": title, "body": body}


def write_jsonl(path, rows) -> object:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(record(*row)) + "\n" for row in rows), encoding="utf-8")
    return path


def groups_of(index) -> dict[str, tuple[str, str]]:
    """Article id -> (copy group, story), as the groups file names them."""
    with GroupStore.of_index(index, readonly=True) as store:
        rows = store.rows(
            "SELECT a.id, c.id, s.id FROM article a JOIN article c ON c.num = a.copy_group "
            "JOIN article s ON s.num = a.story"
        )
    return {article: (copy_group, story) for article, copy_group, story in rows}


def build(tmp_path, rows, engine_name, name="index") -> object:
    index = tmp_path / name
    update_index(
        index, [write_jsonl(tmp_path / f"{name}-in" / "articles.jsonl", rows)], engine=engine_name
    )
    assert read_meta(index)["engine"] == engine_name
    return index


@pytest.fixture(scope="module")
def archive(tmp_path_factory, engine_name):
    tmp = tmp_path_factory.mktemp(f"groups-{engine_name}")
    return build(tmp, ARTICLES, engine_name)


# ------------------------------------------------------------------------------ what is grouped


def test_wire_copies_corrections_and_versions_form_one_copy_group(archive):
    groups = groups_of(archive)
    assert {a for a, (copy, _) in groups.items() if copy == "wire"} == WIRE_COPIES
    for alone in ("rewrite", "unrelated", "template-1", "template-2"):
        assert groups[alone][0] == alone


def test_the_same_template_ten_days_later_is_not_a_copy(archive):
    groups = groups_of(archive)
    assert groups["template-1"][0] != groups["template-2"][0]
    assert groups["template-1"][1] != groups["template-2"][1]


def test_another_papers_own_report_is_the_same_story_not_a_copy(archive):
    groups = groups_of(archive)
    story = groups["wire"][1]
    assert story == "wire"
    assert {a for a, (_, s) in groups.items() if s == story} == WIRE_COPIES | {"rewrite"}
    assert groups["rewrite"][0] != groups["wire"][0]
    assert groups["unrelated"][1] == "unrelated"


def test_seeds_are_one_story_of_two_copy_groups(seed_index):
    groups = groups_of(seed_index)
    assert len(groups) == 2
    assert len({copy for copy, _ in groups.values()}) == 2
    assert len({story for _, story in groups.values()}) == 1


# ------------------------------------------------------------------------------ determinism


def test_file_order_and_run_split_do_not_change_the_groups(archive, tmp_path, engine_name):
    expected = groups_of(archive)
    shuffled = ARTICLES[:]
    random.Random(7).shuffle(shuffled)
    assert groups_of(build(tmp_path, shuffled, engine_name, "shuffled")) == expected
    assert groups_of(build(tmp_path, ARTICLES[::-1], engine_name, "reversed")) == expected
    # run by run, in an order that adds earlier articles after later ones
    index = tmp_path / "runs"
    for n, part in enumerate((shuffled[:3], shuffled[3:5], shuffled[5:])):
        update_index(index, [write_jsonl(tmp_path / f"run{n}" / "a.jsonl", part)])
    by_runs = groups_of(index)
    assert {a: c for a, (c, _) in by_runs.items()} == {a: c for a, (c, _) in expected.items()}
    regroup_index(index)  # today's weights, decided at once: the same as a single build
    assert groups_of(index) == expected


@pytest.mark.parametrize("other", [p.values[0] for p in ENGINES])
def test_every_engine_makes_the_same_groups(archive, tmp_path, engine_name, other):
    pytest.importorskip(other)
    assert groups_of(build(tmp_path, ARTICLES, other, f"on-{other}")) == groups_of(archive)


# ------------------------------------------------------------------------------ incremental


def test_adding_articles_keeps_the_names_of_groups_that_did_not_change(tmp_path, engine_name):
    index = build(tmp_path, ARTICLES, engine_name)
    before = groups_of(index)
    later = [
        ("late-copy", "Gazette", "2025-03-02T18:00:00Z", TITLE, WIRE),
        ("other", "Gazette", "2025-03-05T10:00:00Z", "Library reopens", " ".join(_words(9, 90))),
    ]
    report = update_index(index, [write_jsonl(tmp_path / "more" / "a.jsonl", later)])
    assert report.added == 2
    assert not report.groups.everything
    after = groups_of(index)
    assert after["late-copy"] == ("wire", "wire")
    assert after["other"] == ("other", "other")
    assert {a: after[a] for a in before} == before


def test_a_changed_article_leaves_its_group_and_a_changed_founder_renames_it(tmp_path, engine_name):
    index = build(tmp_path, ARTICLES, engine_name)
    changed = [row if row[0] != "cut" else (*row[:4], " ".join(_words(11, 80))) for row in ARTICLES]
    update_index(index, [write_jsonl(tmp_path / "index-in" / "articles.jsonl", changed)])
    groups = groups_of(index)
    assert groups["cut"][0] == "cut"
    assert {a for a, (c, _) in groups.items() if c == "wire"} == WIRE_COPIES - {"cut"}

    changed = [row if row[0] != "wire" else (*row[:4], " ".join(_words(12, 80))) for row in changed]
    update_index(index, [write_jsonl(tmp_path / "index-in" / "articles.jsonl", changed)])
    groups = groups_of(index)
    assert groups["wire"][0] == "wire"
    assert {a for a, (c, _) in groups.items() if c == "corrected"} == {
        "corrected",
        "syndicated",
        "extended",
    }


def test_a_reindex_that_changes_nothing_leaves_the_groups_file_alone(tmp_path, engine_name):
    index = build(tmp_path, ARTICLES, engine_name)
    stamp = (index / GROUPS_FILE).stat().st_mtime_ns
    report = update_index(index, [tmp_path / "index-in" / "articles.jsonl"])
    assert report.unchanged == len(ARTICLES)
    assert (report.groups.copies, report.groups.stories, report.groups.fingerprinted) == (0, 0, 0)
    assert (index / GROUPS_FILE).stat().st_mtime_ns == stamp


def test_a_lost_groups_file_is_made_again_from_the_index(tmp_path, engine_name, capsys):
    index = build(tmp_path, ARTICLES, engine_name)
    expected = groups_of(index)
    for leftover in index.glob(GROUPS_FILE + "*"):
        leftover.unlink()
    assert run(cli, ["search", "strike", "--index", str(index)]) == 0
    assert "`morgue regroup`" in capsys.readouterr().out
    assert run(cli, ["check", "--index", str(index)]) == 0
    assert "no copies or stories grouped yet: run `morgue regroup`" in capsys.readouterr().err
    report = update_index(index, [tmp_path / "index-in" / "articles.jsonl"])
    assert report.groups.fingerprinted == len(ARTICLES)
    assert groups_of(index) == expected
    assert run(cli, ["check", "--index", str(index)]) == 0
    assert "note:" not in capsys.readouterr().err


def test_morgue_regroup_groups_an_index_that_has_none(tmp_path, engine_name, capsys):
    index = build(tmp_path, ARTICLES, engine_name)
    expected = groups_of(index)
    for leftover in index.glob(GROUPS_FILE + "*"):
        leftover.unlink()
    capsys.readouterr()
    assert run(cli, ["story", "wire", "--index", str(index)]) == 1
    assert "no copies or stories grouped yet: run `morgue regroup`" in capsys.readouterr().err
    client = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "MORGUE_OVERRIDES": {"index_dir": index},
        }
    ).test_client()
    answer = client.get("/api/stories/wire")
    assert answer.status_code == 404
    assert answer.get_json()["error"]["code"] == "no_groups"
    page = client.get("/story/wire")
    assert page.status_code == 404
    assert "morgue regroup" in page.get_data(as_text=True)
    assert run(cli, ["regroup", "--index", str(index)]) == 0
    assert groups_of(index) == expected


def test_a_change_of_threshold_regroups_everything(tmp_path, engine_name):
    index = build(tmp_path, ARTICLES, engine_name)
    report = update_index(
        index,
        [tmp_path / "index-in" / "articles.jsonl"],
        grouping=GroupingSettings(copy_days=0),
    )
    assert report.groups.everything
    groups = groups_of(index)
    assert groups["extended"][0] == "extended"  # at 0 days, only copies sent at one moment
    assert groups["corrected"][0] == "corrected"
    assert groups["wire"][0] == "wire"


def test_thresholds_come_from_the_environment(tmp_path, engine_name, monkeypatch, capsys):
    monkeypatch.setenv("MORGUE_COPY_DAYS", "0")
    index = build(tmp_path, ARTICLES, engine_name)
    assert groups_of(index)["extended"][0] == "extended"
    monkeypatch.setenv("MORGUE_STORY_THRESHOLD", "1.5")
    capsys.readouterr()
    assert run(cli, ["reindex", str(tmp_path / "index-in"), "--index", str(index)]) == 1
    assert (
        "MORGUE_STORY_THRESHOLD must be a number above 0 and at most 1" in capsys.readouterr().err
    )


# ------------------------------------------------------------------------------ search


def search(index, **options):
    with open_archive(index) as engine:
        return run_search(engine, SearchRequest(**options))


def test_collapsing_keeps_the_article_total_and_counts_groups(archive):
    flat = search(archive, query="*", page_size=50)
    copies = search(archive, query="*", page_size=50, collapse="copies")
    stories = search(archive, query="*", page_size=50, collapse="stories")
    assert flat.total == copies.total == stories.total == len(ARTICLES)
    assert (copies.copy_groups, copies.stories) == (5, 4)
    assert len(copies.hits) == 5
    assert len(stories.hits) == 4
    wire = next(h for h in copies.hits if h.copy_group == "wire")
    assert (wire.copies, wire.collapsed) == (5, 4)
    story = next(h for h in stories.hits if h.story == "wire")
    assert (story.story_size, story.collapsed, story.collapsed_outlets) == (6, 5, 4)


def test_an_archive_too_big_to_hold_in_memory_groups_the_same_by_lookup(archive, monkeypatch):
    """Past ``MEMORY_LIMIT`` articles the groups are read from the file each search, not held:
    the same collapsed pages and counts either way, and the decision is made once a commit."""
    held = [search(archive, query="*", page_size=50, collapse=c) for c in ("copies", "stories")]
    monkeypatch.setattr(store, "MEMORY_LIMIT", 1)
    monkeypatch.setattr(store, "_SNAPSHOTS", {})
    looked_up = [
        search(archive, query="*", page_size=50, collapse=c) for c in ("copies", "stories")
    ]
    for one, other in zip(held, looked_up, strict=True):
        assert (one.copy_groups, one.stories) == (other.copy_groups, other.stories) == (5, 4)
        assert [(h.id, h.copies, h.story_size) for h in one.hits] == [
            (h.id, h.copies, h.story_size) for h in other.hits
        ]
    assert [entry[1] for entry in store._SNAPSHOTS.values()] == [None]  # "too many", remembered


def test_no_match_counts_no_groups(archive):
    empty = search(archive, query="zzzunheardof", collapse="stories")
    assert (empty.total, empty.copy_groups, empty.stories) == (0, 0, 0)


def test_a_first_article_tied_with_others_is_not_called_first_alone(seed_index, capsys):
    capsys.readouterr()
    assert run(cli, ["story", "h-e483db98f622b94f498f", "--index", str(seed_index)]) == 0
    out = capsys.readouterr().out
    assert "First: 2025-02-10 (the same day as Fox News) · Reuters" in out
    assert run(cli, ["story", "h-e483db98f622b94f498f", "--json", "--index", str(seed_index)]) == 0
    assert json.loads(capsys.readouterr().out)["tied_with_first"] == ["h-e483db98f622b94f498f"]


def test_every_hit_carries_its_groups(archive):
    hits = {h.id: h for h in search(archive, query="*", page_size=50).hits}
    assert (hits["cut"].copy_group, hits["cut"].copies) == ("wire", 5)
    assert (hits["rewrite"].story, hits["rewrite"].story_size) == ("wire", 6)
    assert (hits["unrelated"].copies, hits["unrelated"].story_size) == (1, 1)


def test_star_exports_every_article_with_its_groups(archive, tmp_path, capsys):
    target = tmp_path / "all.jsonl"
    assert run(cli, ["search", "*", "--export", str(target), "--index", str(archive)]) == 0
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    assert len(rows) == len(ARTICLES)
    expected = groups_of(archive)
    assert {r["id"]: (r["copy_group"], r["story"]) for r in rows} == expected
    csv_target = tmp_path / "all.csv"
    assert run(cli, ["search", "*", "--export", str(csv_target), "--index", str(archive)]) == 0
    header = csv_target.read_text().splitlines()[0].split(",")
    folded = tmp_path / "stories.jsonl"
    capsys.readouterr()
    command = ["search", "*", "--collapse", "stories", "--export", str(folded)]
    assert run(cli, [*command, "--index", str(archive)]) == 0
    assert "applies to pages, not exports" in capsys.readouterr().err
    assert len(folded.read_text().splitlines()) == len(ARTICLES)
    assert "copy_group" in header
    assert "story" in header


def test_cli_json_search_collapses_copies_by_default(archive, capsys):
    capsys.readouterr()
    assert run(cli, ["search", "*", "--json", "--limit", "50", "--index", str(archive)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["collapse"], document["total"], len(document["hits"])) == ("copies", 9, 5)
    assert run(cli, ["search", "*", "--json", "--collapse", "none", "--index", str(archive)]) == 0
    assert json.loads(capsys.readouterr().out)["collapse"] == "none"
    assert run(cli, ["search", "*", "--collapse", "threads", "--index", str(archive)]) == 2


# ------------------------------------------------------------------------------ morgue story


def test_morgue_story_lists_the_coverage_in_time_order(archive, capsys):
    capsys.readouterr()
    assert run(cli, ["story", "wire", "--index", str(archive)]) == 0
    out = capsys.readouterr().out
    assert "6 articles from 4 outlets" in out
    positions = [out.index(f"[{a}]") for a in ("wire", "corrected", "syndicated", "rewrite", "cut")]
    assert positions == sorted(positions)
    assert run(cli, ["story", "rewrite", "--json", "--index", str(archive)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["id"], document["first"]) == ("wire", "wire")
    assert [o["source"] for o in document["outlets"]] == [
        "Reuters",
        "Daily Planet",
        "Morning Post",
        "Evening Star",
    ]
    (group,) = document["copy_groups"]
    corrected = next(c for c in group["copies"] if c["id"] == "corrected")
    assert corrected["added_words"] >= 2
    assert corrected["removed_words"] >= 2
    assert any(c["after"].startswith("corrected") for c in corrected["changes"])
    identical = next(c for c in group["copies"] if c["id"] == "syndicated")
    assert identical["added_words"] == identical["removed_words"] == 0


def test_morgue_story_of_an_unknown_id_says_so(archive, capsys):
    assert run(cli, ["story", "nothing-like-it", "--index", str(archive)]) == 1
    assert "no story or article 'nothing-like-it'" in capsys.readouterr().err


# ------------------------------------------------------------------------------ web


@pytest.fixture
def client(archive, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "MORGUE_OVERRIDES": {"index_dir": archive},
        }
    )
    return app.test_client()


def test_api_search_is_flat_by_default_and_the_page_collapses(client):
    flat = client.get("/api/search?q=*&size=50").get_json()
    assert (flat["collapse"], len(flat["hits"])) == ("none", 9)
    assert {"copy_group", "copies", "story", "story_size"} <= set(flat["hits"][0])
    page = client.get("/search?q=*").get_data(as_text=True)
    assert "9 articles" in page
    assert "4 stories" in page
    assert "+4 copies of this article" in page


def test_api_article_and_story(client):
    document = client.get("/api/articles/rewrite").get_json()
    assert document["copies"] == []
    assert document["story"]["id"] == "wire"
    assert len(document["story"]["articles"]) == 6
    cut = client.get("/api/articles/cut").get_json()
    assert [c["id"] for c in cut["copies"]] == ["wire", "corrected", "syndicated", "extended"]
    story = client.get("/api/stories/wire").get_json()
    assert story["first"] == "wire"
    assert len(story["articles"]) == 6
    missing = client.get("/api/stories/none-such")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"


def test_story_page_lists_outlets_in_time_order(client):
    response = client.get("/story/rewrite")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    positions = [page.index(s) for s in ("Reuters", "Daily Planet", "Morning Post", "Evening Star")]
    assert positions == sorted(positions)
    assert "<svg" in page
    assert client.get("/story/none-such").status_code == 404
    article = client.get("/article/rewrite").get_data(as_text=True)
    assert "Also covered by" in article
    assert 'href="/story/wire"' in article


# ------------------------------------------------------------------------------ scraped versions


def test_versions_of_one_page_are_kept_and_grouped_as_copies(tmp_path, engine_name, capsys):
    url = "https://news.example/2025/03/01/harbour-strike"
    extra = " ".join(_words(13, 40))
    versions = [
        {"url": url, "title": TITLE, "body": WIRE, "date": "2025-03-01T08:00:00Z"},
        {"url": url, "title": TITLE, "body": WIRE + " " + extra, "date": "2025-03-01T08:00:00Z"},
        {
            "url": url,
            "title": "UPDATE 2-" + TITLE,
            "body": _corrected(WIRE) + " " + extra,
            "date": "2025-03-01T08:00:00Z",
        },
    ]
    source = tmp_path / "in" / "scrapes.jsonl"
    source.parent.mkdir()
    lines = [json.dumps(v) for v in versions]
    source.write_text("\n".join([*lines, lines[2]]) + "\n", encoding="utf-8")
    index = tmp_path / "index"
    assert run(cli, ["reindex", str(source), "--index", str(index), "--engine", engine_name]) == 0
    out = capsys.readouterr().out
    assert "3 added" in out
    assert "2 later versions of a page kept beside the first" in out
    assert "1 duplicate id skipped" in out
    groups = groups_of(index)
    assert len(groups) == 3
    assert url in groups
    assert {copy for copy, _ in groups.values()} == {url}
    assert run(cli, ["reindex", str(source), "--index", str(index)]) == 0
    assert "0 added, 0 updated, 3 unchanged" in capsys.readouterr().out
    assert groups_of(index) == groups


def test_a_search_after_a_commit_sees_the_new_groups_not_a_remembered_copy(tmp_path, engine_name):
    """Readers keep the groups in memory per generation of the groups file: a search made
    before a reindex must not make the next one answer from the old state."""
    index = build(tmp_path, ARTICLES, engine_name)
    with open_archive(index) as engine:
        before = run_search(engine, SearchRequest(query="*", page_size=50, collapse="copies"))
        wire = next(h for h in before.hits if h.copy_group == "wire")
        assert (before.copy_groups, wire.copies, wire.collapsed) == (5, 5, 4)
        later = [("late-copy", "Gazette", "2025-03-02T18:00:00Z", TITLE, WIRE)]
        report = update_index(index, [write_jsonl(tmp_path / "more" / "a.jsonl", later)])
        assert report.added == 1
        engine.refresh()
        after = run_search(engine, SearchRequest(query="*", page_size=50, collapse="copies"))
        wire = next(h for h in after.hits if h.copy_group == "wire")
        assert (after.total, after.copy_groups, wire.copies, wire.collapsed) == (10, 5, 6, 5)
        assert after.stories == before.stories == 4
