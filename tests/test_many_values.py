"""Archives with more distinct values than an engine counts in one go: tens of thousands of tags,
or many outlets over years counted day by day. A search, the stats and the coverage counts keep
working and keep adding up; they never fail for their facets."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from search.archive import open_archive
from search.query.tree import MatchAll
from search.searching import run_search
from search.types import SearchRequest
from tests.conftest import HAVE_TANTIVY, build_index

pytestmark = pytest.mark.usefixtures("engine_name")

TAGS_PER_ARTICLE = 50
ARTICLES = 1_320  # 66,000 distinct tags: past tantivy's 65,000 buckets a request


def test_sixty_six_thousand_tags_leave_search_and_stats_working(tmp_path, engine_name):
    lines = []
    for n in range(ARTICLES):
        tags = [f"tag{n}x{k}" for k in range(TAGS_PER_ARTICLE)]
        if n % 10 == 0:
            tags[0] = "common"
        record = {"id": f"a{n}", "title": f"Item {n}", "body": "Harbour report.", "tags": tags}
        record["source"] = f"Outlet {n % 3}"
        lines.append(json.dumps(record))
    (tmp_path / "tags.jsonl").write_text("\n".join(lines) + "\n")
    index = build_index(tmp_path / "index", [tmp_path / "tags.jsonl"], engine_name)
    with open_archive(index) as engine:
        found = run_search(engine, SearchRequest(query="harbour"))
        assert found.total == ARTICLES
        assert sum(f.count for f in found.source_facets) == ARTICLES
        tags = {f.value: f.count for f in found.field_facets["tags"]}
        assert tags["common"] == ARTICLES // 10  # the most common value is counted exactly
        assert run_search(engine, SearchRequest(query="tags:tag1319x49")).total == 1
        stats = engine.stats()
        assert stats.articles == ARTICLES
        assert stats.field_counts["tags"]["common"] == ARTICLES // 10
        assert len(stats.field_counts["tags"]) >= 65_000 - 3


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_TANTIVY, reason="tantivy is not installed ([fast])")
def test_outlets_times_days_past_the_bucket_limit_still_count_per_source(tmp_path, engine_name):
    """66 outlets, each with an article a day for 1,000 days: 66,000 (outlet, day) pairs."""
    if engine_name != "tantivy":
        pytest.skip("the limit is tantivy's; Whoosh counts this in the ordinary suite")
    start = date(2020, 1, 1)
    with (tmp_path / "daily.jsonl").open("w") as out:
        for outlet in range(66):
            for day in range(1_000):
                record = {
                    "id": f"o{outlet}d{day}",
                    "title": "Daily",
                    "body": "Tide tables.",
                    "date": (start + timedelta(days=day)).isoformat(),
                    "source": f"Outlet {outlet}",
                }
                out.write(json.dumps(record) + "\n")
    index = build_index(tmp_path / "index", [tmp_path / "daily.jsonl"], engine_name)
    with open_archive(index) as engine:
        counted = engine.counts(MatchAll(), SearchRequest(), per_source=True)
        assert counted.total == 66_000
        assert len(counted.source_day_counts) == 66
        assert all(len(days) == 1_000 for days in counted.source_day_counts.values())
        assert counted.source_day_counts["Outlet 7"][start + timedelta(days=999)] == 1
