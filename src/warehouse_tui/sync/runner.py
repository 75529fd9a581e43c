"""One sync of one shop: pull its orders page by page, then deliver its due outbox events.

Pulled records are applied through a callable the command gives (`Apply`: the same import and
audit as a file), so sync/ never reaches into services/. One page is one commit: its records,
the versions kept of them (versions.py) and the cursor after it are written in the import's
own transaction (`Also`), so a kill -9 anywhere in a pull loses no page and applies none
twice. The connector is told after that commit (a file moves to done/ or failed/); dying
before it only means the same file comes again, and its versions change nothing.

A shop's page (not a file's) refuses only its bad records: the rest are applied without them,
and the refused ones are counted and told. The cursor moves on past them; an order fixed at the
shop changes, and comes again.

Returns the shop announced with a page's orders (`Page.returns`) are applied before the page,
each on its own through the same path as `warehouse-tui returns import` (`Announce`): a return
already announced (same order and RMA) is not announced again, so a page pulled twice after a
crash announces nothing twice; a refused one is counted and told.

A `stock` event a later one of the same SKU supersedes is not sent (`superseded_by`): the later
one carries the whole truth.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from warehouse_tui.store.collector import cyclic_gc_paused
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import ShopSync, utcnow
from warehouse_tui.sync.connector import (
    Applied,
    AuthError,
    Connector,
    Event,
    Page,
    SyncError,
    scrub,
)
from warehouse_tui.sync.outbox import (
    DEFAULT_MAX_ATTEMPTS,
    JITTER,
    MAX_ERROR_LENGTH,
    Claimed,
    Send,
    backlog,
    deliver_due,
    superseded_by,
)
from warehouse_tui.sync.versions import Kept, keep_versions, plan_versions

MAX_PAGES = 1_000  # one run's pull stops here; the next run goes on from the cursor

# More writes for the import's transaction when the import succeeds.
Also = Callable[[Session], None]
# Import records (the order import format) from `source`, with `Also` in the same commit;
# what was refused, by index (and then nothing was written).
Apply = Callable[[list[dict[str, Any]], str, Also], Applied]
# Announce returns (the `returns import` shape), each on its own: how many were added, known,
# and the reason for each refused one (by index).
Announce = Callable[[list[dict[str, Any]]], Applied]


def no_returns(records: list[dict[str, Any]]) -> Applied:
    """For a caller with nowhere to announce returns: every one refused."""
    return Applied(rejected={n: "returns are not taken here" for n in range(len(records))})


@dataclass
class ShopReport:
    """One line of `sync --once --json`."""

    shop: str
    kind: str
    pulled: int = 0
    imported: int = 0
    unchanged: int = 0
    rejected: int = 0
    returns: int = 0  # returns announced by the shop and added
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    backlog: int = 0
    error: str = ""  # why the pull or the delivery stopped, scrubbed
    refused: bool = False  # credentials missing or refused

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["refused"]
        if not self.error:
            del data["error"]
        return data


def sync_once(
    store: Store,
    connector: Connector,
    apply: Apply,
    *,
    now: datetime | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    max_pages: int = MAX_PAGES,
    rng: random.Random | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    on_rejected: Callable[[Page, Applied], None] = lambda _page, _applied: None,
    announce: Announce = no_returns,
) -> ShopReport:
    report = ShopReport(connector.code, connector.kind)
    secrets = connector.secrets()
    try:
        pull(
            store,
            connector,
            apply,
            report,
            max_pages=max_pages,
            on_rejected=on_rejected,
            announce=announce,
        )
    except SyncError as error:
        report.error = scrub(str(error), secrets)[:MAX_ERROR_LENGTH]
        report.refused = isinstance(error, AuthError)
        with store.write() as session:
            _save_pull(session, connector.code, None, report.error)
    if not report.refused:
        try:
            while not should_stop():
                counts = deliver_due(
                    store,
                    sender(connector, store),
                    now,
                    shop=connector.code,
                    max_attempts=max_attempts,
                    jitter=JITTER,
                    rng=rng,
                    secrets=secrets,
                    should_stop=should_stop,
                    flush=connector.flush,
                )
                report.delivered += counts.delivered
                report.failed += counts.failed
                if counts.delivered + counts.failed == 0:
                    break
        except AuthError as error:
            report.error = scrub(str(error), secrets)[:MAX_ERROR_LENGTH]
            report.refused = True
    waiting = backlog(store, connector.code)
    report.backlog, report.dead = waiting.pending, waiting.dead
    return report


def sender(connector: Connector, store: Store | None = None) -> Send:
    """Deliver an outbox row through `connector`, asking the shop first on every resend; with
    the `store`, an event a later one supersedes is not sent."""

    def send(row: Claimed) -> str:
        newer = superseded_by(store, row) if store is not None else None
        if newer is not None:
            return f"superseded-by:{newer}"
        event = Event(
            id=row.id,
            shop=row.shop,
            kind=row.event,
            payload=row.payload,
            idempotency_key=row.idempotency_key,
            attempts=row.attempts,
        )
        if event.attempts > 1:
            found = connector.already_applied(event)
            if found is not None:
                return found
        return connector.deliver(event)

    return send


def pull(
    store: Store,
    connector: Connector,
    apply: Apply,
    report: ShopReport,
    *,
    max_pages: int = MAX_PAGES,
    on_rejected: Callable[[Page, Applied], None] = lambda _page, _applied: None,
    announce: Announce = no_returns,
) -> None:
    cursor = pull_cursor(store, connector.code)
    for _ in range(max_pages):
        # A page, from the shop's answer parsed to the records applied, is thousands of small
        # objects: the collector is paused for it, and the page dropped before it is back on.
        with cyclic_gc_paused():
            cursor, done = _pull_page(
                store, connector, apply, report, cursor, on_rejected, announce
            )
        if done:
            return


def _pull_page(
    store: Store,
    connector: Connector,
    apply: Apply,
    report: ShopReport,
    cursor: str,
    on_rejected: Callable[[Page, Applied], None],
    announce: Announce,
) -> tuple[str, bool]:
    """One page pulled, applied and settled, and counted in `report`: the cursor after it,
    and whether the shop has nothing more now."""
    page = connector.pull(cursor)
    if page.returns:
        announced = announce(list(page.returns))
        report.returns += announced.imported
        report.rejected += len(announced.rejected)
        if announced.rejected:
            returns = Page(
                list(page.returns), page.cursor, page.done, source=f"{page.source} returns"
            )
            on_rejected(returns, announced)
    applied = _apply_page(store, connector.code, page, apply)
    connector.settle(page, applied)
    if applied.rejected:
        on_rejected(page, applied)
    report.pulled += len(page.records)
    report.imported += applied.imported
    report.unchanged += applied.unchanged
    report.rejected += len(applied.rejected)
    return page.cursor, page.done


def _apply_page(store: Store, shop: str, page: Page, apply: Apply) -> Applied:
    """Import what of the page changed; records refused by the import are left out and the
    rest imported (a file's page: nothing, if anything is refused). The versions kept and the
    page's cursor commit with the import. Called with the cyclic collector paused."""
    rejected = dict(page.rejected)
    if page.all_or_nothing and rejected:
        # The import refuses the page for its unreadable records (they stand in as empty ones)
        # and says what else is wrong with it; the connector's reasons for those come first.
        result = apply(list(page.records), page.source, _nothing)
        _commit_pull(store, shop, page.cursor, [])
        return Applied(rejected={**result.rejected, **rejected})
    plan = plan_versions(store, shop, page.records, page.known_only, skip=rejected)
    waiting = plan.imports
    while waiting:
        kept = [plan.keep[i] for i, _record in waiting if i in plan.keep] + plan.adopted
        result = apply(
            [record for _index, record in waiting], page.source, _page_keeper(shop, page, kept)
        )
        if not result.rejected:
            return Applied(result.imported, result.unchanged + plan.unchanged, rejected)
        rejected.update({waiting[n][0]: reason for n, reason in result.rejected.items()})
        if page.all_or_nothing:
            _commit_pull(store, shop, page.cursor, [])
            return Applied(rejected=rejected)
        waiting = [item for n, item in enumerate(waiting) if n not in result.rejected]
    _commit_pull(store, shop, page.cursor, plan.adopted)
    return Applied(0, plan.unchanged, rejected)


def _page_keeper(shop: str, page: Page, kept: list[Kept]) -> Also:
    def keep(session: Session) -> None:
        _keep_page(session, shop, page.cursor, kept)

    return keep


def _nothing(_session: Session) -> None:
    """A refused import writes nothing to go with it."""


def _commit_pull(store: Store, shop: str, cursor: str, kept: list[Kept]) -> None:
    """A page with nothing to import: its cursor (and the orders adopted) in a commit of its own."""
    with store.write() as session:
        _keep_page(session, shop, cursor, kept)


def _keep_page(session: Session, shop: str, cursor: str, kept: list[Kept]) -> None:
    keep_versions(session, shop, kept)
    _save_pull(session, shop, cursor, "")


def pull_cursor(store: Store, shop: str) -> str:
    with store.read() as session:
        state = session.get(ShopSync, shop)
        return state.cursor if state else ""


def pull_states(store: Store) -> dict[str, ShopSync]:
    with store.read() as session:
        return {row.shop: row for row in session.exec(select(ShopSync))}


def _save_pull(session: Session, shop: str, cursor: str | None, error: str) -> None:
    """After a page: the cursor and the time; after a failure (cursor None): only the error."""
    state = session.get(ShopSync, shop)
    if state is None:
        state = ShopSync(shop=shop)
        session.add(state)
    if cursor is not None:
        state.cursor = cursor
        state.last_pull_at = utcnow()
    state.last_error = error
