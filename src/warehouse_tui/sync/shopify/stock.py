"""A `stock` event at a Shopify shop: the `available` quantity of the SKU's inventory item at
the shop's location, read and set (an absolute value, so a resend finds it already there)."""

from __future__ import annotations

from typing import Any

from warehouse_tui.i18n import _
from warehouse_tui.sync.connector import Event
from warehouse_tui.sync.shopify.graphql import (
    INVENTORY_SET,
    STOCK_STATE_QUERY,
    GraphQL,
    refuse_user_errors,
)


def already_set(graphql: GraphQL, location: str, event: Event) -> str | None:
    """Before a resend: the quantity the shop holds already, or why it has nothing to set."""
    return _found(event, _state(graphql, location, event))


def set_stock(graphql: GraphQL, location: str, event: Event) -> str:
    """The SKU's available quantity at `location` (a Location's global id) set to the event's
    free units, unless it is there already or the shop has nothing to set."""
    state = _state(graphql, location, event)
    found = _found(event, state)
    if found is not None:
        return found
    assert isinstance(state, dict)
    what = _("setting the stock of {sku}").format(sku=str(event.payload.get("sku") or ""))
    data = graphql.request(
        INVENTORY_SET,
        {
            "input": {
                "name": "available",
                "reason": "correction",
                "ignoreCompareQuantity": True,
                "referenceDocumentUri": f"gid://warehouse-tui/StockEvent/{event.id}",
                "quantities": [
                    {
                        "inventoryItemId": state["item"],
                        "locationId": location,
                        "quantity": event.free_quantity,
                    }
                ],
            }
        },
        what,
    )
    result = data.get("inventorySetQuantities") or {}
    refuse_user_errors(result, what)
    group = result.get("inventoryAdjustmentGroup") or {}
    return str(group.get("id") or f"available:{event.free_quantity}")


def _state(graphql: GraphQL, location: str, event: Event) -> dict[str, Any] | str:
    """The SKU's inventory item and available quantity at `location`, or why there is nothing
    to set."""
    sku = str(event.payload.get("sku") or "")
    quoted = sku.replace("\\", "\\\\").replace('"', '\\"')
    data = graphql.request(
        STOCK_STATE_QUERY,
        {"query": f'sku:"{quoted}"', "location": location},
        _("reading the stock of {sku}").format(sku=sku),
    )
    variants = [
        node
        for node in (data.get("productVariants") or {}).get("nodes") or []
        if isinstance(node, dict) and node.get("sku") == sku  # the search is not exact
    ]
    if not variants:
        return f"not-sold:{sku}"
    item = variants[0].get("inventoryItem") or {}
    if not item.get("tracked"):
        return f"not-tracked:{sku}"
    level = item.get("inventoryLevel")
    if not isinstance(level, dict):
        return f"not-stocked-here:{sku}"
    return {"item": str(item["id"]), "available": _available(level)}


def _found(event: Event, state: dict[str, Any] | str) -> str | None:
    """What the shop holds already: why there is nothing to set, or the quantity in place."""
    if isinstance(state, str):
        return state
    if state["available"] == event.free_quantity:
        return f"available:{event.free_quantity}"
    return None


def _available(level: dict[str, Any]) -> int | None:
    for quantity in level.get("quantities") or []:
        if quantity.get("name") == "available":
            return int(quantity.get("quantity") or 0)
    return None
