"""Shopify through the Admin GraphQL API, pinned to one version (API_VERSION).

Pull: `orders(first, after, sortKey: UPDATED_AT, query: "updated_at:>='SINCE'")`, page by page
with the connection's cursor; when the last page is in, the next pull starts at the newest
updatedAt seen (>=, so that order comes once more, unchanged). An order cancelled, closed or
fulfilled at the shop may update a floor order but never creates one (`Page.known_only`).

Deliver: a `fulfilment` becomes one `fulfillmentCreate` over the order's fulfillment orders
assigned to the configured location, each of our lines mapped to fulfillment-order line items
(by the shop's line item id, else the SKU) with what is left to fulfil, and the parcels'
tracking numbers as its tracking info. A `fulfilment-void` becomes `fulfillmentCancel` of the
fulfilments carrying its tracking numbers. Shopify takes no idempotency key, so a fulfilment
is recognised by its tracking numbers: `already_applied`, and every delivery too, looks at the
order's fulfilments first.

A `return` of a Return opened in Shopify (its name is our RMA: it came in with the pull) is
processed there with `returnProcess`, the units not processed yet, with no financial transfer
and no disposition; the Return's processed quantities say what a resend must not repeat. Any
other `return` becomes one `refundCreate` of the units not yet recorded for that return, with no
transaction (the money is the seller's decision, made in Shopify's admin) and no restock (the
`stock` events say what is free); its note says what came back, in which condition and why,
and carries the return's marker and the event's key, which is how a resend finds it. Units the
shop cannot refund any more (the seller refunded them already) are not recorded twice. A
`stock` event sets the `available` quantity of the SKU's inventory item at the configured
location with `inventorySetQuantities`: an absolute value, so a resend finds it already there.
A SKU the shop does not sell, does not track or does not stock at the location has nothing to
set: the event is done, its reference says why.

Returns opened at the shop (a Shopify Return with status OPEN) come in with their order: an
order whose returnStatus is IN_PROGRESS is asked for its Returns (one small query, only for
those orders), in the shape of `warehouse-tui returns import`, the Return's name as the RMA.

Throttling is read from every answer's `extensions.cost.throttleStatus`: when the bucket holds
less than the last request cost, the next request waits for the restore rate to refill it;
a THROTTLED answer is a retryable failure with that wait.

Here the connector: the pull and the fulfilments. graphql.py holds the API's documents and the
client that sends them, returns.py the `return` events, stock.py the `stock` events.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from warehouse_tui.i18n import _
from warehouse_tui.sync.connector import (
    UNREADABLE,
    Applied,
    Event,
    Page,
    PermanentError,
    RetryableError,
    present,
    unreadable_order,
)
from warehouse_tui.sync.credentials import Credentials
from warehouse_tui.sync.shopify.graphql import (
    FULFILMENT_CANCEL,
    FULFILMENT_CREATE,
    FULFILMENT_STATE_QUERY,
    ORDER_RETURNS_QUERY,
    ORDERS_QUERY,
    GraphQL,
    gid,
    legacy_id,
    refuse_user_errors,
    shop_order,
)
from warehouse_tui.sync.shopify.returns import already_recorded, record_return
from warehouse_tui.sync.shopify.stock import already_set, set_stock

PAGE_SIZE = 50
FIRST_PULL = timedelta(days=30)
OPEN_STATUSES = ("OPEN", "IN_PROGRESS")


class ShopifyConnector:
    kind = "shopify"

    def __init__(
        self,
        code: str,
        url: str,
        location: str,
        credentials: Credentials,
        *,
        timeout: float | None = None,
        carriers: dict[str, str] | None = None,
        ca_file: str | None = None,
    ) -> None:
        self.code = code
        self.location = location if location.startswith("gid://") else gid("Location", location)
        self.carriers = carriers or {}
        self.graphql = GraphQL(url, credentials, timeout=timeout, ca_file=ca_file)

    # --- pull -------------------------------------------------------------------------------

    def pull(self, cursor: str) -> Page:
        state = json.loads(cursor) if cursor else {}
        since = state.get("since") or (datetime.now(UTC) - FIRST_PULL).isoformat()
        variables = {
            "first": PAGE_SIZE,
            "after": state.get("after"),
            "query": f"updated_at:>='{since}'",
        }
        data = self.graphql.request(ORDERS_QUERY, variables, _("pulling orders"))
        connection = data.get("orders") or {}
        nodes = [node for node in connection.get("nodes") or [] if isinstance(node, dict)]
        high = max([state.get("high") or since, *(str(n.get("updatedAt") or "") for n in nodes)])
        records: list[dict[str, Any]] = []
        known_only: set[str] = set()
        rejected: dict[int, str] = {}
        returns: list[dict[str, Any]] = []
        for node in nodes:
            try:
                record = self.order_record(node)
                returns.extend(self.return_records(node))
            except UNREADABLE:
                rejected[len(records)] = unreadable_order(node.get("id"))
                records.append({})
                continue
            records.append(record)
            if (
                node.get("cancelledAt")
                or node.get("closed")
                or (node.get("displayFulfillmentStatus") == "FULFILLED")
            ):
                known_only.add(record["shop_order_id"])
        info = connection.get("pageInfo") or {}
        more = bool(info.get("hasNextPage")) and bool(nodes)
        if more:
            next_state = {"since": since, "after": info.get("endCursor"), "high": high}
        else:
            next_state = {"since": high}
        return Page(
            records,
            json.dumps(next_state, separators=(",", ":")),
            done=not more,
            known_only=frozenset(known_only),
            source=f"shopify:{self.code}",
            rejected=rejected,
            returns=tuple(returns),
        )

    def order_record(self, node: dict[str, Any]) -> dict[str, Any]:
        """A Shopify Order in the order import format: what the floor needs, nothing the
        shop changes when it is fulfilled (so our own fulfilment changes no hash)."""
        order_id = str(node.get("legacyResourceId") or legacy_id(str(node.get("id"))))
        if node.get("cancelledAt"):
            # Cancelling at Shopify restocks the lines to a current quantity of 0: what the
            # floor needs is the cancellation itself.
            return {"shop": self.code, "shop_order_id": order_id, "cancelled": True}
        address = node.get("shippingAddress") or {}
        customer = node.get("customer") or {}
        shipping = node.get("shippingLine") or {}
        method = str(shipping.get("code") or shipping.get("title") or "")
        record: dict[str, Any] = {
            "shop": self.code,
            "shop_order_id": order_id,
            "buyer": present(
                {
                    "id": str(customer.get("legacyResourceId") or "") or None,
                    "name": customer.get("displayName"),
                    "tags": list(customer.get("tags") or []) or None,
                }
            ),
            "ship_to": present(
                {
                    "name": address.get("name") or address.get("company"),
                    "address1": address.get("address1"),
                    "address2": address.get("address2"),
                    "city": address.get("city"),
                    "region": address.get("province"),
                    "postcode": address.get("zip"),
                    "country": address.get("countryCodeV2"),
                    "phone": address.get("phone"),
                }
            ),
            "carrier": self.carriers.get(method, method),
            "service": shipping.get("title") or None,
            "pack_instructions": node.get("note") or None,
            "lines": [
                {
                    "sku": str(item.get("sku") or ""),
                    "qty": int(item.get("currentQuantity") or 0),
                    "shop_line_id": legacy_id(str(item.get("id"))),
                }
                for item in (node.get("lineItems") or {}).get("nodes") or []
                if int(item.get("currentQuantity") or 0) > 0
            ],
        }
        return present(record)

    def return_records(self, node: dict[str, Any]) -> list[dict[str, Any]]:
        """The order's open Shopify Returns as `returns import` records: the Return's name as
        the RMA, the units per SKU and the buyer's reason. Asked of the shop only when the
        order's returnStatus says a return is in progress."""
        if node.get("returnStatus") != "IN_PROGRESS":
            return []
        order_id = str(node.get("legacyResourceId") or legacy_id(str(node.get("id"))))
        data = self.graphql.request(
            ORDER_RETURNS_QUERY,
            {"id": gid("Order", order_id)},
            _("reading returns of {order}").format(order=order_id),
        )
        order = data.get("order") or {}
        records = []
        for ret in (order.get("returns") or {}).get("nodes") or []:
            if ret.get("status") != "OPEN":
                continue  # requested (not yet approved), closed, declined or cancelled
            lines: dict[str, dict[str, Any]] = {}
            for item in (ret.get("returnLineItems") or {}).get("nodes") or []:
                sku = str(((item.get("fulfillmentLineItem") or {}).get("lineItem") or {})["sku"])
                line = lines.setdefault(sku, {"sku": sku, "qty": 0, "reason": _reason(item)})
                line["qty"] += int(item["quantity"])
            if lines:
                records.append(
                    {
                        "shop": self.code,
                        "shop_order_id": order_id,
                        "rma": str(ret["name"]),
                        "lines": list(lines.values()),
                    }
                )
        return records

    def settle(self, page: Page, applied: Applied) -> None:
        pass

    # --- deliver ----------------------------------------------------------------------------

    def _state(self, event: Event) -> dict[str, Any]:
        order_id = str(event.payload.get("shop_order_id", ""))
        return self.graphql.order(FULFILMENT_STATE_QUERY, order_id)

    def already_applied(self, event: Event) -> str | None:
        if event.kind == "return":
            return already_recorded(self.graphql, event)
        if event.kind == "stock":
            return already_set(self.graphql, self.location, event)
        return self._recognised(event, self._state(event))

    def _recognised(self, event: Event, order: dict[str, Any]) -> str | None:
        numbers = set(event.tracking_numbers)
        if not numbers:
            return None
        matching = [f for f in order.get("fulfillments") or [] if _numbers(f) == numbers]
        if event.kind == "fulfilment-void":
            carrying = [f for f in order.get("fulfillments") or [] if _numbers(f) & numbers]
            if carrying and all(f.get("status") == "CANCELLED" for f in carrying):
                return ",".join(str(f["id"]) for f in carrying)
            return None
        live = [f for f in matching if f.get("status") != "CANCELLED"]
        return str(live[0]["id"]) if live else None

    def deliver(self, event: Event) -> str:
        if event.kind == "return":
            return record_return(self.graphql, event)
        if event.kind == "stock":
            return set_stock(self.graphql, self.location, event)
        order = self._state(event)
        found = self._recognised(event, order)
        if found is not None:
            return found
        if event.kind == "fulfilment-void":
            return self._cancel(event, order)
        if event.kind != "fulfilment":
            raise PermanentError(_("a Shopify shop takes no {kind} events").format(kind=event.kind))
        by_order = self._line_items(event, order)
        fulfillment: dict[str, Any] = {
            "lineItemsByFulfillmentOrder": [
                {
                    "fulfillmentOrderId": order_id,
                    "fulfillmentOrderLineItems": [
                        {"id": item_id, "quantity": qty} for item_id, qty in items
                    ],
                }
                for order_id, items in by_order.items()
            ],
            "notifyCustomer": True,
        }
        if event.tracking_numbers:
            fulfillment["trackingInfo"] = {
                "company": str(event.payload.get("carrier") or ""),
                "numbers": event.tracking_numbers,
            }
        fulfilling = _("fulfilling order {order}").format(order=shop_order(event))
        data = self.graphql.request(FULFILMENT_CREATE, {"fulfillment": fulfillment}, fulfilling)
        result = data.get("fulfillmentCreate") or {}
        refuse_user_errors(result, fulfilling)
        made = result.get("fulfillment") or {}
        if not made.get("id"):
            raise RetryableError(_("{what}: no fulfilment in the answer").format(what=fulfilling))
        return str(made["id"])

    def _line_items(self, event: Event, order: dict[str, Any]) -> dict[str, list[tuple[str, int]]]:
        """Our lines spread over the fulfillment-order line items still open at our location."""
        open_items = [
            (fo["id"], item)
            for fo in (order.get("fulfillmentOrders") or {}).get("nodes") or []
            if fo.get("status") in OPEN_STATUSES
            and ((fo.get("assignedLocation") or {}).get("location") or {}).get("id")
            == self.location
            for item in (fo.get("lineItems") or {}).get("nodes") or []
        ]
        left = {item["id"]: int(item.get("remainingQuantity") or 0) for _fo, item in open_items}
        by_order: dict[str, list[tuple[str, int]]] = {}
        for line in event.payload.get("lines") or []:
            wanted = int(line.get("qty") or 0)
            line_id, sku = str(line.get("shop_line_id") or ""), str(line.get("sku") or "")
            for fo_id, item in open_items:
                shop_line = item.get("lineItem") or {}
                same = (
                    legacy_id(str(shop_line.get("id"))) == line_id
                    if line_id
                    else shop_line.get("sku") == sku
                )
                take = min(wanted, left[item["id"]]) if same else 0
                if take:
                    by_order.setdefault(fo_id, []).append((item["id"], take))
                    left[item["id"]] -= take
                    wanted -= take
            if wanted:
                raise PermanentError(
                    _(
                        "order {order}: {qty} of {sku} are not open to fulfil at location"
                        " {location}"
                    ).format(
                        order=shop_order(event),
                        qty=wanted,
                        sku=line.get("sku"),
                        location=legacy_id(self.location),
                    )
                )
        if not by_order:
            raise PermanentError(
                _("order {order}: nothing to fulfil").format(order=shop_order(event))
            )
        return by_order

    def _cancel(self, event: Event, order: dict[str, Any]) -> str:
        numbers = set(event.tracking_numbers)
        carrying = [
            f
            for f in order.get("fulfillments") or []
            if _numbers(f) & numbers and f.get("status") != "CANCELLED"
        ]
        if not carrying:
            return "nothing-to-cancel"
        voiding = _("voiding order {order}").format(order=shop_order(event))
        for fulfilment in carrying:
            data = self.graphql.request(FULFILMENT_CANCEL, {"id": fulfilment["id"]}, voiding)
            refuse_user_errors(data.get("fulfillmentCancel") or {}, voiding)
        return ",".join(str(f["id"]) for f in carrying)

    def flush(self) -> None:
        pass

    def secrets(self) -> list[str]:
        return [self.graphql.token]

    def close(self) -> None:
        self.graphql.close()


def _numbers(fulfilment: dict[str, Any]) -> set[str]:
    return {
        str(info.get("number"))
        for info in fulfilment.get("trackingInfo") or []
        if info.get("number")
    }


def _reason(item: dict[str, Any]) -> str:
    """A Shopify return reason in words (SIZE_TOO_SMALL: size too small), with the buyer's note."""
    reason = str(item.get("returnReason") or "").lower().replace("_", " ")
    note = str(item.get("returnReasonNote") or "").strip()
    return f"{reason}: {note}" if reason and note else reason or note
