"""Load on loopback: 20 concurrent users making 3,000 requests against the shipped server, a mix
of what researchers do. 0 failed requests, and memory at the end within 10% of what it was after
the first third of the requests.

The run is sized in requests, not minutes, so it does the same work on a fast or a slow machine
(it takes about half a minute here). ``MORGUE_LOAD_REQUESTS`` makes it longer for a soak test;
figures are written to ``test-artifacts/load-<engine>.json``.
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
REQUESTS = int(os.environ.get("MORGUE_LOAD_REQUESTS", "3000"))
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


def test_twenty_users_make_three_thousand_requests(tmp_path, engine_name):
    shutil.copytree(SEEDS, tmp_path / "seeds")
    update_index(tmp_path / "index", [tmp_path / "seeds", REUTERS_SLICE], engine=engine_name)
    failures: list[str] = []
    latencies: list[float] = []
    lock = threading.Lock()
    with running_server(tmp_path, tmp_path / "index") as (base, server):
        status, body, _ = get(base + "/api/search?q=oil&limit=100")
        article_ids = [hit["id"] for hit in json.loads(body)["hits"]]
        samples: list[tuple[int, float]] = []  # (requests done, server RSS)
        started = time.monotonic()
        per_user = REQUESTS // USERS

        def user(number: int) -> None:
            rng = random.Random(number)
            for _ in range(per_user):
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
        while any(thread.is_alive() for thread in threads):
            samples.append((len(latencies), rss_mb(server.pid)))
            time.sleep(0.5)
        for thread in threads:
            thread.join()
        samples.append((len(latencies), rss_mb(server.pid)))
        seconds = time.monotonic() - started

    first_third = max(rss for done, rss in samples if done <= REQUESTS / 3)
    at_end = samples[-1][1]
    figures = {
        "engine": engine_name,
        "users": USERS,
        "requests": len(latencies),
        "seconds": round(seconds, 1),
        "failed": len(failures),
        "median_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(sorted(latencies)[int(0.95 * (len(latencies) - 1))] * 1000, 1),
        "rss_after_a_third_mb": round(first_third, 1),
        "rss_end_mb": round(at_end, 1),
    }
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / f"load-{engine_name}.json").write_text(json.dumps(figures, indent=2) + "\n")
    assert failures == [], failures[:10]
    assert len(latencies) == per_user * USERS
    assert at_end <= 1.10 * first_third, figures
