"""Plain BM25 beside Morgue in ``morgue eval --compare bm25``, on the user's own judgments.

A ranking change is only worth keeping if it beats what a plain engine would do on the same
articles, and a researcher's own collection is where that matters. The peer is bm25s (a
well-kept BM25 library) over the index's own articles, title and text as one field, with the
same Snowball stemmer and English stop words, queries as plain words: the baseline the
benchmarks compare with (benchmarks/relevance.py), measured on the same judgments.
"""

from __future__ import annotations

from search.analysis import stem_english
from search.evaluation import DEPTH, EvalReport, EvaluationError, score
from search.types import Engine

PEERS = ("bm25",)


def bm25_run(docs: list[tuple[str, str]], queries: dict[str, str], depth: int = DEPTH) -> dict:
    """qid -> {doc id: score} of bm25s over ``docs`` (id, text), the ``depth`` best per query
    (``benchmarks/relevance.py`` measures the same peer with it). Needs bm25s installed."""
    import bm25s

    def tokenize(texts, ids=True):
        return bm25s.tokenize(
            texts,
            stopwords="en",
            stemmer=lambda words: [stem_english(w) for w in words],
            return_ids=ids,
            show_progress=False,
        )

    run: dict[str, dict[str, float]] = {q: {} for q in queries}
    if not docs:
        return run
    ids = [doc_id for doc_id, _ in docs]
    retriever = bm25s.BM25()
    retriever.index(tokenize([text for _, text in docs]), show_progress=False)
    for qid, text in queries.items():
        found, scores = retriever.retrieve(
            tokenize([text], ids=False), k=min(depth, len(ids)), show_progress=False
        )
        run[qid] = {ids[i]: float(s) for i, s in zip(found[0], scores[0], strict=True) if s > 0}
    return run


def bm25_report(engine: Engine, queries: dict[str, str], qrels: dict) -> EvalReport:
    try:
        import bm25s  # noqa: F401 - checked here, to say what to install
    except ImportError:
        raise EvaluationError("--compare bm25 needs bm25s: pip install -e '.[eval]'") from None
    docs = [(a.id, f"{a.title}\n{a.body}") for a in engine.iter_articles()]
    judged = {q: t for q, t in queries.items() if q in qrels}
    run = bm25_run(docs, judged)
    for found in run.values():
        if not found:  # no hits still counts, as zero, in every average
            found["__no_result__"] = 0.0
    metrics, per_query = score(run, qrels)
    return EvalReport(len(judged), metrics, per_query, "bm25")
