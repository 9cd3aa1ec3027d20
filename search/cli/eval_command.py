"""``morgue eval``: relevance metrics of the index's ranking on a test collection."""

from __future__ import annotations

import json
from pathlib import Path

import click

from search.archive import open_archive
from search.cli.options import index_option, resolve_index
from search.eval_peers import PEERS, bm25_report
from search.evaluation import METRICS, evaluate, load_qrels, load_queries
from search.types import MODES


@click.command("eval", short_help="Score the ranking against relevance judgments.")
@click.option(
    "--queries",
    "queries_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='JSON Lines of {"qid", "text"}.',
)
@click.option(
    "--qrels",
    "qrels_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Judgments in TREC form: qid 0 docid relevance.",
)
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default="auto",
    show_default=True,
    help="all: every word must match; any: any word; auto: all for short queries, any for long.",
)
@click.option(
    "--compare",
    type=click.Choice(PEERS),
    multiple=True,
    help="Also score a plain engine on the same articles and judgments: bm25 (bm25s, the same "
    "stemmer and stop words, title and text as one field).",
)
@click.option("--per-query", is_flag=True, help="Also print each query's metrics.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@index_option
def eval_command(queries_path, qrels_path, mode, compare, per_query, as_json, index_dir) -> None:
    """Score the ranking with nDCG@10, P@10, MAP and recall@100 (via ir-measures)."""
    queries = load_queries(queries_path)
    qrels = load_qrels(qrels_path)
    with open_archive(resolve_index(index_dir)) as engine:
        report = evaluate(engine, queries, qrels, mode)
        peers = {name: bm25_report(engine, queries, qrels) for name in compare}
    if as_json:
        document = {"queries": report.queries, "metrics": report.metrics}
        if per_query:
            document["per_query"] = report.per_query
        if peers:
            document["peers"] = {name: peer.metrics for name, peer in peers.items()}
        click.echo(json.dumps(document, indent=2))
        return
    click.echo(f"{report.queries} judged queries, mode {mode}")
    if peers:
        click.echo(f"  {'':8} {'Morgue':>8}" + "".join(f" {name:>8}" for name in peers))
    for name in METRICS:
        click.echo(
            f"  {name:8} {report.metrics[name]:8.4f}"
            + "".join(f" {peer.metrics[name]:8.4f}" for peer in peers.values())
        )
    if per_query:
        click.echo(f"\n{'qid':>8}  " + "  ".join(f"{m:>8}" for m in METRICS))
        for qid in sorted(report.per_query, key=lambda q: (len(q), q)):
            values = report.per_query[qid]
            click.echo(f"{qid:>8}  " + "  ".join(f"{values.get(m, 0.0):8.4f}" for m in METRICS))
