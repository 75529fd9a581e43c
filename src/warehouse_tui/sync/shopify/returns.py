"""A `return` event at a Shopify shop: processed on the shop's own Return when it came from one,
else recorded as a refund without money or restock; and how a resend finds what an earlier
attempt recorded."""

from __future__ import annotations

from typing import Any

from warehouse_tui.i18n import _
from warehouse_tui.sync.connector import (
    Event,
    PermanentError,
    RetryableError,
    ReturnedLine,
    line_of,
    return_marker,
    return_note,
    returned_lines,
    to_record,
)
from warehouse_tui.sync.shopify.graphql import (
    REFUND_CREATE,
    RETURN_PROCESS,
    RETURN_STATE_QUERY,
    GraphQL,
    gid,
    legacy_id,
    refuse_user_errors,
    shop_order,
)

SHOP_RETURNS = ("OPEN", "CLOSED")  # a Return whose units can be (or were) processed


def already_recorded(graphql: GraphQL, event: Event) -> str | None:
    """Before a resend: what the shop already holds of the event, if anything."""
    return _return_recorded(event, graphql.order(RETURN_STATE_QUERY, shop_order(event)))


def record_return(graphql: GraphQL, event: Event) -> str:
    """The units of the return the shop has not recorded yet: processed on the shop's own
    Return when the return is one (its name is the RMA), else refunded without money or
    restock. What the shop already holds of the same return is not recorded again."""
    order = graphql.order(RETURN_STATE_QUERY, shop_order(event))
    found = _return_recorded(event, order)
    if found is not None:
        return found
    shop_return = _shop_return(event, order)
    if shop_return is not None:
        return _process(graphql, event, shop_return)
    return _refund(graphql, event, order)


def _process(graphql: GraphQL, event: Event, shop_return: dict[str, Any]) -> str:
    """returnProcess of the units not processed yet, with no financial transfer (the
    refund is the seller's, from the Return in Shopify's admin) and no disposition (the
    `stock` events say what is free)."""
    processing = _to_process(event, shop_return)
    if not processing:
        return "nothing-to-record"
    what = _("processing return {rma} of order {order}").format(
        rma=shop_return.get("name"), order=shop_order(event)
    )
    data = graphql.request(
        RETURN_PROCESS,
        {
            "input": {
                "returnId": shop_return["id"],
                "returnLineItems": [{"id": i, "quantity": q} for i, q in processing],
                "notifyCustomer": False,
            }
        },
        what,
    )
    result = data.get("returnProcess") or {}
    refuse_user_errors(result, what)
    return f"{shop_return['id']}:processed"


def _refund(graphql: GraphQL, event: Event, order: dict[str, Any]) -> str:
    """The units of the return not refunded yet by an earlier event of it, as one refund
    without money or restock."""
    order_id = shop_order(event)
    lines = returned_lines(event)
    items = (order.get("lineItems") or {}).get("nodes") or []
    recorded: dict[int, int] = {}
    marker = return_marker(event)
    for refund in order.get("refunds") or []:
        if marker not in str(refund.get("note") or ""):
            continue
        for item in (refund.get("refundLineItems") or {}).get("nodes") or []:
            index = line_of(lines, *_line_item(item.get("lineItem")))
            if index is not None:
                recorded[index] = recorded.get(index, 0) + int(item.get("quantity") or 0)
    refund_items: list[dict[str, Any]] = []
    recording: list[tuple[ReturnedLine, int]] = []
    for _index, line, qty in to_record(lines, recorded):
        item = next(
            (i for i in items if line.matches(*_line_item(i))),
            None,
        )
        if item is None:
            raise PermanentError(
                _("order {order} has no line {sku} to refund").format(order=order_id, sku=line.sku)
            )
        take = min(qty, int(item.get("refundableQuantity") or 0))
        if take > 0:  # the seller may have refunded the units already
            refund_items.append(
                {"lineItemId": item["id"], "quantity": take, "restockType": "NO_RESTOCK"}
            )
            recording.append((line, take))
    if not refund_items:
        return "nothing-to-record"
    what = _("recording the return of order {order}").format(order=order_id)
    data = graphql.request(
        REFUND_CREATE,
        {
            "input": {
                "orderId": gid("Order", order_id),
                "note": return_note(event, recording),
                "notify": False,
                "refundLineItems": refund_items,
            }
        },
        what,
    )
    result = data.get("refundCreate") or {}
    refuse_user_errors(result, what)
    made = result.get("refund") or {}
    if not made.get("id"):
        raise RetryableError(_("{what}: no refund in the answer").format(what=what))
    return str(made["id"])


def _shop_return(event: Event, order: dict[str, Any]) -> dict[str, Any] | None:
    """The shop's own Return our return came from (its name is our RMA), if it has one."""
    rma = event.payload.get("rma")
    for shop_return in (order.get("returns") or {}).get("nodes") or []:
        if rma and shop_return.get("name") == rma and shop_return.get("status") in SHOP_RETURNS:
            return dict(shop_return)
    return None


def _to_process(event: Event, shop_return: dict[str, Any]) -> list[tuple[str, int]]:
    """(return line item, units) still to process for the event: per line, what it says came
    back less what the Return has processed, within what it can still process."""
    lines = returned_lines(event)
    items = []  # (our line's index, the Return's line item)
    for item in (shop_return.get("returnLineItems") or {}).get("nodes") or []:
        index = line_of(lines, *_line_item((item.get("fulfillmentLineItem") or {}).get("lineItem")))
        if index is not None:
            items.append((index, item))
    processed: dict[int, int] = {}
    for index, item in items:
        processed[index] = processed.get(index, 0) + int(item.get("processedQuantity") or 0)
    processing = []
    for index, _line, qty in to_record(lines, processed):
        for at, item in items:
            take = min(qty, int(item.get("processableQuantity") or 0)) if at == index else 0
            if take > 0:
                processing.append((str(item["id"]), take))
                qty -= take
    return processing


def _return_recorded(event: Event, order: dict[str, Any]) -> str | None:
    """Our refund carrying the event's key, or the shop's Return processed as far as the
    event says (by the seller or by us)."""
    found = _refund_with(event.key_mark, order)
    if found is not None:
        return found
    shop_return = _shop_return(event, order)
    if shop_return is not None and not _to_process(event, shop_return):
        return f"{shop_return['id']}:processed"
    return None


def _line_item(line_item: Any) -> tuple[str, str]:
    """A Shopify LineItem's (legacy id, SKU), as our lines name them."""
    item = line_item if isinstance(line_item, dict) else {}
    return legacy_id(str(item.get("id"))), str(item.get("sku") or "")


def _refund_with(mark: str, order: dict[str, Any]) -> str | None:
    for refund in order.get("refunds") or []:
        if mark in str(refund.get("note") or ""):
            return str(refund["id"])
    return None
