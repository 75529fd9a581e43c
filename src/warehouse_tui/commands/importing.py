"""`warehouse-tui import catalog|locations|stock|orders FILE [--format csv|jsonl] [--json]
[--move-barcodes]`.

Every bad row is reported as `line N: reason` on stderr (and, with --json, as
{"imported": 0, "errors": [...]} on stdout); then nothing of the file is imported and the exit
code is 1. A catalog row giving a barcode that is on another SKU is one of those, unless
--move-barcodes says the barcode moves (each move journaled). A progress bar runs on stderr
when it is a terminal.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from warehouse_tui.commands.common import (
    DbOption,
    JsonOption,
    StationOption,
    cli_actor,
    emit,
    open_store,
)
from warehouse_tui.i18n import _
from warehouse_tui.services.importing import (
    FileFormat,
    ImportKind,
    ImportResult,
    Progress,
    format_of,
    import_file,
)

KindArgument = Annotated[ImportKind, typer.Argument(help="What the file holds.")]
FileArgument = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV or JSON Lines.")
]
MoveBarcodesOption = Annotated[
    bool,
    typer.Option(
        "--move-barcodes",
        help="catalog: a barcode already on another SKU moves to the file's SKU (journaled).",
    ),
]
FormatOption = Annotated[
    FileFormat | None,
    typer.Option(
        "--format", help="csv or jsonl (default: by the file's extension).", show_default=False
    ),
]


def import_cmd(
    kind: KindArgument,
    file: FileArgument,
    file_format: FormatOption = None,
    move_barcodes: MoveBarcodesOption = False,
    as_json: JsonOption = False,
    db: DbOption = None,
    station: StationOption = None,
) -> None:
    """Import catalog, locations, stock or orders: all of the file, or nothing if a row is bad."""
    try:
        fmt = format_of(file, file_format.value if file_format else None)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--format") from None
    store = open_store(db)
    actor = cli_actor(station, "import")
    with progress_bar() as progress:
        result = import_file(
            store, kind, file, fmt=fmt, actor=actor, progress=progress, move_barcodes=move_barcodes
        )
    if kind == ImportKind.ORDERS and not result.errors:
        # The audit runs on every new order at import, so the file lands held or ready.
        from warehouse_tui.services.audit import audit_orders

        audit = audit_orders(store, actor)
        typer.echo(
            _("audit: {ready} ready, {held} held, {merge_groups} merged shipments").format(
                **audit.summary()
            ),
            err=True,
        )
    store.dispose()
    report(kind, result, as_json)


def report(kind: ImportKind, result: ImportResult, as_json: bool) -> None:
    if as_json:
        emit(result.to_json())
    for error in result.errors:
        typer.echo(
            _("line {line}: {reason}").format(line=error.line, reason=error.reason), err=True
        )
    if result.errors:
        raise typer.Exit(1)
    if not as_json:
        typer.echo(
            _(
                "{kind}: {imported} imported — {created} created, {updated} updated, "
                "{unchanged} unchanged, {cancelled} cancelled, {intercepted} intercepted"
            ).format(kind=kind.value, **result.to_json())
        )


@contextmanager
def progress_bar() -> Iterator[Progress]:
    """A Progress callback drawing a rich progress bar on stderr (only on a terminal)."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.progress import Progress as RichProgress

    console = Console(stderr=True)
    labels = {"read": _("Checking"), "write": _("Writing")}
    with RichProgress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(labels.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update
