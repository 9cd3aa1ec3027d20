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


def bm25_report(engine: Engine, queries: dict[str, str], qrels: dict) -> EvalReport:
    try:
        import bm25s
    except ImportError:
        raise EvaluationError("--compare bm25 needs bm25s: pip install -e '.[eval]'") from None

    def tokenize(texts, ids=True):
        return bm25s.tokenize(
            texts,
            stopwords="en",
            stemmer=lambda words: [stem_english(w) for w in words],
            return_ids=ids,
            show_progress=False,
        )

    ids, texts = [], []
    for article in engine.iter_articles():
        ids.append(article.id)
        texts.append(f"{article.title}\n{article.body}")
    judged = {q: t for q, t in queries.items() if q in qrels}
    run: dict[str, dict[str, float]] = {q: {} for q in judged}
    if ids:
        retriever = bm25s.BM25()
        retriever.index(tokenize(texts), show_progress=False)
        for qid, text in judged.items():
            found, scores = retriever.retrieve(
                tokenize([text], ids=False), k=min(DEPTH, len(ids)), show_progress=False
            )
            run[qid] = {ids[i]: float(s) for i, s in zip(found[0], scores[0], strict=True) if s > 0}
    for docs in run.values():
        if not docs:  # no hits still counts, as zero, in every average
            docs["__no_result__"] = 0.0
    metrics, per_query = score(run, qrels)
    return EvalReport(len(judged), metrics, per_query, "bm25")
