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
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from warehouse_tui.sync.connector import (
    UNREADABLE,
    Applied,
    AuthError,
    Event,
    Page,
    PermanentError,
    RetryableError,
    ReturnedLine,
    line_of,
    present,
    return_marker,
    return_note,
    returned_lines,
    to_record,
)
from warehouse_tui.sync.credentials import Credentials
from warehouse_tui.sync.http import call, json_body, new_client

API_VERSION = "2025-07"
PAGE_SIZE = 50
FIRST_PULL = timedelta(days=30)
LONGEST_THROTTLE_WAIT = 20.0  # seconds; a longer wait is left to the outbox's backoff
OPEN_STATUSES = ("OPEN", "IN_PROGRESS")
SHOP_RETURNS = ("OPEN", "CLOSED")  # a Return whose units can be (or were) processed

ORDERS_QUERY = """
query Orders($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, sortKey: UPDATED_AT, query: $query) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id legacyResourceId name updatedAt cancelledAt closed displayFulfillmentStatus note
      customer { legacyResourceId displayName tags }
      shippingAddress { name company address1 address2 city province zip countryCodeV2 phone }
      shippingLine { title code }
      lineItems(first: 100) { nodes { id sku quantity currentQuantity } }
      returnStatus
    }
  }
}
"""

# An order's Returns: asked only of an order whose returnStatus says one is in progress, and
# before recording a return, so the orders page stays cheap.
RETURNS = """
    returns(first: 10) {
      nodes {
        id name status
        returnLineItems(first: 50) {
          nodes {
            id quantity processedQuantity processableQuantity returnReason returnReasonNote
            ... on ReturnLineItem { fulfillmentLineItem { lineItem { id sku } } }
          }
        }
      }
    }
"""

ORDER_RETURNS_QUERY = (
    """
query OrderReturns($id: ID!) {
  order(id: $id) {
    id"""
    + RETURNS
    + """  }
}
"""
)

RETURN_STATE_QUERY = (
    """
query ReturnState($id: ID!) {
  order(id: $id) {
    id
    lineItems(first: 100) { nodes { id sku refundableQuantity } }
    refunds(first: 50) {
      id note
      refundLineItems(first: 100) { nodes { quantity lineItem { id sku } } }
    }"""
    + RETURNS
    + """  }
}
"""
)

RETURN_PROCESS = """
mutation ReturnProcess($input: ReturnProcessInput!) {
  returnProcess(input: $input) {
    return { id status }
    userErrors { field message }
  }
}
"""

REFUND_CREATE = """
mutation RefundCreate($input: RefundInput!) {
  refundCreate(input: $input) {
    refund { id }
    userErrors { field message }
  }
}
"""

STOCK_STATE_QUERY = """
query StockState($query: String!, $location: ID!) {
  productVariants(first: 10, query: $query) {
    nodes {
      id sku
      inventoryItem {
        id tracked
        inventoryLevel(locationId: $location) {
          id quantities(names: ["available"]) { name quantity }
        }
      }
    }
  }
}
"""

INVENTORY_SET = """
mutation InventorySet($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) {
    inventoryAdjustmentGroup { id }
    userErrors { field message code }
  }
}
"""

FULFILMENT_STATE_QUERY = """
query FulfilmentState($id: ID!) {
  order(id: $id) {
    id
    fulfillmentOrders(first: 20) {
      nodes {
        id status
        assignedLocation { location { id } }
        lineItems(first: 100) { nodes { id remainingQuantity lineItem { id sku } } }
      }
    }
    fulfillments(first: 50) { id status trackingInfo(first: 10) { number company } }
  }
}
"""

FULFILMENT_CREATE = """
mutation FulfillmentCreate($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status }
    userErrors { field message }
  }
}
"""

FULFILMENT_CANCEL = """
mutation FulfillmentCancel($id: ID!) {
  fulfillmentCancel(id: $id) {
    fulfillment { id status }
    userErrors { field message }
  }
}
"""


def gid(kind: str, legacy_id: str) -> str:
    return f"gid://shopify/{kind}/{legacy_id}"


