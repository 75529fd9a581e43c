"""`warehouse-tui wave preview|release|pause|resume|cancel`, `orders audit`, `route plan SPEC.json`.

Three command groups, registered in cli.py as `wave`, `orders` and `route`; `app` holds all three
(for tests and for running this module's commands on their own).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from warehouse_tui.commands.common import (
    DbOption,
    JsonOption,
    StationOption,
    cli_actor,
    emit,
    open_store,
    refuse,
)
from warehouse_tui.domain.barcodes import ScanKind, format_label
from warehouse_tui.i18n import _

if TYPE_CHECKING:
    from warehouse_tui.services.journal import Actor
    from warehouse_tui.services.waves import WaveRules

wave_app = typer.Typer(no_args_is_help=True, help="Plan, release, pause, resume or cancel waves.")
orders_app = typer.Typer(no_args_is_help=True, help="Audit new orders.")
route_app = typer.Typer(no_args_is_help=True, help="What-if routes on a layout.")
app = typer.Typer(no_args_is_help=True)
app.add_typer(wave_app, name="wave")
app.add_typer(orders_app, name="orders")
app.add_typer(route_app, name="route")

StrategyOption = Annotated[
    str, typer.Option("--strategy", help="pick-by-order (摘果) or batch (播种).")
]
CarrierOption = Annotated[str | None, typer.Option("--carrier", help="Only this carrier's orders.")]
ShopOption = Annotated[str | None, typer.Option("--shop", help="Only this shop's orders.")]
SingleOption = Annotated[
    bool, typer.Option("--single-item", help="Only shipments of a single item.")
]
MultiOption = Annotated[
    bool, typer.Option("--multi-item", help="Only shipments of more than one item.")
]
ZoneOption = Annotated[str | None, typer.Option("--zone", help="Pick only from this zone.")]
PriorityOption = Annotated[
    int | None, typer.Option("--min-priority", help="Only orders of at least this priority.")
]
MaxOrdersOption = Annotated[int | None, typer.Option("--max-orders", min=1)]
MaxLinesOption = Annotated[int | None, typer.Option("--max-lines", min=1)]
MaxPicksOption = Annotated[int | None, typer.Option("--max-picks", min=1)]
DueByOption = Annotated[
    str | None,
    typer.Option(
        "--due-by",
        metavar="HH:MM",
        help="Only shipments due by this local time today (ship-by, else the cut-off).",
    ),
]


def _rules(
    strategy: str,
    carrier: str | None,
    shop: str | None,
    single_item: bool,
    multi_item: bool,
    zone: str | None,
    min_priority: int | None,
    max_orders: int | None,
    max_lines: int | None,
    max_picks: int | None,
    due_by: str | None,
) -> WaveRules:
    from warehouse_tui.services.waves import WaveRules

    if single_item and multi_item:
        raise typer.BadParameter(_("use --single-item or --multi-item, not both"))
    try:
        return WaveRules(
            strategy=strategy,
            carrier=carrier,
            shop=shop,
            single_item=True if single_item else (False if multi_item else None),
            zone=zone,
            min_priority=min_priority,
            max_orders=max_orders,
            max_lines=max_lines,
            max_picks=max_picks,
            due_by=due_by,
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


def _actor(station: str | None) -> Actor:

    return cli_actor(station, "cli")


def _show(summary: dict[str, Any]) -> None:
    from warehouse_tui.services.waves.rules import plan_lines

    for line in plan_lines(summary):
        typer.echo(line)


def _plan_command(release: bool) -> Any:
    """`wave preview` or `wave release`: the same rules, planned and shown, or also released."""

    def command(
        strategy: StrategyOption = "pick-by-order",
        carrier: CarrierOption = None,
        shop: ShopOption = None,
        single_item: SingleOption = False,
        multi_item: MultiOption = False,
        zone: ZoneOption = None,
        min_priority: PriorityOption = None,
        max_orders: MaxOrdersOption = None,
        max_lines: MaxLinesOption = None,
        max_picks: MaxPicksOption = None,
        due_by: DueByOption = None,
        db: DbOption = None,
        station: StationOption = None,
        as_json: JsonOption = False,
    ) -> None:
        from warehouse_tui.services.waves import preview_wave, release_wave

        rules = _rules(
            strategy,
            carrier,
            shop,
            single_item,
            multi_item,
            zone,
            min_priority,
            max_orders,
            max_lines,
            max_picks,
            due_by,
        )
        store, actor = open_store(db), _actor(station)
        if not release:
            summary = preview_wave(store, actor, rules).summary()
            store.dispose()
            if as_json:
                emit(summary)
            else:
                _show(summary)
            return
        result = release_wave(store, actor, rules)
        store.dispose()
        if not result["accepted"]:
            refuse(result["reason"], as_json=as_json)
        summary = {key: result[key] for key in ("orders", "lines", "picks", "batches", "walk_m")}
        if as_json:
            emit({**summary, "wave": result["wave"]})
        else:
            typer.echo(_("Wave {id} released.").format(id=result["wave"]))
            _show(summary)

    command.__doc__ = (
        "Audit new orders, then plan, allocate and release a wave in one transaction."
        if release
        else "Audit new orders, then show what a wave of these rules would pick and walk."
    )
    return command


wave_app.command("preview")(_plan_command(release=False))
wave_app.command("release")(_plan_command(release=True))


WaveArgument = Annotated[int, typer.Argument(metavar="WAVE", help="The wave's number.")]


def _change_wave(
    action: str, wave: int, db: str | None, station: str | None, as_json: bool
) -> None:
    from warehouse_tui.services import waves
    from warehouse_tui.services.states import state_name

    service = {"pause": waves.pause_wave, "resume": waves.resume_wave, "cancel": waves.cancel_wave}[
        action
    ]
    store = open_store(db)
    result = service(store, _actor(station), wave)
    store.dispose()
    if not result.accepted:
        refuse(result.reason, as_json=as_json, extra={"wave": wave})
    if as_json:
        emit({"wave": wave, "status": result.status})
    else:
        typer.echo(
            _("Wave {id} is now {status}.").format(id=wave, status=state_name(result.status))
        )


@wave_app.command("pause")
def pause(
    wave: WaveArgument,
    db: DbOption = None,
    station: StationOption = None,
    as_json: JsonOption = False,
) -> None:
    """No new pick list of the wave can be claimed; claimed ones finish."""
    _change_wave("pause", wave, db, station, as_json)


@wave_app.command("resume")
def resume(
    wave: WaveArgument,
    db: DbOption = None,
    station: StationOption = None,
    as_json: JsonOption = False,
) -> None:
    """A paused wave's pick lists can be claimed again."""
    _change_wave("resume", wave, db, station, as_json)


