"""The xapian engine on one local database and on shard servers: the same answers, and the cost.

    python benchmarks/cluster.py CORPUS.jsonl[.gz] [--scale N] [--shards 3] [--queries 70]
                                 [--no-equivalence] [--no-speed] [--out results.json]

1. Equivalence. The corpus in one local Xapian database, and the same articles over SHARDS
   servers arranged to be skewed: nine in ten articles that mention oil are on the first shard,
   the rest dealt round. For every query of a mix (the speed benchmark's classes, wildcards,
   phrases, Boolean and field queries, filters; at least 50), the totals, the source, day and
   field facet counts, and the top 10 ids with their scores must be identical. Any difference is
   printed and the exit status is 1.
2. Speed. `morgue reindex` of the corpus in a child process into a local Xapian database, into
   SHARDS shard servers started with Morgue's own `cluster up` code (each article routed by its
   id's hash), and into tantivy, in the same run; then `search()` median and p95 of the query mix
   on each, snippets included.

The shard servers run on this machine, so the figures are those of loopback: on several real
machines each shard has its own cores and disk, and each query pays a network round trip per
shard instead.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import math
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.run import morgue_queries, timed_index  # noqa: E402
from benchmarks.workload import load_docs, make_queries, scaled_corpus  # noqa: E402
from search import cluster  # noqa: E402
from search.archive import create_cluster, open_archive, write_meta  # noqa: E402
from search.indexer import update_index  # noqa: E402
from search.searching import run_search  # noqa: E402
from search.types import SearchRequest  # noqa: E402

EXTRA_QUERIES = [
    "oil",
    "crude oil",
    '"crude oil"',
    '"oil prices"~3',
    '"oil price rise"~3',
    "opec AND (quota OR ceiling)",
    "oil -crude",
    "NOT oil",
    "price*",
    "pric*",
    "wom?n",
    "title:oil",
    "title:cocoa -brazil",
    "source:reuters AND deficit",
    "date:1987-03",
    "date:[1987-03-01 TO 1987-03-15] AND wheat",
    "tags:crude",
    "tags:crude AND NOT place:london",
    "place:japan",
    "bank of japan intervention dollar yen",
    "*",
]


def read_rows(corpus: Path) -> list[dict]:
    opener = gzip.open if corpus.suffix == ".gz" else open
    with opener(corpus, "rt", encoding="utf-8") as source:
        return [json.loads(line) for line in source if line.strip()]


def skewed_parts(corpus: Path, shards: int, work: Path, seed: int = 3) -> list[Path]:
    """The corpus dealt to ``shards`` files, nine in ten oil articles to the first."""
    rng = random.Random(seed)
    dealt = 0
    with contextlib.ExitStack() as stack:
        outs = [
            stack.enter_context(gzip.open(work / f"part-{n}.jsonl.gz", "wt", encoding="utf-8"))
            for n in range(shards)
        ]
        for row in read_rows(corpus):
            text = f"{row.get('title', '')} {row.get('body', '')}".lower()
            if "oil" in text and rng.random() < 0.9:
                part = 0
            else:
                part, dealt = dealt % shards, dealt + 1
            outs[part].write(json.dumps(row) + "\n")
    return [work / f"part-{n}.jsonl.gz" for n in range(shards)]


def serve_read_only(folders: list[Path], work: Path) -> tuple[list, list[str]]:
    processes, addresses = [], []
    for folder in folders:
        port = cluster.free_port()
        log = open(work / f"serve-{folder.name}.log", "wb")  # noqa: SIM115 (kept open by the server)
        processes.append(
            subprocess.Popen(
                ["xapian-tcpsrv", "--port", str(port), "--interface", "127.0.0.1", str(folder)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        addresses.append(f"127.0.0.1:{port}")
    time.sleep(0.5)
    return processes, addresses


def snapshot(engine, text: str) -> dict:
    results = run_search(engine, SearchRequest(query=text, page_size=10, collapse="none"))
    return {
        "total": results.total,
        "sources": [(f.value, f.count) for f in results.source_facets],
        "days": [(b.bucket, b.count) for b in results.date_facets],
        "fields": {k: [(f.value, f.count) for f in v] for k, v in results.field_facets.items()},
        "top": [(h.id, h.score) for h in results.hits],
    }


def same(a: dict, b: dict) -> list[str]:
    differences = [key for key in ("total", "sources", "days", "fields") if a[key] != b[key]]
    if [i for i, _ in a["top"]] != [i for i, _ in b["top"]]:
        differences.append("top-10 ids")
    elif any(
        not math.isclose(x or 0.0, y or 0.0, rel_tol=1e-9, abs_tol=1e-12)
        for (_, x), (_, y) in zip(a["top"], b["top"], strict=True)
    ):
        differences.append("top-10 scores")
    return differences


def equivalence(corpus: Path, shards: int, texts: list[str], work: Path) -> dict:
    whole = work / "xapian-one"
    print("equivalence: one local database ...", flush=True)
    update_index(whole, [corpus], engine="xapian")
    parts = skewed_parts(corpus, shards, work)
    folders = []
    for n, part in enumerate(parts):
        print(f"equivalence: skewed shard {n + 1} ...", flush=True)
        folders.append(work / f"skewed-{n + 1}")
        update_index(folders[-1], [part], engine="xapian")
    processes, addresses = serve_read_only(folders, work)
    try:
        index = work / "skewed-cluster"
        index.mkdir()
        layout = {"shards": [{"address": a, "replicas": []} for a in addresses], "timeout": 30}
        write_meta(index, "xapian", extra={"xapian": layout})  # read-only shards, built apart
        sizes = [open_archive(f).stats().articles for f in folders]
        mismatches = []
        with open_archive(whole) as one, open_archive(index) as many:
            assert many.layout.clustered
            assert many.stats().articles == one.stats().articles == sum(sizes)
            for text in texts:
                differences = same(snapshot(one, text), snapshot(many, text))
                if differences:
                    mismatches.append((text, differences))
                    print(f"  DIFFERENT for {text!r}: {', '.join(differences)}")
    finally:
        for process in processes:
            process.kill()
            process.wait()
    return {"queries": len(texts), "shard_sizes": sizes, "mismatches": mismatches}


def speed(corpus: Path, shards: int, docs, queries, work: Path) -> dict:
    results = {}
    folder = work / "servers"
    servers = cluster.start(folder, shards)
    try:
        index = work / "cluster-hashed"
        create_cluster(index, cluster.shard_addresses(servers), timeout=30.0, private_network=False)
        for name, path, engine in (
            ("xapian, 1 local database", work / "speed-xapian", "xapian"),
            (f"xapian, {shards} shard servers", index, "xapian"),
            ("tantivy", work / "speed-tantivy", "tantivy"),
        ):
            print(f"speed: {name}: build ...", flush=True)
            build = timed_index(path, corpus, engine)
            print(f"speed: {name}: no-op reindex and queries ...", flush=True)
            noop = timed_index(path, corpus, engine)
            full, engine_only = morgue_queries(path, queries)
            results[name] = {
                "build_s": build["seconds"],
                "articles_per_s": len(docs) / build["seconds"],
                "peak_rss_mb": build["peak_rss_mb"],
                "noop_reindex_s": noop["seconds"],
                "search_median_ms": full["all"]["median_ms"],
                "search_p95_ms": full["all"]["p95_ms"],
                "engine_median_ms": engine_only["all"]["median_ms"],
                "engine_p95_ms": engine_only["all"]["p95_ms"],
            }
    finally:
        cluster.stop(folder)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--scale", type=int, default=1, help="Copies of the corpus.")
    parser.add_argument("--shards", type=int, default=3)
    parser.add_argument("--queries", type=int, default=70, help="Generated queries (speed).")
    parser.add_argument("--no-equivalence", action="store_true")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="morgue-cluster-bench-") as tmp:
        work = Path(tmp)
        corpus = args.corpus
        if args.scale > 1:
            corpus = scaled_corpus(args.corpus, args.scale, work / "scaled.jsonl.gz")
        docs = load_docs(corpus)
        queries = make_queries(docs, args.queries)
        results: dict = {"articles": len(docs), "shards": args.shards}
        if not args.no_equivalence:
            texts = [q.morgue_text for q in queries] + EXTRA_QUERIES
            results["equivalence"] = equivalence(corpus, args.shards, texts, work)
            found = results["equivalence"]
            print(
                f"\nequivalence over {found['queries']} queries, shards of "
                f"{found['shard_sizes']} articles: "
                + ("identical" if not found["mismatches"] else f"{len(found['mismatches'])} differ")
            )
        if not args.no_speed:
            results["speed"] = speed(corpus, args.shards, docs, queries, work)
            print(f"\n{len(docs):,} articles, {args.shards} shards on loopback")
            print(
                f"{'':28} {'build/s':>9} {'peak MB':>8} {'no-op s':>8} {'med ms':>7} {'p95 ms':>7}"
            )
            for name, row in results["speed"].items():
                print(
                    f"{name:28} {row['articles_per_s']:9,.0f} {row['peak_rss_mb']:8,.0f} "
                    f"{row['noop_reindex_s']:8.1f} {row['search_median_ms']:7.1f} "
                    f"{row['search_p95_ms']:7.1f}"
                )
        if args.out:
            args.out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    return 1 if results.get("equivalence", {}).get("mismatches") else 0


if __name__ == "__main__":
    raise SystemExit(main())
