"""Query modes and relevance evaluation."""

from __future__ import annotations

import json

import pytest

from search.archive import open_archive
from search.cli import ExitStatus, run
from search.evaluation import EvaluationError, evaluate, load_qrels, load_queries, query_for
from search.indexer import update_index
from search.query.modes import build_query, is_operator_free, words_query
from search.query.tree import And, Not, Or, Term
from search.searching import run_search
from search.types import SearchRequest
from tests.conftest import CORPORA
from webui.cli import cli

pytestmark = pytest.mark.usefixtures("engine_name")


@pytest.mark.parametrize(
    ("text", "free"),
    [
        ("what similarity laws must be obeyed?", True),
        ("WHAT IS RETRIEVAL AND HOW DOES IT WORK?", True),  # all capitals: AND is a word
        ("oil AND gas", False),
        ('"oil prices"', False),
        ("price*", False),
        ("source:reuters oil", False),
        ("oil -gas", False),
        ("money-laundering charges", True),
    ],
)
def test_operator_free(text, free):
    assert is_operator_free(text) is free


def test_words_query_never_fails_and_weighs_repeats():
    node = words_query('What "is" (IR)? AND* oil, oil [x] title: NOT?')
    assert isinstance(node, Or)
    terms = {t.text: t.boost for t in node.children}
    assert terms["oil"] == 2.0
    assert terms["ir"] == 1.0
    assert isinstance(words_query("the of and"), type(build_query("the")))


def test_auto_mode_is_and_for_short_and_or_for_long_operator_free_queries():
    assert build_query("deputize IRS agents") == And(
        (Term(None, "deput"), Term(None, "ir"), Term(None, "agent"))
    )
    long = build_query("what similarity laws must be obeyed when building models?")
    assert isinstance(long, Or)
    assert len(long.children) == 8
    assert isinstance(build_query("oil prices?"), And)
    assert build_query("oil gas -coal", "any") == And(
        (Or((Term(None, "oil"), Term(None, "gas"))), Not(Term(None, "coal")))
    )


def test_long_natural_question_finds_partial_matches(seed_engine):
    question = (
        "Why would the treasury lend criminal investigators to immigration enforcement teams?"
    )
    assert run_search(seed_engine, SearchRequest(question, mode="all")).total == 0
    results = run_search(seed_engine, SearchRequest(question))  # auto
    assert results.total == 2
    assert results.hits[0].source == "Reuters"  # it matches more of the words


@pytest.fixture
def tiny_collection(tmp_path):
    docs = [
        {"id": "d1", "title": "wing flutter", "body": "flutter of a swept wing at high speed"},
        {
            "id": "d2",
            "title": "heat transfer",
            "body": "heat transfer in a hypersonic boundary layer",
        },
        {"id": "d3", "title": "wing loads", "body": "loads on a wing in a slipstream"},
        {"id": "d4", "title": "boundary layers", "body": "laminar boundary layer separation"},
    ]
    (tmp_path / "docs.jsonl").write_text(
        "".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8"
    )
    (tmp_path / "queries.jsonl").write_text(
        '{"qid": "1", "text": "What causes flutter of a wing?"}\n'
        '{"qid": "2", "text": "boundary layer HEAT transfer AND separation (hypersonic)"}\n'
        '{"qid": "3", "text": "rocket nozzles"}\n',
        encoding="utf-8",
    )
    (tmp_path / "qrels.txt").write_text(
        "1 0 d1 2\n1 0 d3 1\n2 0 d2 2\n2 0 d4 1\n3 0 d2 1\n", encoding="utf-8"
    )
    update_index(tmp_path / "index", [tmp_path / "docs.jsonl"])
    return tmp_path


