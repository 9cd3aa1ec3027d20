"""Ranking quality on the relevance test collections, beside plain BM25 (tantivy) in the same run.

    python benchmarks/relevance.py [--collections ir_cran ir_cisi] [--tune]

Morgue is measured with ``morgue eval``'s code (``search.evaluation``); tantivy answers the same
queries as plain words OR-ed over title and body with its default BM25 (k1 1.2, b 0.75) and
``en_stem``. Metrics come from ir-measures for both. ``--tune`` grid-searches the title boost and
the BM25 parameters on these two collections (and only these: they are not news).
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from search.archive import open_archive  # noqa: E402
from search.engines import whoosh_query  # noqa: E402
from search.evaluation import METRICS, evaluate, load_qrels, load_queries, score  # noqa: E402
from search.indexer import update_index  # noqa: E402
from search.ingest import InputFile, read_records  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"


def tantivy_metrics(docs_path: Path, queries: dict, qrels: dict, work: Path) -> dict:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", tokenizer_name="en_stem")
    builder.add_text_field("body", tokenizer_name="en_stem")
    work.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(builder.build(), path=str(work))
    writer = index.writer(heap_size=128_000_000, num_threads=1)
    for record in read_records(InputFile(docs_path)):
        fields = record.fields
        writer.add_document(
            tantivy.Document(
                id=str(fields["id"]), title=fields.get("title") or "", body=fields.get("body") or ""
            )
        )
    writer.commit()
    index.reload()
    searcher = index.searcher()
    run = {}
    for qid, text in queries.items():
        if qid not in qrels:
            continue
        words = re.findall(r"\w+", text)
        query = (
            index.parse_query(" ".join(words) or "nothing", ["title", "body"]) if words else None
        )
        hits = searcher.search(query, 100).hits if query else []
        run[qid] = {searcher.doc(a)["id"][0]: float(100 - r) for r, (_s, a) in enumerate(hits)} or {
            "__no_result__": 0.0
        }
    metrics, _ = score(run, qrels)
    return metrics


def morgue_metrics(index: Path, queries: dict, qrels: dict, mode: str) -> dict:
    with open_archive(index) as engine:
        return evaluate(engine, queries, qrels, mode).metrics


def line(label: str, metrics: dict) -> str:
    return f"  {label:34}" + "".join(f"{metrics[m]:>9.4f}" for m in METRICS)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--collections", nargs="+", default=["ir_cran", "ir_cisi"])
    parser.add_argument("--tune", action="store_true")
    parser.add_argument("--boosts", nargs="+", type=float, default=[1.0, 1.5, 2.0, 3.0])
    parser.add_argument("--k1s", nargs="+", type=float, default=[0.9, 1.2, 1.6])
    parser.add_argument("--bs", nargs="+", type=float, default=[0.5, 0.75, 0.9])
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="morgue-relevance-"))
    for name in args.collections:
        folder = CORPORA / name
        queries = load_queries(folder / "queries.jsonl")
        qrels = load_qrels(folder / "qrels.txt")
        index = work / f"{name}-morgue"
        update_index(index, [folder / "docs.jsonl"])
        print(f"\n{name}: {sum(q in qrels for q in queries)} judged queries")
        print(f"  {'':34}" + "".join(f"{m:>9}" for m in METRICS))
        print(
            line(
                "tantivy BM25 (OR of words)",
                tantivy_metrics(folder / "docs.jsonl", queries, qrels, work / f"{name}-tantivy"),
            )
        )
        for mode in ("auto", "any", "all"):
            print(line(f"Morgue, mode {mode}", morgue_metrics(index, queries, qrels, mode)))
        if args.tune:
            print("  tuning (mode any): title boost, k1, b -> nDCG@10 MAP")
            for boost, k1, b in itertools.product(
                (1.0, 1.5, 2.0, 3.0), (0.9, 1.2, 1.6), (0.5, 0.75, 0.9)
            ):
                whoosh_query.TITLE_BOOST, whoosh_query.BM25_K1, whoosh_query.BM25_B = (
                    boost,
                    k1,
                    b,
                )
                metrics = morgue_metrics(index, queries, qrels, "any")
                print(f"    {boost:4} {k1:4} {b:5}  {metrics['nDCG@10']:.4f} {metrics['MAP']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
