"""How fast attention over time answers: five queries by week, through the library and through
``/api/attention`` on a real ``morgue serve``, beside one plain search of the same words in the
same run (the peer: what the reader already waits for).

    python benchmarks/attention.py CORPUS.jsonl[.gz] [--engine whoosh|tantivy|both] [--runs N]
    python benchmarks/attention.py --index DIR [--runs N]

The first form builds a fresh index of the corpus per engine in a temporary folder; the second
measures an index that exists (the 1M-article ``--scale`` run: build it with ``morgue reindex``).
Each run asks for a different set of five queries from a fixed mix (common words, rare words, a
phrase, a source clause), so no answer is served from a cache of ours; the figures are the
median and the 95th percentile over all runs, in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from search.archive import open_archive, read_meta  # noqa: E402
from search.attention import AttentionRequest, attention  # noqa: E402
from search.indexer import update_index  # noqa: E402
from search.searching import run_search  # noqa: E402
from search.types import SearchRequest  # noqa: E402
from tests.servers import free_port, wait_for_server  # noqa: E402

MIX = [
    "oil", "wheat", "gold", "dollar", "coffee", "trade", "bank", "opec", "sugar", "tin",
    '"oil prices"', '"interest rates"', "grain AND export", "source:reuters yen", "copper",
    "strike", "japan", "cocoa", "rubber", "shipping",
]  # fmt: skip
TARGETS_MS = {"whoosh": 300.0, "tantivy": 100.0}


def query_sets(runs: int) -> list[tuple[str, ...]]:
    return [tuple(MIX[(run * 5 + k) % len(MIX)] for k in range(5)) for run in range(runs)]


def summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"median_ms": round(statistics.median(ordered), 1), "p95_ms": round(p95, 1)}


def measure_library(index: Path, runs: int) -> dict:
    with open_archive(index) as engine:
        attention(engine, AttentionRequest(("warm",), interval="week"))
        run_search(engine, SearchRequest(query="warm"))
        charts, searches = [], []
        for queries in query_sets(runs):
            started = time.perf_counter()
            found = attention(engine, AttentionRequest(queries, interval="week"))
            charts.append((time.perf_counter() - started) * 1000)
            assert all(sum(p.count for p in s.points) == s.total for s in found.series)
            started = time.perf_counter()
            run_search(engine, SearchRequest(query=queries[0]))
            searches.append((time.perf_counter() - started) * 1000)
        return {
            "articles": engine.stats().articles,
            "attention": summary(charts),
            "one_search": summary(searches),
        }


def measure_http(index: Path, runs: int) -> dict:
    port = free_port()
    log = Path(tempfile.mkstemp(suffix=".log")[1])
    env = {**os.environ, "MORGUE_INDEX_DIR": str(index), "PYTHONPATH": str(ROOT)}
    with open(log, "w") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "webui.cli", "serve", "--port", str(port)],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(base + "/api/search?q=warm", process, log)
        samples = []
        for queries in query_sets(runs):
            args = urllib.parse.urlencode([("q", q) for q in queries] + [("interval", "week")])
            started = time.perf_counter()
            with urllib.request.urlopen(f"{base}/api/attention?{args}", timeout=60) as response:
                document = json.load(response)
            samples.append((time.perf_counter() - started) * 1000)
            assert len(document["series"]) == 5
        return summary(samples)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.unlink(missing_ok=True)


def report(index: Path, runs: int) -> dict:
    engine = read_meta(index)["engine"]
    figures = measure_library(index, runs)
    figures["http"] = measure_http(index, runs)
    figures["engine"] = engine
    target = TARGETS_MS[engine] if figures["articles"] < 500_000 else 1000.0
    met = figures["http"]["median_ms"] <= target
    print(
        f"{engine:8} {figures['articles']:>10,} articles · attention, 5 queries by week: "
        f"median {figures['attention']['median_ms']} ms, p95 {figures['attention']['p95_ms']} ms"
        f" · /api/attention median {figures['http']['median_ms']} ms, p95 "
        f"{figures['http']['p95_ms']} ms · one search median "
        f"{figures['one_search']['median_ms']} ms · target {target:.0f} ms: "
        f"{'met' if met else 'missed'}"
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path)
    parser.add_argument("--index", type=Path, help="measure this existing index instead")
    parser.add_argument("--engine", choices=("whoosh", "tantivy", "both"), default="both")
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    if args.index:
        print(json.dumps(report(args.index, args.runs)))
        return
    if args.corpus is None:
        parser.error("give a corpus, or --index DIR")
    engines = ("whoosh", "tantivy") if args.engine == "both" else (args.engine,)
    results = []
    with tempfile.TemporaryDirectory(prefix="morgue-attention-") as work:
        for engine in engines:
            index = Path(work) / engine
            update_index(index, [args.corpus], engine=engine)
            results.append(report(index, args.runs))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
