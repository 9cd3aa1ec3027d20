"""Morgue's benchmark: build, reindex and query speed beside SQLite FTS5 and tantivy, in one run.

    python benchmarks/run.py CORPUS.jsonl[.gz] [--scale N] [--out results.json] [--queries 210]

Absolute times drift on a shared machine; the ratios against peers measured in the same run are
the figures to quote. Timing lives here, never in unit tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.peers import Fts5Peer, TantivyPeer  # noqa: E402
from benchmarks.workload import QUERY_CLASSES, changed_copy, load_docs, make_queries, scaled_corpus  # noqa: E402
from search.engines import open_engine  # noqa: E402
from search.query import parse_query  # noqa: E402
from search.searching import search  # noqa: E402
from search.types import SearchRequest  # noqa: E402

INDEX_SCRIPT = (
    "import sys; from search.indexer import update_index; "
    "r = update_index(sys.argv[1], [sys.argv[2]]); print(r.added, r.updated, r.unchanged)"
)


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except OSError:
            continue
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        stack.extend(children.get(current, []))
        try:
            with open(f"/proc/{current}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total


def timed_index(index: Path, corpus: Path) -> dict:
    """Run `update_index` in a child process; wall time and peak RSS of the whole process tree."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", INDEX_SCRIPT, str(index), str(corpus)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss_kb(process.pid))
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    added, updated, unchanged = (int(x) for x in process.stdout.read().split())
    process.stdout.close()
    return {
        "seconds": seconds,
        "peak_rss_mb": peak / 1024,
        "added": added,
        "updated": updated,
        "unchanged": unchanged,
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summarise(times: dict[str, list[float]]) -> dict:
    every = [t for ts in times.values() for t in ts]
    out = {"all": {"median_ms": statistics.median(every), "p95_ms": percentile(every, 0.95)}}
    for kind, ts in times.items():
        out[kind] = {"median_ms": statistics.median(ts), "p95_ms": percentile(ts, 0.95)}
    return out


def morgue_queries(index: Path, queries) -> tuple[dict, dict]:
    full: dict[str, list[float]] = {k: [] for k in QUERY_CLASSES}
    engine_only: dict[str, list[float]] = {k: [] for k in QUERY_CLASSES}
    with open_engine(index) as engine:
        requests = [
            SearchRequest(
                query=q.morgue_text,
                sources=(q.source,) if q.source else (),
                date_from=q.date_from,
                date_to=q.date_to,
            )
            for q in queries
        ]
        for request in requests:  # warm-up: caches, first searcher, stemmer memo
            search(engine, request)
        for query, request in zip(queries, requests, strict=True):
            started = time.perf_counter()
            search(engine, request)
            full[query.kind].append((time.perf_counter() - started) * 1000)
            node = parse_query(request.query)
            started = time.perf_counter()
            engine.search(node, request)
            engine_only[query.kind].append((time.perf_counter() - started) * 1000)
    return summarise(full), summarise(engine_only)


def peer_queries(peer, queries) -> dict:
    times: dict[str, list[float]] = {k: [] for k in QUERY_CLASSES}
    for query in queries:
        peer.search(query)
    for query in queries:
        started = time.perf_counter()
        peer.search(query)
        times[query.kind].append((time.perf_counter() - started) * 1000)
    return summarise(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument(
        "--scale", type=int, default=1, help="copies of the corpus (dates shifted by years)"
    )
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    parser.add_argument("--queries", type=int, default=210)
    parser.add_argument("--no-peers", action="store_true", help="measure Morgue only")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="morgue-bench-"))
    corpus = args.corpus
    if args.scale > 1:
        corpus = scaled_corpus(args.corpus, args.scale, work / "scaled.jsonl.gz")
    print(f"loading {corpus} ...", flush=True)
    docs = load_docs(corpus)
    text_mb = sum(len(d.title) + len(d.body) for d in docs) / 1e6
    queries = make_queries(docs, args.queries)
    print(f"{len(docs):,} articles, {text_mb:.1f} MB of text, {len(queries)} queries", flush=True)

    results: dict = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "corpus": str(args.corpus),
        "scale": args.scale,
        "articles": len(docs),
        "text_mb": text_mb,
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        ),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
    }
    index = work / "morgue-index"
    print("morgue: build ...", flush=True)
    build = timed_index(index, corpus)
    size = sum(p.stat().st_size for p in index.rglob("*") if p.is_file())
    print("morgue: no-op reindex ...", flush=True)
    noop = timed_index(index, corpus)
    changed_file, changed = changed_copy(corpus, work / "changed.jsonl.gz")
    print(f"morgue: incremental reindex ({changed:,} changed) ...", flush=True)
    incremental = timed_index(index, changed_file)
    print("morgue: queries ...", flush=True)
    full, engine_only = morgue_queries(index, queries)
    results["morgue"] = {
        "build_s": build["seconds"],
        "articles_per_s": len(docs) / build["seconds"],
        "mb_per_s": text_mb / build["seconds"],
        "peak_rss_mb": build["peak_rss_mb"],
        "index_mb": size / 1e6,
        "noop_reindex_s": noop["seconds"],
        "noop_peak_rss_mb": noop["peak_rss_mb"],
        "incremental_s": incremental["seconds"],
        "incremental_updated": incremental["updated"],
        "queries": full,
        "queries_engine_only": engine_only,
    }
    if not args.no_peers:
        for peer in (Fts5Peer(work / "fts5.sqlite3"), TantivyPeer(work / "tantivy")):
            print(f"{peer.name}: build ...", flush=True)
            started = time.perf_counter()
            peer.build(docs)
            seconds = time.perf_counter() - started
            print(f"{peer.name}: queries ...", flush=True)
            results[peer.name] = {
                "build_s": seconds,
                "articles_per_s": len(docs) / seconds,
                "mb_per_s": text_mb / seconds,
                "index_mb": peer.size() / 1e6,
                "queries": peer_queries(peer, queries),
            }
            peer.close()
    print_table(results)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {args.out}")
    return 0


