"""Morgue's benchmark: build, reindex and query speed beside SQLite FTS5 and tantivy, in one run.

    python benchmarks/run.py CORPUS.jsonl[.gz] [--scale N] [--engine whoosh|tantivy|both]
                             [--out results.json] [--queries 210] [--no-peers]

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

from benchmarks.blackbox import serve_and_query, startup  # noqa: E402
from benchmarks.peers import Fts5Peer, TantivyPeer  # noqa: E402
from benchmarks.workload import QUERY_CLASSES, changed_copy, load_docs, make_queries, scaled_corpus  # noqa: E402
from search.archive import open_archive  # noqa: E402
from search.indexer import update_index  # noqa: E402
from search.searching import prepare, run_search  # noqa: E402
from search.types import SearchRequest  # noqa: E402

INDEX_SCRIPT = (
    "import sys; from search.indexer import update_index; "
    "r = update_index(sys.argv[1], [sys.argv[2]], engine=sys.argv[3], workers=int(sys.argv[4])); "
    "print(r.added, r.updated, r.unchanged)"
)

# The targets of the issue "Speed"; the large-archive figures apply from 500k articles.
WHOOSH_BUILD_PER_S = 2_000
WHOOSH_P95_MS = 25.0
WHOOSH_PEAK_RSS_MB = 500
TANTIVY_BUILD_RATIO = 0.4  # of raw tantivy's rate in the same run
TANTIVY_P95_RATIO = 2.0  # of raw tantivy's p95 in the same run
TANTIVY_LARGE_P95_MS = 30.0
TANTIVY_PEAK_RSS_MB = 1_500
HTTP_ADDS_MS = 2.0
START_S = 0.3
SERVE_FIRST_S = 1.5
LARGE = 500_000


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


def run_measured(args: list[str], poll: float = 0.05) -> tuple[str, float, float]:
    """Run ``python -c args...`` with the project importable; its stdout, wall seconds and the
    peak resident memory (MB) of its whole process tree."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", *args], stdout=subprocess.PIPE, text=True, env=env
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss_kb(process.pid))
        time.sleep(poll)
    seconds = time.perf_counter() - started
    out = process.stdout.read()
    process.stdout.close()
    if process.returncode:
        raise SystemExit(f"child process failed ({process.returncode})")
    return out, seconds, peak / 1024


