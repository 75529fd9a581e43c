"""The one shape of a service's answer: accepted or not, the reason in the operator's language,
and, for a refusal, its kind.

The reason is words for a person; the kind is what code branches on (a screen choosing a
sound or a next step, a test asserting why a step was refused) without matching translated
text. Each service's result dataclass extends `ServiceResult` with what that step returns
besides (the parcel it opened, the stop the picker is at). The kind is keyword-only, so the
positional order of every result stays `accepted, reason, ...`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from warehouse_tui.domain.barcodes import Scan, ScanKind, scanned_label
from warehouse_tui.i18n import _
from warehouse_tui.services.states import kind_name


class Refusal(StrEnum):
    """Why a service said no, as a kind."""

    UNREADABLE = "unreadable"
    """The code parses as nothing we print or stock, or names nothing in the database."""
    WRONG_SCAN = "wrong-scan"
    """A good code, but not what this step asks for (another item, a tote where a slot is due)."""
    NOT_FOUND = "not-found"
    """No such order, parcel, task, wave or item."""
    WRONG_STATE = "wrong-state"
    """It exists, but its state does not allow the step (closed, done, not yet picked)."""
    INTERCEPT = "intercept"
    """An order was cancelled or changed after release: its items go aside for restock."""
    TAKEN = "taken"
    """Another operator or station holds it."""
    ROLE = "role"
    """The operator's role may not do this."""
    APPROVAL = "approval"
    """It needs a supervisor's badge and PIN, and they were missing or wrong."""
    DOUBLE_TRIGGER = "double-trigger"
    """The same code again within the double-trigger window."""
    QUANTITY = "quantity"
    """More than is due, or a number that cannot be a count."""
    BAD_INPUT = "bad-input"
    """A typed value that is not one (a weight that is not a number, a missing reason)."""
    MISMATCH = "mismatch"
    """What was measured or counted disagrees with what is expected (a weight out of tolerance)."""
    INCOMPLETE = "incomplete"
    """An earlier step is still due (the box, the items, the instructions)."""
    NO_LABEL = "no-label"
    """No label can be made (the carrier's tracking numbers ran out, the address will not fit)."""
    DEVICE = "device"
    """A device failed (the printer): the floor state is kept, the step can be repeated."""


@dataclass(frozen=True)
class ServiceResult:
    """What every service step answers. A refused result carries its `refusal` kind."""

    accepted: bool
    reason: str = ""
    refusal: Refusal | None = field(default=None, kw_only=True)


@dataclass(frozen=True)
class LinesImport(ServiceResult):
    """A file of one record a line imported whole (`added`, `known` already) or refused whole,
    its bad lines in `errors` (`line N: reason`)."""

    added: int = 0
    known: int = 0
    errors: list[str] = field(default_factory=list)


def unknown_label(scan: Scan) -> str:
    """The refusal for one of our own labels that names nothing registered ("no tote TOTE-1"),
    with where a real one comes from."""
    label = scanned_label(scan) or scan.raw.strip()
    if scan.kind is ScanKind.TOTE:
        return _(
            "no tote {label}: scan a printed tote label (new totes: warehouse-tui totes add N)"
        ).format(label=label)
    return _("no {kind} {label}: scan a printed {kind} label").format(
        kind=kind_name(scan.kind), label=label
    )


def keyed_code_refusal(sku: str) -> str:
    """The refusal for a SKU's own text code where an item's barcode must be scanned."""
    return _(
        "{sku} must be scanned from the item's barcode, not keyed in: press the look-up key "
        "for its barcodes, or ask a supervisor"
    ).format(sku=sku)


def refused_scan(scan: Scan | None) -> Refusal:
    """The kind of a refused scan: a wrong scan if it names something we know, else
    unreadable."""
    if scan is not None and scan.valid and scan.resolves is not None:
        return Refusal.WRONG_SCAN
    return Refusal.UNREADABLE
