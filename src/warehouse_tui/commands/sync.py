"""`warehouse-tui sync`: pull orders from the shops and deliver the outbox to them.

    sync --once [--shop CODE] [--json]      one pull and delivery per shop, a line per shop
    sync --watch [--interval S]             the same in a loop, one worker per database
    sync status|dead [--json]               the pulls, the backlog, the dead events
    sync retry ID|--all-dead                dead events back to pending
    sync discard ID --reason R              give up on an event (journaled)
    sync connect CODE --kind K ...          set up a shop (its settings; credentials apart;
                                            --ca-file for a shop on a private TLS authority)

Pulled records go through the same import and audit as `warehouse-tui import orders`: this
command is where sync/ (the connectors, the outbox) meets services/ (the import), since the two
sit side by side in the layers and neither may import the other.

Exit 0 when it ran, even if sends failed (they are retried; `failed` and `dead` say so); exit 1
when a shop's credentials are missing or refused: the message names the setting, never a value.
"""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from typing import Annotated, Any

import typer

from warehouse_tui.commands.common import (
    DbOption,
    JsonOption,
    StationOption,
    chosen_station,
    cli_actor,
    emit,
    open_store,
    refuse,
)
from warehouse_tui.i18n import _
from warehouse_tui.services.audit import audit_orders
from warehouse_tui.services.importing import ImportKind, import_records
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.returns.announced import import_returns
from warehouse_tui.services.settings import all_settings
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import as_utc
from warehouse_tui.sync.connector import Applied, AuthError, Page, scrub
from warehouse_tui.sync.lease import lease_holder, new_holder, release_lease, take_lease
from warehouse_tui.sync.outbox import backlog, dead_events, discard, retry_dead
from warehouse_tui.sync.runner import Also, ShopReport, pull_states, sync_once
from warehouse_tui.sync.shops import KINDS, ShopConfig, connect_shop, open_connector, shop_configs

app = typer.Typer(invoke_without_command=True, no_args_is_help=False)

ShopOption = Annotated[
    str | None, typer.Option("--shop", help="Only this shop (its code).", show_default=False)
]


class Importer:
    """Records in, through the file import's path: one import per page, and the audit once
    after the run if anything changed (an order left new by a crash is audited before any
    wave anyway)."""

    def __init__(self, store: Store, actor: Actor) -> None:
        self.store = store
        self.actor = actor
        self.changed = False

    def __call__(self, records: list[dict[str, Any]], source: str, also: Also) -> Applied:
        result = import_records(
            self.store, ImportKind.ORDERS, records, actor=self.actor, source=source, also=also
        )
        if result.errors:
            return Applied(rejected={error.line - 1: error.reason for error in result.errors})
        changed = result.imported - result.unchanged
        self.changed = self.changed or changed > 0
        return Applied(imported=changed, unchanged=result.unchanged)

    def announce_returns(self, records: list[dict[str, Any]]) -> Applied:
        """Returns the shop announced, each through `warehouse-tui returns import`'s path on
        its own: one refused (an order the floor never shipped) holds back no other."""
        added = known = 0
        rejected: dict[int, str] = {}
        for index, record in enumerate(records):
            line = json.dumps(record, ensure_ascii=False)
            result = import_returns(self.store, self.actor, [line])
            if not result.accepted:
                rejected[index] = result.errors[0] if result.errors else result.reason
            added += result.added
            known += result.known
        return Applied(imported=added, unchanged=known, rejected=rejected)

    def audit(self) -> None:
        if self.changed:
            audit_orders(self.store, self.actor)
            self.changed = False


def run_shop(
    store: Store,
    config: ShopConfig,
    importer: Importer,
    *,
    max_attempts: int,
    should_stop: Any = lambda: False,
) -> ShopReport:
    """One shop's pull and delivery; credentials missing or refused make a refused report."""
    try:
        connector = open_connector(config)
    except AuthError as error:
        return ShopReport(config.code, config.kind, error=str(error), refused=True)
    try:
        return sync_once(
            store,
            connector,
            importer,
            max_attempts=max_attempts,
            should_stop=should_stop,
            on_rejected=lambda page, applied: _tell_rejected(page, applied, connector.secrets()),
            announce=importer.announce_returns,
        )
    finally:
        connector.close()


