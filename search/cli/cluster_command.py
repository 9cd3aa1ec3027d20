"""``morgue cluster``: an archive on several Xapian shard servers, searched as one.

``up``/``down`` start and stop shard servers on this machine for trying it out; ``init`` makes
an index folder whose articles live on shards (here or on other machines); ``status`` probes
each shard. ``morgue reindex``, ``search``, ``serve``, saved queries and exports then work on
that folder unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from search.cli.options import resolve_index

FOLDER = click.Path(file_okay=False, path_type=Path)
PRIVATE_HELP = (
    "Allow shard servers off loopback. xapian-tcpsrv has no authentication: anyone who reaches "
    "a writable shard can change or delete the archive, so use a private network only."
)


@click.group(short_help="Shard an archive over Xapian servers: up, init, status, down.")
def cluster() -> None:
    """An archive on several Xapian shard servers (Debian's xapian-tools), searched as one.

    \b
    Try it on this machine:
      morgue cluster up --shards 3 --dir /tmp/c
      morgue cluster init /tmp/ci --shard 127.0.0.1:P1 --shard 127.0.0.1:P2 --shard ...
      morgue reindex articles.jsonl --index /tmp/ci
      morgue serve --index /tmp/ci
      morgue cluster down --dir /tmp/c
    """


@cluster.command(short_help="Start shard servers on this machine.")
@click.option("--shards", type=click.IntRange(1, 64), default=3, show_default=True)
@click.option("--dir", "folder", type=FOLDER, required=True, help="Where the shards live.")
@click.option(
    "--port-base", type=click.IntRange(1024, 65000), help="First port (default: free ports)."
)
@click.option(
    "--replicas",
    type=click.IntRange(0, 4),
    default=0,
    show_default=True,
    help="Read-only copies of each shard, kept in step by xapian-replicate.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--private-network", is_flag=True, help=PRIVATE_HELP)
def up(shards, folder, port_base, replicas, host, private_network) -> None:
    """Start SHARDS writable xapian-tcpsrv servers (pids kept in DIR/cluster.json), and print
    the `morgue cluster init` command that makes an index of them."""
    from search.cluster import shard_addresses, start

    servers = start(
        folder,
        shards,
        port_base=port_base,
        host=host,
        replicas=replicas,
        private_network=private_network,
    )
    for server in servers:
        if server.role in ("shard", "replica"):
            click.echo(f"{server.role} {server.shard}: {server.address} (pid {server.pid})")
    options = []
    for primary, copies in shard_addresses(servers):
        options.append(f"--shard {primary}")
        options += [f"--replica {primary}={copy}" for copy in copies]
    click.echo(f"next: morgue cluster init INDEX {' '.join(options)}")


@cluster.command(short_help="Stop the servers `cluster up` started.")
@click.option("--dir", "folder", type=FOLDER, required=True)
def down(folder) -> None:
    """Stop exactly the servers recorded in DIR/cluster.json (their databases stay)."""
    from search.cluster import stop

    stopped = stop(folder)
    click.echo(f"stopped {len(stopped)} server{'s' if len(stopped) != 1 else ''}")


@cluster.command(short_help="Make an index whose articles live on shard servers.")
@click.argument("index_dir", type=FOLDER)
@click.option(
    "--shard",
    "shards",
    multiple=True,
    required=True,
    metavar="HOST:PORT",
    help="A shard's writable server; repeat, in the same order every time.",
)
@click.option(
    "--replica",
    "replicas",
    multiple=True,
    metavar="HOST:PORT=HOST:PORT",
    help="A read-only copy: PRIMARY=REPLICA (or just REPLICA after its --shard).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(0.1, 600),
    default=5.0,
    show_default=True,
    help="Seconds to wait for a shard before calling it unavailable.",
)
@click.option("--private-network", is_flag=True, help=PRIVATE_HELP)
def init(index_dir, shards, replicas, timeout, private_network) -> None:
    """Create INDEX_DIR as a cluster index on the given shards (each must be empty or already
    this archive's). Then `morgue reindex FILES --index INDEX_DIR` routes each article to a
    shard by a stable hash of its id."""
    from search.archive import create_cluster

    copies: dict[str, list[str]] = {s: [] for s in shards}
    for replica in replicas:
        primary, _, address = replica.rpartition("=")
        primary = primary or shards[-1]
        if primary not in copies:
            raise click.BadParameter(
                f"{primary} is not one of the --shard servers", param_hint="--replica"
            )
        copies[primary].append(address)
    index_id = create_cluster(
        index_dir,
        [(s, copies[s]) for s in shards],
        timeout=timeout,
        private_network=private_network,
    )
    click.echo(f"{index_dir}: a cluster index of {len(shards)} shards (archive {index_id[:8]})")


@cluster.command(short_help="Per shard: reachable, articles, revision, latency.")
@click.argument("index_dir", type=FOLDER, required=False)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(index_dir, as_json) -> None:
    """Probe every server of the cluster index (primaries and replicas). Exits with 1 when a
    shard has no server answering."""
    from search.archive import shard_status

    rows = shard_status(resolve_index(index_dir))
    if as_json:
        click.echo(json.dumps({"shards": rows}, indent=2))
    else:
        for number, row in enumerate(rows, start=1):
            for server in row["servers"]:
                role = "primary" if server["address"] == row["shard"] else "replica"
                serving = " (serving reads)" if server["address"] == row["serving"] else ""
                where = f"shard {number} {role} {server['address']}"
                if server["reachable"]:
                    click.echo(
                        f"{where}: reachable, {server['articles']:,} articles, revision "
                        f"{server['revision']}, {server['latency_ms']} ms{serving}"
                    )
                else:
                    click.echo(f"{where}: UNREACHABLE: {server['error']}")
    down = [row["shard"] for row in rows if row["serving"] is None]
    if down:
        raise click.ClickException(
            f"{len(down)} of {len(rows)} shards {'has' if len(down) == 1 else 'have'} no server "
            f"answering: {', '.join(down)}"
        )
