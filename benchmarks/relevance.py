"""Ranking quality on the relevance test collections, beside plain BM25 peers in the same run.

    python benchmarks/relevance.py [--collections ir_cran ir_cisi ir_cacm ir_med] [--tune]
                                   [--news ../shared/corpora/reuters21578/reuters21578.jsonl.gz]

Morgue is measured with ``morgue eval``'s code (``search.evaluation``). The peers answer the
same queries as plain words OR-ed over title and body, each with its own BM25 and the stemming
closest to ours it allows: tantivy (k1 1.2, b 0.75, ``en_stem``: Snowball English, as ours),
bm25s (k1 1.5, b 0.75, NLTK's Snowball English and English stop words, as ours) and SQLite FTS5
(k1 1.2, b 0.75, the Porter stemmer, the only one it has). Metrics come from ir-measures for
all. Each collection prints its table, then the mean over the collections, then per query how
often Morgue's default mode beats or loses to the best peer on nDCG@10. ``--tune`` grid-searches
the title boost and the BM25 parameters over all the collections given, together.
"""

from __future__ import annotations

import argparse
import itertools
import re
import sqlite3
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.news_topics import make_collection  # noqa: E402
from search.archive import open_archive  # noqa: E402
from search.engines import base, whoosh_query  # noqa: E402
from search.eval_peers import bm25_run  # noqa: E402
from search.evaluation import (  # noqa: E402
    METRICS,
    evaluate,
    load_qrels,
    load_queries,
    rankings,
    score,
)
from search.indexer import update_index  # noqa: E402
from search.ingest import InputFile, read_records  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"


def _docs(docs_path: Path) -> list[tuple[str, str, str]]:
    """(id, title, body) of every document, read as Morgue reads the file."""
    return [
        (str(r.fields["id"]), r.fields.get("title") or "", r.fields.get("body") or "")
        for r in read_records(InputFile(docs_path))
    ]


def _judged(queries: dict, qrels: dict) -> dict[str, list[str]]:
    return {q: re.findall(r"\w+", text.lower()) for q, text in queries.items() if q in qrels}


def tantivy_run(docs: list, queries: dict, qrels: dict, work: Path) -> dict:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", tokenizer_name="en_stem")
    builder.add_text_field("body", tokenizer_name="en_stem")
    work.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(builder.build(), path=str(work))
    writer = index.writer(heap_size=128_000_000, num_threads=1)
    for doc_id, title, body in docs:
        writer.add_document(tantivy.Document(id=doc_id, title=title, body=body))
    writer.commit()
    index.reload()
    searcher = index.searcher()
    run = {}
    for qid, words in _judged(queries, qrels).items():
        query = index.parse_query(" ".join(words), ["title", "body"]) if words else None
        hits = searcher.search(query, 100).hits if query else []
        run[qid] = {searcher.doc(a)["id"][0]: float(100 - r) for r, (_s, a) in enumerate(hits)}
    return run


def fts5_run(docs: list, queries: dict, qrels: dict, work: Path) -> dict:
    db = sqlite3.connect(work.with_suffix(".sqlite3"))
    db.execute(
        "CREATE VIRTUAL TABLE d USING fts5(id UNINDEXED, title, body, tokenize='porter unicode61')"
    )
    db.executemany("INSERT INTO d VALUES (?, ?, ?)", docs)
    db.commit()
    run = {}
    for qid, words in _judged(queries, qrels).items():
        match = " OR ".join(f'"{w}"' for w in words)
        rows = (
            db.execute(
                "SELECT id FROM d WHERE d MATCH ? ORDER BY bm25(d) LIMIT 100", (match,)
            ).fetchall()
            if words
            else []
        )
        run[qid] = {doc_id: float(100 - r) for r, (doc_id,) in enumerate(rows)}
    db.close()
    return run


def bm25s_run(docs: list, queries: dict, qrels: dict, work: Path) -> dict:
    judged = {qid: " ".join(words) for qid, words in _judged(queries, qrels).items()}
    return bm25_run([(doc_id, f"{t} {b}") for doc_id, t, b in docs], judged)


PEERS = {"tantivy BM25": tantivy_run, "bm25s BM25": bm25s_run, "SQLite FTS5 BM25": fts5_run}


def peer_metrics(run: dict, qrels: dict) -> tuple[dict, dict]:
    for docs in run.values():
        if not docs:  # no hits still counts, as zero, in every average
            docs["__no_result__"] = 0.0
    return score(run, qrels)


def morgue_metrics(index: Path, queries: dict, qrels: dict, mode: str) -> dict:
    return morgue_report(index, queries, qrels, mode).metrics


def morgue_report(index: Path, queries: dict, qrels: dict, mode: str):
    with open_archive(index) as engine:
        return evaluate(engine, queries, qrels, mode)


