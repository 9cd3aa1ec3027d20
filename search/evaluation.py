"""Relevance evaluation: run a test collection's queries and score the rankings against its
judgments with ir-measures (nDCG@10, P@10, MAP, R@100), so ranking changes are measured, not
guessed. Query text is read as plain words (``search.query.modes.words_query``): test-collection
queries are natural language full of characters that are operators in our query language.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from search.analysis import analyze_terms
from search.errors import MorgueError
from search.query.modes import AUTO_MIN_TERMS, words_query
from search.query.tree import And
from search.searching import ranked
from search.types import MODES, Engine, SearchRequest

METRICS = ("nDCG@10", "P@10", "MAP", "R@100")
DEPTH = 100


class EvaluationError(MorgueError):
    """Bad evaluation input (unreadable queries or judgments) or a missing optional library."""


@dataclass
class EvalReport:
    queries: int
    metrics: dict[str, float]
    per_query: dict[str, dict[str, float]] = field(default_factory=dict)
    mode: str = "auto"


def load_queries(path: Path) -> dict[str, str]:
    queries: dict[str, str] = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            queries[str(row["qid"])] = str(row["text"])
        except (ValueError, KeyError, TypeError) as exc:
            raise EvaluationError(
                f'{path}: line {number}: expected {{"qid", "text"}} ({exc})'
            ) from None
    return queries


def load_qrels(path: Path) -> dict[str, dict[str, int]]:
    """TREC form: ``qid 0 docid relevance`` a line."""
    qrels: dict[str, dict[str, int]] = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 4 or not parts[3].lstrip("-").isdigit():
            raise EvaluationError(f"{path}: line {number}: expected 'qid 0 docid relevance'")
        qrels.setdefault(parts[0], {})[parts[2]] = int(parts[3])
    return qrels


def query_for(text: str, mode: str):
    """The query tree eval runs: words only, AND-ed (all), OR-ed (any), or by length (auto)."""
    if mode == "all":
        return words_query(text, conjunction=True)
    if mode == "any":
        return words_query(text, conjunction=False)
    conjunction = len(analyze_terms(text)) < AUTO_MIN_TERMS
    return words_query(text, conjunction=conjunction)


def rankings(
    engine: Engine, queries: dict[str, str], mode: str, depth: int = DEPTH
) -> dict[str, dict[str, float]]:
    """qid -> {docid: score}; scores are rank-based so ties cannot reorder our ranking."""
    run: dict[str, dict[str, float]] = {}
    for qid, text in queries.items():
        query = query_for(text, mode)
        hits = ranked(engine, SearchRequest(page_size=depth, mode=mode), query)
        if mode == "auto" and isinstance(query, And) and len(hits) < depth:
            every = {m.article.id for m in hits}  # as a page does: all words, then some
            some = ranked(engine, SearchRequest(page_size=depth, mode=mode), words_query(text))
            hits += [m for m in some if m.article.id not in every][: depth - len(hits)]
        run[qid] = {m.article.id: float(depth - rank) for rank, m in enumerate(hits)}
    return run


def score(run: dict[str, dict[str, float]], qrels: dict[str, dict[str, int]]) -> tuple[dict, dict]:
    try:
        import ir_measures
        from ir_measures import AP, P, R, nDCG
    except ImportError:
        raise EvaluationError("morgue eval needs ir-measures: pip install -e '.[eval]'") from None
    measures = {"nDCG@10": nDCG @ 10, "P@10": P @ 10, "MAP": AP, "R@100": R @ 100}
    judged = {q: d for q, d in qrels.items() if q in run}
    aggregate = ir_measures.calc_aggregate(list(measures.values()), judged, run)
    metrics = {name: float(aggregate[m]) for name, m in measures.items()}
    per_query: dict[str, dict[str, float]] = {}
    by_measure = {m: name for name, m in measures.items()}
    for item in ir_measures.iter_calc(list(measures.values()), judged, run):
        per_query.setdefault(item.query_id, {})[by_measure[item.measure]] = float(item.value)
    return metrics, per_query


def evaluate(
    engine: Engine, queries: dict[str, str], qrels: dict[str, dict[str, int]], mode: str = "auto"
) -> EvalReport:
    if mode not in MODES:
        raise EvaluationError(f"unknown mode {mode!r} (choose from {', '.join(MODES)})")
    judged = {q: t for q, t in queries.items() if q in qrels}
    run = rankings(engine, judged, mode)
    for _qid, docs in run.items():
        if not docs:  # no hits still counts, as zero, in every average
            docs["__no_result__"] = 0.0
    metrics, per_query = score(run, qrels)
    return EvalReport(len(judged), metrics, per_query, mode)