def legacy_id(global_id: str) -> str:
    return global_id.rsplit("/", 1)[-1]


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
        self.endpoint = f"{url.rstrip('/')}/admin/api/{API_VERSION}/graphql.json"
        self.location = location if location.startswith("gid://") else gid("Location", location)
        self.token = credentials.require("TOKEN")
        self.credential = credentials.setting("TOKEN")
        self.carriers = carriers or {}
        self.client = new_client(timeout, ca_file)
        self._not_before = 0.0  # monotonic time before which the bucket is too low

    # --- the wire ---------------------------------------------------------------------------

    def _graphql(self, query: str, variables: dict[str, Any], what: str) -> dict[str, Any]:
        pause = self._not_before - time.monotonic()
        if pause > 0:
            time.sleep(min(pause, LONGEST_THROTTLE_WAIT))
        response = call(
            self.client,
            "POST",
            self.endpoint,
            what=what,
            credential=self.credential,
            json={"query": query, "variables": variables},
            headers={"X-Shopify-Access-Token": self.token},
        )
        body = json_body(response, what)
        wait = self._note_throttle(body)
        errors = body.get("errors") if isinstance(body, dict) else None
        if errors:
            codes = {
                (error.get("extensions") or {}).get("code")
                for error in errors
                if isinstance(error, dict)
            }
            if "THROTTLED" in codes or any(
                isinstance(e, dict) and e.get("message") == "Throttled" for e in errors
            ):
                raise RetryableError(f"{what}: throttled by the shop", wait)
            messages = "; ".join(
                str(error.get("message", "")) for error in errors if isinstance(error, dict)
            )
            if "ACCESS_DENIED" in codes:
                # Shopify's message names the access scope the app lacks.
                raise AuthError(
                    f"{what}: the shop refused the access token: {self.credential}"
                    f" ({messages[:200]})"
                )
            raise PermanentError(f"{what}: {messages[:200]}")
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            raise RetryableError(f"{what}: the shop's answer has no data")
        return data

    def _note_throttle(self, body: Any) -> float | None:
        """Remember when the bucket will hold the last request's cost again; that wait."""
        try:
            cost = body["extensions"]["cost"]
            status = cost["throttleStatus"]
            needed = float(cost.get("requestedQueryCost") or 0)
            available = float(status["currentlyAvailable"])
            rate = float(status["restoreRate"]) or 1.0
        except (KeyError, TypeError, ValueError):
            return None
        wait = max(0.0, (needed - available) / rate)
        self._not_before = time.monotonic() + wait
        return wait

    # --- pull -------------------------------------------------------------------------------

    def pull(self, cursor: str) -> Page:
        state = json.loads(cursor) if cursor else {}
        since = state.get("since") or (datetime.now(UTC) - FIRST_PULL).isoformat()
        variables = {
            "first": PAGE_SIZE,
            "after": state.get("after"),
            "query": f"updated_at:>='{since}'",
        }
        data = self._graphql(ORDERS_QUERY, variables, "pulling orders")
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
                rejected[len(records)] = f"the shop's order {node.get('id')} cannot be read"
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
        data = self._graphql(
            ORDER_RETURNS_QUERY, {"id": gid("Order", order_id)}, f"reading returns of {order_id}"
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
        data = self._graphql(
            FULFILMENT_STATE_QUERY, {"id": gid("Order", order_id)}, f"reading order {order_id}"
        )
        order = data.get("order")
        if not isinstance(order, dict):
            raise PermanentError(f"the shop has no order {order_id}")
        return order

    def already_applied(self, event: Event) -> str | None:
        if event.kind == "return":
            return _return_recorded(event, self._return_state(event))
        if event.kind == "stock":
            return self._stock_set(event, self._stock_state(event))
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
            return self._record_return(event)
        if event.kind == "stock":
            return self._set_stock(event)
        order = self._state(event)
        found = self._recognised(event, order)
        if found is not None:
            return found
        if event.kind == "fulfilment-void":
            return self._cancel(event, order)
        if event.kind != "fulfilment":
            raise PermanentError(f"a Shopify shop takes no {event.kind} events")
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
        data = self._graphql(
            FULFILMENT_CREATE, {"fulfillment": fulfillment}, f"fulfilling order {_order(event)}"
        )
        result = data.get("fulfillmentCreate") or {}
        _refuse_user_errors(result, f"fulfilling order {_order(event)}")
        made = result.get("fulfillment") or {}
        if not made.get("id"):
            raise RetryableError(f"fulfilling order {_order(event)}: no fulfilment in the answer")
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
                    f"order {_order(event)}: {wanted} of {line.get('sku')} are not open to"
                    f" fulfil at location {legacy_id(self.location)}"
                )
        if not by_order:
            raise PermanentError(f"order {_order(event)}: nothing to fulfil")
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
        for fulfilment in carrying:
            data = self._graphql(
                FULFILMENT_CANCEL, {"id": fulfilment["id"]}, f"voiding order {_order(event)}"
            )
            _refuse_user_errors(
                data.get("fulfillmentCancel") or {}, f"voiding order {_order(event)}"
            )
        return ",".join(str(f["id"]) for f in carrying)

    # --- returns ------------------------------------------------------------------------------

    def _return_state(self, event: Event) -> dict[str, Any]:
        order_id = _order(event)
        data = self._graphql(
            RETURN_STATE_QUERY, {"id": gid("Order", order_id)}, f"reading order {order_id}"
        )
        order = data.get("order")
        if not isinstance(order, dict):
            raise PermanentError(f"the shop has no order {order_id}")
        return order

    def _record_return(self, event: Event) -> str:
        """The units of the return the shop has not recorded yet: processed on the shop's own
        Return when the return is one (its name is the RMA), else refunded without money or
        restock. What the shop already holds of the same return is not recorded again."""
        order = self._return_state(event)
        found = _return_recorded(event, order)
        if found is not None:
            return found
        shop_return = _shop_return(event, order)
        if shop_return is not None:
            return self._process(event, shop_return)
        return self._refund(event, order)

    def _process(self, event: Event, shop_return: dict[str, Any]) -> str:
        """returnProcess of the units not processed yet, with no financial transfer (the
        refund is the seller's, from the Return in Shopify's admin) and no disposition (the
        `stock` events say what is free)."""
        processing = _to_process(event, shop_return)
        if not processing:
            return "nothing-to-record"
        what = f"processing return {shop_return.get('name')} of order {_order(event)}"
        data = self._graphql(
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
        _refuse_user_errors(result, what)
        return f"{shop_return['id']}:processed"

    def _refund(self, event: Event, order: dict[str, Any]) -> str:
        """The units of the return not refunded yet by an earlier event of it, as one refund
        without money or restock."""
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
                raise PermanentError(f"order {_order(event)} has no line {line.sku} to refund")
            take = min(qty, int(item.get("refundableQuantity") or 0))
            if take > 0:  # the seller may have refunded the units already
                refund_items.append(
                    {"lineItemId": item["id"], "quantity": take, "restockType": "NO_RESTOCK"}
                )
                recording.append((line, take))
        if not refund_items:
            return "nothing-to-record"
        what = f"recording the return of order {_order(event)}"
        data = self._graphql(
            REFUND_CREATE,
            {
                "input": {
                    "orderId": gid("Order", _order(event)),
                    "note": return_note(event, recording),
                    "notify": False,
                    "refundLineItems": refund_items,
                }
            },
            what,
        )
        result = data.get("refundCreate") or {}
        _refuse_user_errors(result, what)
        made = result.get("refund") or {}
        if not made.get("id"):
            raise RetryableError(f"{what}: no refund in the answer")
        return str(made["id"])

    # --- stock -------------------------------------------------------------------------------

    def _stock_state(self, event: Event) -> dict[str, Any] | str:
        """The SKU's inventory item and available quantity at our location, or why there is
        nothing to set."""
        sku = str(event.payload.get("sku") or "")
        quoted = sku.replace("\\", "\\\\").replace('"', '\\"')
        data = self._graphql(
            STOCK_STATE_QUERY,
            {"query": f'sku:"{quoted}"', "location": self.location},
            f"reading the stock of {sku}",
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

    def _stock_set(self, event: Event, state: dict[str, Any] | str) -> str | None:
        if isinstance(state, str):
            return state
        if state["available"] == event.free_quantity:
            return f"available:{event.free_quantity}"
        return None

    def _set_stock(self, event: Event) -> str:
        state = self._stock_state(event)
        found = self._stock_set(event, state)
        if found is not None:
            return found
        assert isinstance(state, dict)
        sku = str(event.payload.get("sku") or "")
        data = self._graphql(
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
                            "locationId": self.location,
                            "quantity": event.free_quantity,
                        }
                    ],
                }
            },
            f"setting the stock of {sku}",
        )
        result = data.get("inventorySetQuantities") or {}
        _refuse_user_errors(result, f"setting the stock of {sku}")
        group = result.get("inventoryAdjustmentGroup") or {}
        return str(group.get("id") or f"available:{event.free_quantity}")

    def flush(self) -> None:
        pass

    def secrets(self) -> list[str]:
        return [self.token]

    def close(self) -> None:
        self.client.close()


def _order(event: Event) -> str:
    return str(event.payload.get("shop_order_id", "?"))


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


def _available(level: dict[str, Any]) -> int | None:
    for quantity in level.get("quantities") or []:
        if quantity.get("name") == "available":
            return int(quantity.get("quantity") or 0)
    return None


def _refuse_user_errors(result: dict[str, Any], what: str) -> None:
    errors = result.get("userErrors") or []
    if errors:
        text = "; ".join(str(error.get("message", "")) for error in errors)
        raise PermanentError(f"{what}: {text[:200]}")