def timed_index(index: Path, corpus: Path, engine: str, workers: int = 0) -> dict:
    """Run `update_index` in a child process; wall time and peak RSS of the whole process tree
    (worker processes included)."""
    out, seconds, peak_mb = run_measured(
        [INDEX_SCRIPT, str(index), str(corpus), engine, str(workers)]
    )
    added, updated, unchanged = (int(x) for x in out.split())
    return {
        "seconds": seconds,
        "peak_rss_mb": peak_mb,
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
    with open_archive(index) as engine:
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
            run_search(engine, request)
        for query, request in zip(queries, requests, strict=True):
            started = time.perf_counter()
            run_search(engine, request)
            full[query.kind].append((time.perf_counter() - started) * 1000)
            node = prepare(engine, request).query
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


def http_args(query) -> dict:
    """A benchmark query as ``/api/search`` parameters (the API collapses nothing, as
    ``search()`` does not)."""
    args: dict = {"q": query.morgue_text}
    if query.source:
        args["source"] = query.source
    if query.date_from:
        args["from"] = query.date_from.isoformat()
    if query.date_to:
        args["to"] = query.date_to.isoformat()
    return args


def measure_morgue(
    engine: str, work: Path, corpus: Path, docs, queries, text_mb, workers: int = 0
) -> dict:
    index = work / f"morgue-{engine}"
    print(f"morgue ({engine}): build ...", flush=True)
    build = timed_index(index, corpus, engine)
    pooled = {}
    if workers:
        print(f"morgue ({engine}): build with {workers} worker processes ...", flush=True)
        pooled = timed_index(work / f"morgue-{engine}-workers", corpus, engine, workers)
    size = sum(p.stat().st_size for p in index.rglob("*") if p.is_file())
    print(f"morgue ({engine}): no-op reindex ...", flush=True)
    noop = timed_index(index, corpus, engine)
    changed_file, changed = changed_copy(corpus, work / "changed.jsonl.gz")
    print(f"morgue ({engine}): incremental reindex ({changed:,} changed) ...", flush=True)
    incremental = timed_index(index, changed_file, engine)
    print(f"morgue ({engine}): queries ...", flush=True)
    full, engine_only = morgue_queries(index, queries)
    print(f"morgue ({engine}): start-up and HTTP ...", flush=True)
    small = work / f"small-{engine}"
    update_index(small, [ROOT / "seeds"], engine=engine)
    served = serve_and_query(index, [http_args(q) for q in queries], full["all"]["median_ms"])
    return {
        **startup(small),
        **served,
        "build_s": build["seconds"],
        "articles_per_s": len(docs) / build["seconds"],
        "mb_per_s": text_mb / build["seconds"],
        "peak_rss_mb": build["peak_rss_mb"],
        **(
            {
                "workers": workers,
                "workers_build_s": pooled["seconds"],
                "workers_articles_per_s": len(docs) / pooled["seconds"],
                "workers_peak_rss_mb": pooled["peak_rss_mb"],
            }
            if pooled
            else {}
        ),
        "index_mb": size / 1e6,
        "noop_reindex_s": noop["seconds"],
        "noop_peak_rss_mb": noop["peak_rss_mb"],
        "incremental_s": incremental["seconds"],
        "incremental_updated": incremental["updated"],
        "queries": full,
        "queries_engine_only": engine_only,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument(
        "--scale", type=int, default=1, help="copies of the corpus (dates shifted by years)"
    )
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    parser.add_argument("--queries", type=int, default=210)
    parser.add_argument("--no-peers", action="store_true", help="measure Morgue only")
    parser.add_argument(
        "--engine", choices=("whoosh", "tantivy", "both"), default="both", help="Morgue's engine"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="also build with this many worker processes (reindex --workers), beside the default",
    )
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
    engines = ("whoosh", "tantivy") if args.engine == "both" else (args.engine,)
    for engine in engines:
        results[f"morgue-{engine}"] = measure_morgue(
            engine, work, corpus, docs, queries, text_mb, args.workers
        )
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
    systems = [k for k in ("morgue-whoosh", "morgue-tantivy", "fts5", "tantivy") if k in results]
    print(
        f"\nMorgue benchmark · {results['articles']:,} articles ({results['text_mb']:.1f} MB text, "
        f"scale {results['scale']}) · {results['machine']} · {results['date']} · "
        f"{results['commit']}\n"
    )
    head = f"{'':34}" + "".join(f"{name:>16}" for name in systems)
    print(head)
    print("-" * len(head))

    def row(label, key, fmt="{:,.1f}"):
        cells = [results[name].get(key) for name in systems]
        print(
            f"{label:34}" + "".join(f"{fmt.format(c) if c is not None else '':>16}" for c in cells)
        )

    row("build, seconds", "build_s")
    row("build, articles/s", "articles_per_s", "{:,.0f}")
    row("build, MB of text/s", "mb_per_s", "{:,.2f}")
    row("build, peak RSS of process tree, MB", "peak_rss_mb")
    if any("workers" in results[name] for name in systems):
        row("build with --workers, articles/s", "workers_articles_per_s", "{:,.0f}")
        row("  peak RSS of process tree, MB", "workers_peak_rss_mb")
    row("index size, MB", "index_mb")
    row("no-op reindex, seconds", "noop_reindex_s")
    row("1% changed reindex, seconds", "incremental_s")
    row("`morgue --help`, seconds", "help_s", "{:,.2f}")
    row("`morgue search` (small index), s", "search_s", "{:,.2f}")
    row("`morgue serve`, first answer, s", "serve_first_answer_s", "{:,.2f}")
    row("/api/search over HTTP, median ms", "http_median_ms", "{:,.2f}")
    row("  the same in-process, median ms", "in_process_median_ms", "{:,.2f}")
    for kind in ("all", *QUERY_CLASSES):
        for stat in ("median_ms", "p95_ms"):
            label = f"query {kind}, {stat.replace('_ms', '')} ms"
            cells = [results[name]["queries"][kind][stat] for name in systems]
            print(f"{label:34}" + "".join(f"{c:>16,.2f}" for c in cells))
    print_ratios(results)
    print_targets(results)
    for name in ("morgue-whoosh", "morgue-tantivy"):
        if name not in results:
            continue
        m = results[name]
        print(
            f"\nwhere {name}'s query time goes "
            "(median ms: engine match+count+page / whole search() call):"
        )
        for kind in ("all", *QUERY_CLASSES):
            print(
                f"  {kind:14} {m['queries_engine_only'][kind]['median_ms']:8.2f} / "
                f"{m['queries'][kind]['median_ms']:8.2f}"
            )


def print_ratios(results: dict) -> None:
    pairs = [
        ("morgue-tantivy", "tantivy", "Morgue-tantivy / raw tantivy"),
        ("morgue-tantivy", "morgue-whoosh", "Morgue-tantivy / Morgue-whoosh"),
        ("morgue-whoosh", "fts5", "Morgue-whoosh / SQLite FTS5"),
    ]
    lines = []
    for a, b, label in pairs:
        if a in results and b in results:
            x, y = results[a], results[b]
            lines.append(
                f"  {label:32} build time {x['build_s'] / y['build_s']:6.2f}x · query median "
                f"{x['queries']['all']['median_ms'] / y['queries']['all']['median_ms']:6.2f}x · "
                f"p95 {x['queries']['all']['p95_ms'] / y['queries']['all']['p95_ms']:6.2f}x"
            )
    if lines:
        print("\nratios (same run; below 1 is faster):")
        print("\n".join(lines))


def print_targets(results: dict) -> None:
    """Each target of the issue "Speed" as met or missed, with the figure and its ratio."""
    large = results["articles"] >= LARGE
    raw = results.get("tantivy")
    checks = []
    if (m := results.get("morgue-whoosh")) is not None:
        checks += [
            ("whoosh build articles/s", m["articles_per_s"], WHOOSH_BUILD_PER_S, ">="),
            ("whoosh search p95 ms", m["queries"]["all"]["p95_ms"], WHOOSH_P95_MS, "<"),
            ("whoosh peak RSS MB", m["peak_rss_mb"], WHOOSH_PEAK_RSS_MB, "<"),
        ]
    if (m := results.get("morgue-tantivy")) is not None:
        if raw is not None:
            build = m["articles_per_s"] / raw["articles_per_s"]
            checks.append(("tantivy build / raw tantivy", build, TANTIVY_BUILD_RATIO, ">="))
            if not large:
                p95 = m["queries"]["all"]["p95_ms"] / raw["queries"]["all"]["p95_ms"]
                checks.append(("tantivy p95 / raw tantivy", p95, TANTIVY_P95_RATIO, "<"))
        if large:
            p95_ms = m["queries"]["all"]["p95_ms"]
            checks.append(("tantivy search p95 ms", p95_ms, TANTIVY_LARGE_P95_MS, "<"))
        checks.append(("tantivy peak RSS MB", m["peak_rss_mb"], TANTIVY_PEAK_RSS_MB, "<"))
    for name in ("morgue-whoosh", "morgue-tantivy"):
        if (m := results.get(name)) is not None and "help_s" in m:
            engine = name.removeprefix("morgue-")
            checks += [
                (f"{engine} HTTP adds, median ms", m["http_adds_ms"], HTTP_ADDS_MS, "<"),
                (f"{engine} `morgue --help` s", m["help_s"], START_S, "<"),
                (f"{engine} `morgue search` s", m["search_s"], START_S, "<"),
                (f"{engine} serve, first answer s", m["serve_first_answer_s"], SERVE_FIRST_S, "<"),
            ]
    print('\ntargets (issue "Speed"; ratios against peers measured in this run):')
    for label, value, target, op in checks:
        met = value >= target if op == ">=" else value < target
        ratio = value / target if target else float("inf")
        verdict = "met" if met else "MISSED"
        print(f"  {label:32} {value:>10,.2f} (target {op} {target:,}) {ratio:6.2f}x  {verdict}")


if __name__ == "__main__":
    sys.exit(main())
