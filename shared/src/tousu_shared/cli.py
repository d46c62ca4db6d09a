"""The `tousu` command line (contract §1)."""

from __future__ import annotations

import asyncio
import importlib
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from tousu_shared.settings import SERVICES, KafkaSettings, Settings

app = typer.Typer(help="tousu (投诉): complaint intake, analysis, escalation and follow-up.", no_args_is_help=True)
dlq_app = typer.Typer(help="Inspect and re-drive dead-lettered events.", no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")
app.add_typer(importlib.import_module("tousu_intake.keys_cli").keys_app, name="keys")
console = Console()

DataDir = Annotated[Path, typer.Option("--data-dir", help="Where data, logs and the dev key live.")]


@app.command()
def dev(data_dir: DataDir = Path(".tousu")) -> None:
    """Start the embedded broker and database and the four services; Ctrl-C stops all."""
    from tousu_shared.dev import run_dev

    raise typer.Exit(run_dev(data_dir))


@app.command()
def serve(service: Annotated[str, typer.Argument(help="intake | analysis | escalation | followup")]) -> None:
    """Run one service in the foreground (what a container runs)."""
    if service not in SERVICES:
        raise typer.BadParameter(f"unknown service {service!r}; one of {', '.join(SERVICES)}")
    import uvicorn

    settings = Settings.load(service)  # type: ignore[arg-type,unused-ignore]
    module = importlib.import_module(f"tousu_{service}.bootstrap")
    uvicorn.run(
        module.create_app(settings),
        host=settings.service.host,
        port=settings.service.effective_port,
        workers=1,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )


@app.command()
def evaluate(
    path: Annotated[Path, typer.Argument(help="Labelled JSONL: {body, expect} per line, in order.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Run the analysis and routing domain code over a labelled file and print its figures."""
    from tousu_analysis.evaluate import main as run_evaluation

    raise typer.Exit(run_evaluation(path, as_json))


@app.command()
def docs(out: Annotated[Path, typer.Option("--out", help="Docs directory.")] = Path("docs")) -> None:
    """Regenerate the event JSON Schemas and the AsyncAPI document from the code."""
    from tousu_shared.docs import write_docs

    for path in write_docs(out):
        console.print(str(path))


@dlq_app.command("list")
def dlq_list() -> None:
    """List the records on the dead-letter topic."""
    from tousu_shared.dlq import read_all

    letters = asyncio.run(read_all(KafkaSettings()))
    table = Table(title=f"dead letters ({len(letters)})")
    for column in ("id", "service", "topic:partition@offset", "type", "attempts", "error"):
        table.add_column(column)
    for d in letters:
        table.add_row(
            d.dlq_id,
            d.service,
            f"{d.topic}:{d.partition}@{d.offset}",
            d.event_type or "-",
            str(d.attempts),
            d.error[:120],
        )
    console.print(table)


@dlq_app.command("replay")
def dlq_replay(
    dlq_id: Annotated[list[str] | None, typer.Option("--id", help="Dead-letter id (repeatable).")] = None,
    replay_all: Annotated[bool, typer.Option("--all", help="Replay every dead letter.")] = False,
) -> None:
    """Re-publish dead letters to their original topics (consumers are idempotent on ce_id)."""
    from tousu_shared.dlq import read_all, replay

    if not dlq_id and not replay_all:
        raise typer.BadParameter("give --id ID (repeatable) or --all")
    settings = KafkaSettings()
    letters = asyncio.run(read_all(settings))
    chosen = letters if replay_all else [d for d in letters if d.dlq_id in set(dlq_id or [])]
    missing = set(dlq_id or []) - {d.dlq_id for d in chosen}
    if missing:
        console.print(f"[red]not found: {', '.join(sorted(missing))}[/red]")
        raise typer.Exit(1)
    count = asyncio.run(replay(settings, chosen))
    console.print(f"replayed {count} record(s)")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
    sys.exit(0)