def _tell_rejected(page: Page, applied: Applied, secrets: list[str]) -> None:
    for index, reason in sorted(applied.rejected.items()):
        where = f"{page.source} line {page.line_of(index)}"
        typer.echo(scrub(f"{where}: {reason}", secrets), err=True)


@app.callback()
def sync_cmd(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Pull and deliver once, then stop.")] = False,
    watch: Annotated[bool, typer.Option("--watch", help="Pull and deliver until stopped.")] = False,
    interval: Annotated[
        float, typer.Option("--interval", help="Seconds between rounds with --watch.", min=1)
    ] = 30.0,
    shop: ShopOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
    station: StationOption = None,
) -> None:
    """Sync with the shops: --once or --watch, or one of the commands below."""
    if ctx.invoked_subcommand is not None:
        return
    if once == watch:
        raise typer.BadParameter("give --once or --watch", param_hint="--once/--watch")
    store = open_store(db)
    holder = new_holder()
    if not take_lease(store, holder):
        other = lease_holder(store) or "?"
        store.dispose()
        refuse(f"another sync worker holds this database ({other})", as_json=as_json)
    try:
        if once:
            refused = _round(store, shop, as_json, chosen_station(station), lambda: False)
            if refused:
                raise typer.Exit(1)
        else:
            _watch(store, holder, shop, interval, as_json, chosen_station(station))
    finally:
        release_lease(store, holder)
        store.dispose()


def _round(store: Store, shop: str | None, as_json: bool, station: str, should_stop: Any) -> bool:
    """Every shop once; True when a shop's credentials were missing or refused."""
    configs = shop_configs(store, shop)
    if shop is not None and not configs:
        refuse(f"no shop {shop} is set up to sync (warehouse-tui sync connect)", as_json=as_json)
    importer = Importer(store, cli_actor(station, "sync"))
    max_attempts = int(all_settings(store)["outbox_max_attempts"])
    refused = False
    for config in configs:
        if should_stop():
            break
        report = run_shop(
            store, config, importer, max_attempts=max_attempts, should_stop=should_stop
        )
        importer.audit()
        refused = refused or report.refused
        if report.error:
            typer.echo(f"{report.shop}: {report.error}", err=True)
        if as_json:
            emit(report.to_json())
        else:
            typer.echo(
                _(
                    "{shop} ({kind}): {pulled} pulled, {imported} imported, {unchanged}"
                    " unchanged, {rejected} rejected, {returns} returns announced; {delivered}"
                    " delivered, {failed} failed, {dead} dead, {backlog} waiting"
                ).format(**report.to_json())
            )
    return refused


