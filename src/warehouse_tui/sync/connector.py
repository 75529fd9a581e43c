"""What every shop connector is: pull pages of orders, deliver outbox events, recognise its own.

A connector is the only code that speaks a shop's protocol, and it speaks nothing else: no
database, no floor state. `pull` hands back records in the order import format of data/README.md
(so sync/ stays beside services/, and a command applies them through the same import and audit
as a file), `deliver` sends one outbox event and returns the shop's name for what it made.

Failures come in three kinds, and the outbox treats each its own way:
- `RetryableError`: the shop or the network failed this time (a 500, a timeout, a reset, a
  throttle); the event waits (at least `wait` seconds when the shop said so) and goes again.
- `PermanentError`: the shop refused the event itself (an order it does not know, a line it
  cannot map); sending it again cannot help, so it goes dead and blocks its order.
- `AuthError`: the shop refused our credentials. Nothing about the event is wrong, so it stays
  pending without losing an attempt, and the run stops for that shop.

Shops with no idempotency key (Shopify's fulfillmentCreate and refundCreate, WooCommerce's notes
and refunds) cannot drop a resend themselves: before every resend the outbox asks
`already_applied`, which looks at the shop for the event's traces (tracking numbers, a note or a
refund carrying the key, a quantity already at the value sent) and returns the reference of what
it finds.

A `return` event carries the return's absolute state (units back per order line), not what
changed, and the return is announced again each time a unit comes back: a shop records each
return's units once, as the difference between the event and what its earlier records of the
same return (found by `return_marker`) already hold (`to_record`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


class SyncError(Exception):
    """A failure told in our own words: the message never holds a credential or a URL's query."""