def test_evaluate_matches_an_independent_computation(tiny_collection):
    import ir_measures
    from ir_measures import AP, P, R, nDCG

    queries = load_queries(tiny_collection / "queries.jsonl")
    qrels = load_qrels(tiny_collection / "qrels.txt")
    with open_archive(tiny_collection / "index") as engine:
        report = evaluate(engine, queries, qrels, "any")
        run_ = {}
        for qid, text in queries.items():
            hits = engine.search(query_for(text, "any"), SearchRequest(text, page_size=100)).hits
            run_[qid] = {m.article.id: float(100 - i) for i, m in enumerate(hits)} or {"x": 0.0}
    expected = ir_measures.calc_aggregate([nDCG @ 10, P @ 10, AP, R @ 100], qrels, run_)
    assert report.queries == 3
    assert report.metrics["nDCG@10"] == pytest.approx(expected[nDCG @ 10])
    assert report.metrics["MAP"] == pytest.approx(expected[AP])
    assert report.metrics["P@10"] == pytest.approx(expected[P @ 10])
    assert report.metrics["R@100"] == pytest.approx(expected[R @ 100])
    assert report.per_query["3"]["nDCG@10"] == 0.0  # no hits counts as zero
    assert report.per_query["1"]["nDCG@10"] > 0.9


def test_eval_cli(tiny_collection, capsys):
    args = [
        "eval",
        "--queries",
        str(tiny_collection / "queries.jsonl"),
        "--qrels",
        str(tiny_collection / "qrels.txt"),
        "--index",
        str(tiny_collection / "index"),
    ]
    assert run(cli, [*args, "--json"]) == ExitStatus.OK
    document = json.loads(capsys.readouterr().out)
    assert set(document) == {"queries", "metrics"}
    assert set(document["metrics"]) == {"nDCG@10", "P@10", "MAP", "R@100"}
    assert run(cli, [*args, "--per-query"]) == ExitStatus.OK
    out = capsys.readouterr().out
    assert "3 judged queries, mode auto" in out
    assert "nDCG@10" in out


def test_eval_compares_plain_bm25_on_the_same_articles(tiny_collection, capsys):
    from search.eval_peers import bm25_report

    queries = load_queries(tiny_collection / "queries.jsonl")
    qrels = load_qrels(tiny_collection / "qrels.txt")
    with open_archive(tiny_collection / "index") as engine:
        peer = bm25_report(engine, queries, qrels)
    assert peer.per_query["1"]["nDCG@10"] > 0.9  # flutter and wing: d1, then d3
    assert peer.per_query["3"]["nDCG@10"] == 0.0  # no article has rocket or nozzle
    assert 0 < peer.metrics["MAP"] < 1
    args = ["eval", "--queries", str(tiny_collection / "queries.jsonl")]
    args += [
        "--qrels",
        str(tiny_collection / "qrels.txt"),
        "--index",
        str(tiny_collection / "index"),
    ]
    assert run(cli, [*args, "--compare", "bm25", "--json"]) == ExitStatus.OK
    document = json.loads(capsys.readouterr().out)
    assert document["peers"]["bm25"] == pytest.approx(peer.metrics)
    assert run(cli, [*args, "--compare", "bm25"]) == ExitStatus.OK
    out = capsys.readouterr().out
    assert out.splitlines()[1].split() == ["Morgue", "bm25"]
    assert run(cli, [*args, "--compare", "bm42"]) == ExitStatus.USAGE


def test_bad_qrels_line_is_reported(tmp_path):
    bad = tmp_path / "q.txt"
    bad.write_text("1 0 d1\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match=r"q.txt: line 1: expected 'qid 0 docid relevance'"):
        load_qrels(bad)


@pytest.mark.corpus
@pytest.mark.slow
def test_cranfield_ranking_is_in_the_range_of_plain_bm25(tmp_path):
    folder = CORPORA / "ir_cran"
    update_index(tmp_path / "index", [folder / "docs.jsonl"])
    with open_archive(tmp_path / "index") as engine:
        report = evaluate(
            engine, load_queries(folder / "queries.jsonl"), load_qrels(folder / "qrels.txt")
        )
    assert report.queries == 225
    # tantivy's plain BM25 scores 0.37 nDCG@10 here (see benchmarks/relevance.py).
    assert report.metrics["nDCG@10"] > 0.35
    assert report.metrics["R@100"] > 0.70
