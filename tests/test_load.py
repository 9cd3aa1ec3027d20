"""Load on loopback: 20 concurrent users for 3 minutes against the shipped server, a mix of what
researchers do. 0 failed requests, and memory at the end within 10% of the first minute.

``MORGUE_LOAD_SECONDS`` shortens the run for a quick look; figures are written to
``test-artifacts/load-<engine>.json``.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import threading
import time
import urllib.parse

import pytest

from search.indexer import update_index
from tests.conftest import REUTERS_SLICE, ROOT, SEEDS
from tests.servers import get, rss_mb, running_server

pytestmark = [pytest.mark.usefixtures("engine_name"), pytest.mark.slow]

USERS = 20
SECONDS = float(os.environ.get("MORGUE_LOAD_SECONDS", "180"))
WORDS = ["oil", "cocoa", "coffee", "trade", "bank", "dollar", "yen", "wheat", "sugar", "gold",
         "price*", '"crude oil"', "opec production", "tax", "shares", "profit", "brazil",
         "strike", "grain", "loan"]  # fmt: skip


def visit(base: str, rng: random.Random, article_ids: list[str]) -> str:
    """One request of a researcher's session; returns the path it asked for."""
    roll = rng.random()
    word = rng.choice(WORDS)
    if roll < 0.45:
        params = {"q": word, "page": rng.choice([1, 1, 1, 2, 3]),
                  "sort": rng.choice(["relevance", "relevance", "newest", "oldest"])}  # fmt: skip
        if rng.random() < 0.3:
            params["source"] = "Reuters"
        if rng.random() < 0.3:
            params["from"], params["to"] = "1987-03-01", "1987-03-31"
        path = "/search?" + urllib.parse.urlencode(params)
    elif roll < 0.65:
        path = "/api/search?" + urllib.parse.urlencode({"q": word})
    elif roll < 0.85 and article_ids:
        article = urllib.parse.quote(rng.choice(article_ids), safe="")
        path = f"/article/{article}?" + urllib.parse.urlencode({"q": word})
    elif roll < 0.9:
        path = "/export.csv?" + urllib.parse.urlencode({"q": rng.choice(["cocoa", "zinc"])})
    elif roll < 0.95:
        path = "/search?" + urllib.parse.urlencode({"q": word + " AND (" + rng.choice(WORDS)})
    else:
        path = rng.choice(["/", "/help", "/saved", "/opensearch.xml", "/nowhere"])
    return path


def test_twenty_users_for_three_minutes(tmp_path, engine_name):
    shutil.copytree(SEEDS, tmp_path / "seeds")
    update_index(tmp_path / "index", [tmp_path / "seeds", REUTERS_SLICE])
    failures: list[str] = []
    latencies: list[float] = []
    lock = threading.Lock()
    with running_server(tmp_path, tmp_path / "index") as (base, server):
        status, body, _ = get(base + "/api/search?q=oil&page_size=100")
        article_ids = [hit["id"] for hit in json.loads(body)["hits"]]
        samples: list[tuple[float, float]] = []
        started = time.monotonic()
        deadline = started + SECONDS

        def user(number: int) -> None:
            rng = random.Random(number)
            while time.monotonic() < deadline:
                path = visit(base, rng, article_ids)
                began = time.monotonic()
                try:
                    status, _, _ = get(base + path, timeout=30)
                except (OSError, ValueError) as exc:
                    status = f"connection error {exc}"
                took = time.monotonic() - began
                expected = (404,) if path == "/nowhere" else (200, 400)
                with lock:
                    latencies.append(took)
                    if status not in expected:
                        failures.append(f"{path}: {status}")

        threads = [threading.Thread(target=user, args=(n,)) for n in range(USERS)]
        for thread in threads:
            thread.start()
        while time.monotonic() < deadline:
            samples.append((time.monotonic() - started, rss_mb(server.pid)))
            time.sleep(1.0)
        for thread in threads:
            thread.join()
        samples.append((time.monotonic() - started, rss_mb(server.pid)))

    first_minute = max(rss for t, rss in samples if t <= min(60.0, SECONDS / 3))
    at_end = samples[-1][1]
    figures = {
        "engine": engine_name,
        "users": USERS,
        "seconds": SECONDS,
        "requests": len(latencies),
        "failed": len(failures),
        "median_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(sorted(latencies)[int(0.95 * (len(latencies) - 1))] * 1000, 1),
        "rss_first_minute_mb": round(first_minute, 1),
        "rss_end_mb": round(at_end, 1),
    }
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / f"load-{engine_name}.json").write_text(json.dumps(figures, indent=2) + "\n")
    assert failures == [], failures[:10]
    assert len(latencies) > USERS * 10
    assert at_end <= 1.10 * first_minute, figures
