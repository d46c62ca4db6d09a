"""The `tousu` command line (contract §1)."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from tousu_shared.clock import configured_clock
from tousu_shared.settings import SERVICES, KafkaSettings, MongoSettings, Settings
from tousu_tools.audit_cli import audit_app
from tousu_tools.keys_cli import keys_app

app = typer.Typer(help="tousu (投诉): complaint intake, analysis, escalation and follow-up.", no_args_is_help=True)
dlq_app = typer.Typer(help="Inspect and re-drive dead-lettered events.", no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")
console = Console()

DataDir = Annotated[Path, typer.Option("--data-dir", help="Where data, logs and the dev key live.")]
Url = Annotated[str | None, typer.Option("--url", help="Intake base URL [default: http://127.0.0.1:8000].")]
KEY_HELP = "API key [default: the dev key in DATA_DIR/dev-api-key]."
ApiKeyOption = Annotated[
    str | None,
    typer.Option("--api-key", envvar="TOUSU_API_KEY", help=KEY_HELP, show_default=False),
]
ReportFormat = Annotated[str, typer.Option("--format", help="md | html | json")]


@app.command()
def dev(
    data_dir: DataDir = Path(".tousu"),
    demo: Annotated[bool, typer.Option("--demo/--no-demo", help="Run `tousu demo` once everything is up.")] = False,
) -> None:
    """Start the embedded broker and database and the four services; Ctrl-C stops all."""
    from tousu_tools.dev import run_dev

    raise typer.Exit(run_dev(data_dir, demo=demo))


@app.command("demo")
def demo_command(
    count: Annotated[int, typer.Option("--count", min=1, help="How many sample complaints to post.")] = 96,
    url: Url = None,
    api_key: ApiKeyOption = None,
    data_dir: DataDir = Path(".tousu"),
) -> None:
    """Post sample complaints, wait for routing, simulate handling and follow-up answers, print a summary."""
    from tousu_tools.demo import run_demo

    _call_intake(lambda api: run_demo(api, count=count), url=url, api_key=api_key, data_dir=data_dir)


def _call_intake(work: Callable[[Any], Any], *, url: str | None, api_key: str | None, data_dir: Path) -> Any:
    """Run `work(api)` against the intake API; an unreachable API or an error answer exits 1 with the reason."""
    import httpx

    from tousu_tools.apiclient import ApiError, IntakeApi, default_url, resolve_key

    base = url or default_url()
    api = IntakeApi(url=base, api_key=resolve_key(explicit=api_key, data_dir=data_dir))
    try:
        return work(api)
    except ApiError as exc:
        console.print(f"[red]{exc}[/red]")
    except httpx.TransportError as exc:
        console.print(f"[red]intake API not reachable at {base} ({exc}); is `tousu dev` running? (--url)[/red]")
    finally:
        api.close()
    raise typer.Exit(1)


@app.command()
def report(
    from_: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD) or RFC 3339 time.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last day (inclusive) or RFC 3339 time (exclusive).")] = None,
    fmt: ReportFormat = "md",
    url: Url = None,
    api_key: ApiKeyOption = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of stdout.")] = None,
    data_dir: DataDir = Path(".tousu"),
) -> None:
    """The complaint-handling analysis report (投诉处理工作分析报告) from the running intake API."""
    from tousu_tools.report_render import render

    if fmt not in ("md", "html", "json"):
        raise typer.BadParameter("one of md, html, json", param_hint="--format")
    query = {"from": from_, "to": to}
    summary = _call_intake(
        lambda api: api.get("/v1/reports/summary", **query), url=url, api_key=api_key, data_dir=data_dir
    )
    text = render(summary, fmt=fmt)  # type: ignore[arg-type]
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}")


@app.command()
def serve(service: Annotated[str, typer.Argument(help="intake | analysis | escalation | followup")]) -> None:
    """Run one service in the foreground (what a container runs)."""
    if service not in SERVICES:
        raise typer.BadParameter(f"unknown service {service!r}; one of {', '.join(SERVICES)}")
    import uvicorn

    settings = Settings.load(service)  # type: ignore[arg-type,unused-ignore]
    module = importlib.import_module(f"tousu_{service}.bootstrap")
    offset_file = settings.service.clock_offset_file  # development and test only (refused in production)
    takes_clock = "now" in inspect.signature(module.create_app).parameters
    clock = {"now": configured_clock(offset_file)} if offset_file and takes_clock else {}
    uvicorn.run(
        module.create_app(settings, **clock),
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
    from tousu_tools.evaluate import main as run_evaluation

    raise typer.Exit(run_evaluation(path, as_json))


@app.command()
def docs(out: Annotated[Path, typer.Option("--out", help="Docs directory.")] = Path("docs")) -> None:
    """Regenerate the event JSON Schemas and the AsyncAPI document from the code."""
    from tousu_tools.docs import write_docs

    for path in write_docs(out):
        console.print(str(path))


@dlq_app.command("list")
def dlq_list() -> None:
    """List the records on the dead-letter topic."""
    from tousu_tools.dlq import read_all

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
    """Re-publish dead letters to their original topics (consumers are idempotent on ce_id); re-arm failed pages."""
    from tousu_tools.dlq import read_all, redrive_pages, replay

    if not dlq_id and not replay_all:
        raise typer.BadParameter("give --id ID (repeatable) or --all")
    settings = KafkaSettings()
    letters = asyncio.run(read_all(settings))
    chosen = letters if replay_all else [d for d in letters if d.dlq_id in set(dlq_id or [])]
    missing = set(dlq_id or []) - {d.dlq_id for d in chosen}
    if missing:
        console.print(f"[red]not found: {', '.join(sorted(missing))}[/red]")
        raise typer.Exit(1)
    pages = [d for d in chosen if d.is_page]  # escalation sends them again
    count = asyncio.run(replay(settings, [d for d in chosen if not d.is_page]))
    console.print(f"replayed {count} record(s)")
    if pages:
        armed = asyncio.run(redrive_pages(MongoSettings(), pages))
        console.print(f"re-armed {armed} of {len(pages)} page(s) (the others were re-armed or sent already)")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
    sys.exit(0)
