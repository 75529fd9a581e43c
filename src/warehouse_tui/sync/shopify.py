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

Throttling is read from every answer's `extensions.cost.throttleStatus`: when the bucket holds
less than the last request cost, the next request waits for the restore rate to refill it;
a THROTTLED answer is a retryable failure with that wait.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from warehouse_tui.i18n import _
from warehouse_tui.sync.connector import (
    UNREADABLE,
    Applied,
    AuthError,
    Event,
    Page,
    PermanentError,
    RetryableError,
    present,
    reading_order,
    unreadable_order,
)
from warehouse_tui.sync.credentials import Credentials
from warehouse_tui.sync.http import call, json_body, new_client

API_VERSION = "2025-07"
PAGE_SIZE = 50
FIRST_PULL = timedelta(days=30)
LONGEST_THROTTLE_WAIT = 20.0  # seconds; a longer wait is left to the outbox's backoff
OPEN_STATUSES = ("OPEN", "IN_PROGRESS")

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
    }
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
                raise RetryableError(_("{what}: throttled by the shop").format(what=what), wait)
            if "ACCESS_DENIED" in codes:
                raise AuthError(
                    _("{what}: the shop refused the access token: {setting}").format(
                        what=what, setting=self.credential
                    )
                )
            messages = "; ".join(
                str(error.get("message", "")) for error in errors if isinstance(error, dict)
            )
            raise PermanentError(f"{what}: {messages[:200]}")
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            raise RetryableError(_("{what}: the shop's answer has no data").format(what=what))
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
        data = self._graphql(ORDERS_QUERY, variables, _("pulling orders"))
        connection = data.get("orders") or {}
        nodes = [node for node in connection.get("nodes") or [] if isinstance(node, dict)]
        high = max([state.get("high") or since, *(str(n.get("updatedAt") or "") for n in nodes)])
        records: list[dict[str, Any]] = []
        known_only: set[str] = set()
        rejected: dict[int, str] = {}
        for node in nodes:
            try:
                record = self.order_record(node)
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

    def settle(self, page: Page, applied: Applied) -> None:
        pass

    # --- deliver ----------------------------------------------------------------------------

    def _state(self, event: Event) -> dict[str, Any]:
        order_id = str(event.payload.get("shop_order_id", ""))
        data = self._graphql(
            FULFILMENT_STATE_QUERY, {"id": gid("Order", order_id)}, reading_order(order_id)
        )
        order = data.get("order")
        if not isinstance(order, dict):
            raise PermanentError(_("the shop has no order {order}").format(order=order_id))
        return order

    def already_applied(self, event: Event) -> str | None:
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
        fulfilling = _("fulfilling order {order}").format(order=_order(event))
        data = self._graphql(FULFILMENT_CREATE, {"fulfillment": fulfillment}, fulfilling)
        result = data.get("fulfillmentCreate") or {}
        _refuse_user_errors(result, fulfilling)
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
                        order=_order(event),
                        qty=wanted,
                        sku=line.get("sku"),
                        location=legacy_id(self.location),
                    )
                )
        if not by_order:
            raise PermanentError(_("order {order}: nothing to fulfil").format(order=_order(event)))
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
        voiding = _("voiding order {order}").format(order=_order(event))
        for fulfilment in carrying:
            data = self._graphql(FULFILMENT_CANCEL, {"id": fulfilment["id"]}, voiding)
            _refuse_user_errors(data.get("fulfillmentCancel") or {}, voiding)
        return ",".join(str(f["id"]) for f in carrying)

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


def _refuse_user_errors(result: dict[str, Any], what: str) -> None:
    errors = result.get("userErrors") or []
    if errors:
        text = "; ".join(str(error.get("message", "")) for error in errors)
        raise PermanentError(f"{what}: {text[:200]}")