def line(label: str, metrics: dict) -> str:
    return f"  {label:34}" + "".join(f"{metrics[m]:>9.4f}" for m in METRICS)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--collections", nargs="*", default=["ir_cran", "ir_cisi", "ir_cacm", "ir_med"]
    )
    parser.add_argument("--engine", choices=("whoosh", "tantivy", "xapian"), default="whoosh")
    parser.add_argument("--tune", action="store_true", help="grid-search the values below")
    parser.add_argument("--boosts", nargs="+", type=float, default=[0.1, 0.2, 0.3, 0.5, 0.7])
    parser.add_argument("--k1s", nargs="+", type=float, default=[0.9, 1.2, 1.6])
    parser.add_argument("--bs", nargs="+", type=float, default=[0.6, 0.75, 0.9])
    parser.add_argument(
        "--overlap",
        action="store_true",
        help="also build each collection on the other engine: how many of the top 10 agree",
    )
    parser.add_argument(
        "--news",
        type=Path,
        metavar="REUTERS_JSONL_GZ",
        help="also rank news: Reuters-21578 judged by its topic labels (benchmarks/news_topics.py)",
    )
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="morgue-relevance-"))
    folders = {name: CORPORA / name for name in args.collections}
    if args.news:
        folders["reuters_topics"] = make_collection(args.news, work / "reuters_topics")
        args.collections = [*args.collections, "reuters_topics"]
    tables: dict[str, dict[str, dict]] = {}
    indexes = {}
    for name in args.collections:
        folder = folders[name]
        queries = load_queries(folder / "queries.jsonl")
        qrels = load_qrels(folder / "qrels.txt")
        index = indexes[name] = work / f"{name}-morgue"
        update_index(index, [folder / "docs.jsonl"], engine=args.engine)
        docs = _docs(folder / "docs.jsonl")
        print(
            f"\n{name}: {sum(q in qrels for q in queries)} judged queries, {len(docs):,} documents"
        )
        print(f"  {'':34}" + "".join(f"{m:>9}" for m in METRICS))
        table = tables[name] = {}
        per_query = {}
        for label, make_run in PEERS.items():
            run = make_run(docs, queries, qrels, work / f"{name}-{label.split()[0]}")
            table[label], per_query[label] = peer_metrics(run, qrels)
            print(line(label, table[label]))
        for mode in ("auto", "any", "all"):
            report = morgue_report(index, queries, qrels, mode)
            table[f"Morgue, mode {mode}"] = report.metrics
            per_query[f"Morgue, mode {mode}"] = report.per_query
            print(line(f"Morgue, mode {mode}", report.metrics))
        print(wins_line(per_query, list(PEERS)))
        if args.overlap:
            other = "tantivy" if args.engine == "whoosh" else "whoosh"
            twin = work / f"{name}-{other}"
            update_index(twin, [folder / "docs.jsonl"], engine=other)
            print(overlap_line(index, twin, queries, qrels, other))
    print(f"\nmean over {len(tables)} collections")
    print(f"  {'':34}" + "".join(f"{m:>9}" for m in METRICS))
    for label in next(iter(tables.values())):
        mean = {m: statistics.mean(t[label][m] for t in tables.values()) for m in METRICS}
        print(line(label, mean))
    if args.tune:
        tune(folders, indexes, args.boosts, args.k1s, args.bs)
    return 0


def overlap_line(index: Path, twin: Path, queries: dict, qrels: dict, other: str) -> str:
    """The same collection on both engines, mode auto: how many of each query's top 10 are the
    same articles (scores may differ in the last digits, and so may the order of ties)."""
    judged = {q: t for q, t in queries.items() if q in qrels}
    runs = []
    for path in (index, twin):
        with open_archive(path) as engine:
            runs.append(rankings(engine, judged, "auto", depth=10))
    shared = [len(set(runs[0][q]) & set(runs[1][q])) for q in judged]
    same = sum(len(runs[0][q]) == len(runs[1][q]) == n for q, n in zip(judged, shared, strict=True))
    return (
        f"  top 10 on {other} as well: {statistics.mean(shared):.2f} of 10 shared on average, "
        f"the same set for {same} of {len(judged)} queries, fewest shared {min(shared)}"
    )


def wins_line(per_query: dict, peers: list[str]) -> str:
    """Per query, Morgue's default mode against the best peer (on that collection's mean)."""
    best = max(peers, key=lambda p: statistics.mean(q["nDCG@10"] for q in per_query[p].values()))
    ours, theirs = per_query["Morgue, mode auto"], per_query[best]
    diffs = [ours.get(q, {}).get("nDCG@10", 0.0) - theirs[q]["nDCG@10"] for q in theirs]
    wins = sum(d > 1e-9 for d in diffs)
    losses = sum(d < -1e-9 for d in diffs)
    return (
        f"  mode auto against {best}, nDCG@10 per query: {wins} better, {losses} worse, "
        f"{len(diffs) - wins - losses} equal"
    )


def tune(folders: dict[str, Path], indexes: dict, boosts, k1s, bs) -> None:
    print("\ntuning (mode auto): title boost, k1, b -> mean nDCG@10, mean MAP over the collections")
    collections = list(folders)
    judged = {
        name: (load_queries(folder / "queries.jsonl"), load_qrels(folder / "qrels.txt"))
        for name, folder in folders.items()
    }
    print("  boost  k1    b     mean          " + "  ".join(f"{n:>13}" for n in collections))
    grid = itertools.product(boosts, k1s, bs)
    for boost, k1, b in grid:
        base.TITLE_BOOST, whoosh_query.BM25_K1, whoosh_query.BM25_B = boost, k1, b
        results = [morgue_metrics(indexes[n], *judged[n], "auto") for n in collections]
        ndcg = statistics.mean(r["nDCG@10"] for r in results)
        average = statistics.mean(r["MAP"] for r in results)
        each = "  ".join(f"{r['nDCG@10']:.4f}/{r['MAP']:.4f}" for r in results)
        print(f"  {boost:5} {k1:4} {b:5}  {ndcg:.4f}/{average:.4f}  {each}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