def _watch(
    store: Store, holder: str, shop: str | None, interval: float, as_json: bool, station: str
) -> None:
    """Rounds until SIGTERM or SIGINT; the event in flight is finished and marked first."""
    stop = threading.Event()
    previous = {
        number: signal.signal(number, lambda _signum, _frame: stop.set())
        for number in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        while not stop.is_set():
            if not take_lease(store, holder):
                typer.echo("the sync lease was taken over by another worker: stopping", err=True)
                return
            _round(store, shop, as_json, station, stop.is_set)
            stop.wait(interval)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@app.command()
def status(as_json: JsonOption = False, db: DbOption = None) -> None:
    """Each shop's last pull, its backlog and dead events, and which worker holds the lease."""
    store = open_store(db)
    pulls = pull_states(store)
    worker = lease_holder(store)
    for config in shop_configs(store):
        pull = pulls.get(config.code)
        waiting = backlog(store, config.code)
        last = as_utc(pull.last_pull_at) if pull else None
        line = {
            "shop": config.code,
            "kind": config.kind,
            "last_pull_at": last.isoformat() if last else None,
            "pull_error": (pull.last_error or None) if pull else None,
            "backlog": waiting.pending,
            "dead": waiting.dead,
            "worker": worker,
        }
        if as_json:
            emit(line)
        else:
            typer.echo(
                f"{config.code} ({config.kind}): last pull {line['last_pull_at'] or 'never'},"
                f" {waiting.pending} waiting, {waiting.dead} dead"
                + (f" — {line['pull_error']}" if line["pull_error"] else "")
            )
    store.dispose()


@app.command()
def dead(shop: ShopOption = None, as_json: JsonOption = False, db: DbOption = None) -> None:
    """The dead events: refused by the shop, or out of attempts. They hold back their order."""
    store = open_store(db)
    for event in dead_events(store, shop):
        line = {
            "id": event.id,
            "shop": event.shop,
            "event": event.event,
            "order": event.order_ref or None,
            "attempts": event.attempts,
            "last_error": event.last_error,
            "created_at": (as_utc(event.created_at) or event.created_at).isoformat(),
        }
        if as_json:
            emit(line)
        else:
            typer.echo(f"{event.id} {event.event} {event.order_ref}: {event.last_error}")
    store.dispose()


@app.command()
def retry(
    event_id: Annotated[int | None, typer.Argument(help="A dead event's id.")] = None,
    all_dead: Annotated[bool, typer.Option("--all-dead", help="Every dead event.")] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
    station: StationOption = None,
) -> None:
    """Put dead events back to pending, with fresh attempts (journaled)."""
    if (event_id is None) == (not all_dead):
        raise typer.BadParameter("give an event id or --all-dead")
    store = open_store(db)
    ids = retry_dead(store, None if all_dead else [event_id or 0], station=chosen_station(station))
    store.dispose()
    if event_id is not None and not ids:
        refuse(f"no dead event {event_id}", as_json=as_json)
    if as_json:
        emit({"retried": ids})
    else:
        typer.echo(f"{len(ids)} events back to pending")


@app.command("discard")
def discard_cmd(
    event_id: Annotated[int, typer.Argument(help="A pending or dead event's id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it will never be sent.")],
    as_json: JsonOption = False,
    db: DbOption = None,
    station: StationOption = None,
) -> None:
    """Give up on an event: it is never sent and no longer holds back its order (journaled)."""
    if not reason.strip():
        raise typer.BadParameter("say why", param_hint="--reason")
    store = open_store(db)
    done = discard(store, event_id, reason.strip(), station=chosen_station(station))
    store.dispose()
    if not done:
        refuse(f"no pending or dead event {event_id}", as_json=as_json)
    if as_json:
        emit({"discarded": event_id})
    else:
        typer.echo(f"event {event_id} discarded")


@app.command()
def connect(
    code: Annotated[str, typer.Argument(help="The shop's code, as its orders name it.")],
    kind: Annotated[str, typer.Option("--kind", help=f"One of {', '.join(KINDS)}.")],
    inbox: Annotated[str | None, typer.Option(help="file: folder of *.jsonl orders.")] = None,
    outbox: Annotated[str | None, typer.Option(help="file: folder for fulfilments.")] = None,
    url: Annotated[str | None, typer.Option(help="shopify, woocommerce: the shop's URL.")] = None,
    location: Annotated[
        str | None, typer.Option(help="shopify: the location id we fulfil from.")
    ] = None,
    carrier: Annotated[
        list[str] | None,
        typer.Option(help="The shop's shipping method = our carrier code (repeatable)."),
    ] = None,
    overlap_s: Annotated[
        float | None, typer.Option(help="woocommerce: seconds each pull looks back.")
    ] = None,
    timeout_s: Annotated[float | None, typer.Option(help="Seconds to wait for the shop.")] = None,
    ca_file: Annotated[
        str | None,
        typer.Option(help="shopify, woocommerce: PEM file of the authority signing its TLS."),
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
    station: StationOption = None,
) -> None:
    """Set up (or change) a shop's sync; its credentials go in the environment or shops.toml."""
    settings: dict[str, Any] = {
        "inbox": str(Path(inbox).resolve()) if inbox else None,
        "outbox": str(Path(outbox).resolve()) if outbox else None,
        "url": url,
        "location": location,
        "overlap_s": overlap_s,
        "timeout_s": timeout_s,
        "ca_file": str(Path(ca_file).resolve()) if ca_file else None,
        "carriers": dict(item.split("=", 1) for item in carrier or [] if "=" in item) or None,
    }
    settings = {key: value for key, value in settings.items() if value is not None}
    store = open_store(db)
    refusal = connect_shop(store, code, kind, settings, station=chosen_station(station))
    store.dispose()
    if refusal:
        refuse(refusal, as_json=as_json)
    if as_json:
        emit({"shop": code, "kind": kind, **settings})
    else:
        typer.echo(f"shop {code} syncs as {kind}")