class RetryableError(SyncError):
    def __init__(self, message: str, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait  # seconds the shop asked us to wait, if it said


class PermanentError(SyncError):
    pass


class AuthError(SyncError):
    """Credentials missing or refused; the message names the setting, never its value."""


@dataclass(frozen=True)
class Event:
    """One outbox event as a connector sees it."""

    id: int
    shop: str
    kind: str  # fulfilment | fulfilment-void | return | stock
    payload: dict[str, Any]
    idempotency_key: str
    attempts: int = 1  # this attempt's number: above 1 it is a resend

    @property
    def tracking_numbers(self) -> list[str]:
        return [str(number) for number in self.payload.get("tracking_numbers") or []]

    @property
    def free_quantity(self) -> int:
        """What a `stock` event sets: the SKU's free units, never below 0 (an oversold SKU has
        none to sell)."""
        return max(0, int(self.payload.get("free") or 0))

    @property
    def key_mark(self) -> str:
        """How a note or a refund the shop keeps names this event."""
        return f"[{self.idempotency_key}]"


@dataclass(frozen=True)
class ReturnedLine:
    """One order line of a `return` event: units back in all, by condition, and why."""

    shop_line_id: str
    sku: str
    qty: int
    conditions: dict[str, int]
    reason: str

    def matches(self, shop_line_id: str, sku: str) -> bool:
        """The shop's line is this one: by the shop's line id when we have it, else the SKU."""
        return shop_line_id == self.shop_line_id if self.shop_line_id else sku == self.sku


def returned_lines(event: Event) -> list[ReturnedLine]:
    return [
        ReturnedLine(
            str(line.get("shop_line_id") or ""),
            str(line.get("sku") or ""),
            int(line.get("qty") or 0),
            {str(k): int(v) for k, v in (line.get("conditions") or {}).items()},
            str(line.get("reason") or ""),
        )
        for line in event.payload.get("lines") or []
    ]


def return_marker(event: Event) -> str:
    """What every record of one return at the shop carries, whichever event made it."""
    rma = event.payload.get("rma")
    return f"[return {event.payload.get('return')}{f' {rma}' if rma else ''}]"


def line_of(lines: list[ReturnedLine], shop_line_id: str, sku: str) -> int | None:
    """Which of the event's lines the shop's line is (by index), if any."""
    return next((n for n, line in enumerate(lines) if line.matches(shop_line_id, sku)), None)


def to_record(
    lines: list[ReturnedLine], recorded: dict[int, int]
) -> list[tuple[int, ReturnedLine, int]]:
    """Each line (index, line) with the units the shop has not recorded of it yet (`recorded`
    by line index: what earlier records of the same return hold), those with nothing new left
    out."""
    return [
        (index, line, line.qty - recorded.get(index, 0))
        for index, line in enumerate(lines)
        if line.qty > recorded.get(index, 0)
    ]


def return_note(event: Event, recording: list[tuple[ReturnedLine, int]]) -> str:
    """The text a shop keeps with what it records of a return: what came back in what state
    and why, then the return's marker and the event's key (so a resend finds it)."""
    parts = []
    for line, qty in recording:
        states = ", ".join(f"{name} {count}" for name, count in sorted(line.conditions.items()))
        part = f"{qty} x {line.sku}" + (f" ({line.qty} back so far: {states})" if states else "")
        parts.append(part + (f": {line.reason}" if line.reason else ""))
    return f"Returned to the warehouse: {'; '.join(parts)} {return_marker(event)} {event.key_mark}"


@dataclass(frozen=True)
class Page:
    """One pull: records in the order import format, where the next pull starts, and whether
    the shop has nothing more now. `known_only` names shop orders that may update an order the
    floor already has but must never create one (fulfilled or closed at the shop).
    `all_or_nothing`: a bad record refuses the whole page (a file), else only itself.
    `rejected`: records the connector could not read (by index), `lines` where each record
    came from when that is not its position (a file's blank lines). `returns`: returns opened at
    the shop on the page's orders, in the shape of `warehouse-tui returns import`."""

    records: list[dict[str, Any]]
    cursor: str
    done: bool
    known_only: frozenset[str] = frozenset()
    all_or_nothing: bool = False
    source: str = ""
    lines: tuple[int, ...] = ()
    rejected: dict[int, str] = field(default_factory=dict)
    returns: tuple[dict[str, Any], ...] = ()  # returns the shop announced, `returns import` shape

    def line_of(self, index: int) -> int:
        return self.lines[index] if index < len(self.lines) else index + 1


@dataclass(frozen=True)
class Applied:
    """What applying a page did: how many records changed the floor, were unchanged, and the
    reason for each refused record (by its index in the page)."""

    imported: int = 0
    unchanged: int = 0
    rejected: dict[int, str] = field(default_factory=dict)


class Connector(Protocol):
    code: str
    kind: str

    def pull(self, cursor: str) -> Page:
        """The page of orders after `cursor` ("" for the first pull)."""
        ...

    def settle(self, page: Page, applied: Applied) -> None:
        """The page was applied (or refused): a file inbox moves its file, shops do nothing."""
        ...

    def deliver(self, event: Event) -> str:
        """Send one event; the shop's reference for what it made (a fulfilment's id, a note's)."""
        ...

    def already_applied(self, event: Event) -> str | None:
        """Before a resend: the reference of what the shop already made of `event`, if any."""
        ...

    def flush(self) -> None:
        """Make what was delivered durable before the outbox marks it (a file shop syncs its
        folder once for a batch); shops that answered over HTTP have nothing to do."""
        ...

    def secrets(self) -> list[str]:
        """The credential values in use, so every stored or printed message can be scrubbed."""
        ...

    def close(self) -> None: ...


# What a shop's malformed order raises while it is mapped: that order is refused, not the page.
UNREADABLE = (KeyError, TypeError, ValueError, AttributeError, IndexError)


def scrub(text: str, secrets: list[str]) -> str:
    """`text` with every secret replaced: the last guard before anything is stored or printed."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def present(values: dict[str, Any]) -> dict[str, Any]:
    """Without the absent and empty values: an import's optional field is better left out."""
    # A truthy value is kept at once; of the falsy ones only 0 and False are (a `not in`
    # test against the empty values compares every value with each of them: a hot path).
    return {
        key: value
        for key, value in values.items()
        if value or (value is not None and type(value) not in _EMPTY_TYPES)
    }


_EMPTY_TYPES = (str, list, dict)