@wave_app.command("cancel")
def cancel(
    wave: WaveArgument,
    db: DbOption = None,
    station: StationOption = None,
    as_json: JsonOption = False,
) -> None:
    """Cancel the wave: unpicked stock is given back, its orders go back to ready (those with
    items picked wait for them to be put back)."""
    _change_wave("cancel", wave, db, station, as_json)


@orders_app.command("audit")
def audit(db: DbOption = None, station: StationOption = None, as_json: JsonOption = False) -> None:
    """Audit every new order (held with a reason, or ready) and regroup merged shipments."""
    from warehouse_tui.services.audit import audit_orders

    result = audit_orders(open_store(db), _actor(station))
    if as_json:
        emit(result.summary())
        return
    typer.echo(
        _("{audited} audited: {ready} ready, {held} held; {merge_groups} merged shipments").format(
            **result.summary()
        )
    )
    for order_id, reason in sorted(result.holds.items()):
        typer.echo(f"{format_label(ScanKind.ORDER, order_id)}: {reason}")


@route_app.command("plan")
def plan(
    spec_file: Annotated[Path, typer.Argument(metavar="SPEC.json", help="The layout and picks.")],
    as_json: JsonOption = False,
) -> None:
    """Route picks through a layout: {"layout": …, "picks": […], "method": M}."""
    from warehouse_tui.domain.routing import plan_route_from_spec

    try:
        spec = json.loads(spec_file.read_text(encoding="utf-8"))
    except OSError as error:
        refuse(
            _("cannot read {path}: {error}").format(path=spec_file, error=error.strerror),
            as_json=as_json,
        )
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        refuse(
            _("{path} is not valid JSON: {error}").format(path=spec_file, error=error),
            as_json=as_json,
        )
    try:
        result = plan_route_from_spec(spec)
    except ValueError as error:
        refuse(str(error), as_json=as_json)
    if as_json:
        emit(result)
    else:
        typer.echo(
            _("{method}: {length} m{exact}, visiting picks {sequence}").format(
                method=result["method"],
                length=result["length"],
                exact=_(" (optimal)") if result["exact"] else "",
                sequence=" ".join(str(index) for index in result["sequence"]),
            )
        )