def print_table(results: dict) -> None:
    m = results["morgue"]
    peers = [p for p in ("fts5", "tantivy") if p in results]
    print(
        f"\nMorgue benchmark · {results['articles']:,} articles ({results['text_mb']:.1f} MB text, "
        f"scale {results['scale']}) · {results['machine']} · {results['date']} · "
        f"{results['commit']}\n"
    )
    head = f"{'':34}{'Morgue':>12}" + "".join(f"{p:>12}{'ratio':>8}" for p in peers)
    print(head)
    print("-" * len(head))

    def row(label, value, key=None, fmt="{:,.1f}", lower_is_better=True):
        line = f"{label:34}{fmt.format(value):>12}"
        for p in peers:
            other = results[p].get(key) if key else None
            if other is None:
                line += f"{'':>12}{'':>8}"
            else:
                ratio = value / other if other else float("inf")
                line += f"{fmt.format(other):>12}{ratio:>7.2f}x"
        print(line)

    row("build, seconds", m["build_s"], "build_s")
    row("build, articles/s", m["articles_per_s"], "articles_per_s", "{:,.0f}")
    row("build, MB of text/s", m["mb_per_s"], "mb_per_s", "{:,.2f}")
    row("build, peak RSS of process tree, MB", m["peak_rss_mb"])
    row("index size, MB", m["index_mb"], "index_mb")
    row("no-op reindex, seconds", m["noop_reindex_s"])
    row(f"1% changed reindex ({m['incremental_updated']:,}), s", m["incremental_s"])
    for kind in ("all", *QUERY_CLASSES):
        for stat in ("median_ms", "p95_ms"):
            label = f"query {kind}, {stat.replace('_ms', '')} ms"
            value = m["queries"][kind][stat]
            line = f"{label:34}{value:>12,.2f}"
            for p in peers:
                other = results[p]["queries"][kind][stat]
                line += f"{other:>12,.2f}{value / other if other else float('inf'):>7.1f}x"
            print(line)
    print(
        "\nwhere Morgue's query time goes "
        "(median ms: engine match+count+page / whole search() call):"
    )
    for kind in ("all", *QUERY_CLASSES):
        print(
            f"  {kind:14} {m['queries_engine_only'][kind]['median_ms']:8.2f} / "
            f"{m['queries'][kind]['median_ms']:8.2f}"
        )


if __name__ == "__main__":
    sys.exit(main())
