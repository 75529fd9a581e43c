"""The Shopify Admin GraphQL API as the connector speaks it: the pinned version, the documents
it sends, Shopify's global ids, and the client that sends a document and turns the answer's
errors and throttle status into the outbox's three failures."""

from __future__ import annotations

import time
from typing import Any

from warehouse_tui.i18n import _
from warehouse_tui.sync.connector import (
    AuthError,
    Event,
    PermanentError,
    RetryableError,
    reading_order,
)
from warehouse_tui.sync.credentials import Credentials
from warehouse_tui.sync.http import call, json_body, new_client

API_VERSION = "2025-07"
LONGEST_THROTTLE_WAIT = 20.0  # seconds; a longer wait is left to the outbox's backoff

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


def shop_order(event: Event) -> str:
    """The shop's order (its legacy id) an event is about."""
    return str(event.payload.get("shop_order_id", "?"))


class GraphQL:
    """One shop's endpoint and access token, the HTTP client, and when the shop's leaky bucket
    holds enough for the next request."""

    def __init__(
        self,
        url: str,
        credentials: Credentials,
        *,
        timeout: float | None = None,
        ca_file: str | None = None,
    ) -> None:
        self.endpoint = f"{url.rstrip('/')}/admin/api/{API_VERSION}/graphql.json"
        self.token = credentials.require("TOKEN")
        self.credential = credentials.setting("TOKEN")
        self.client = new_client(timeout, ca_file)
        self._not_before = 0.0  # monotonic time before which the bucket is too low

    def request(self, query: str, variables: dict[str, Any], what: str) -> dict[str, Any]:
        """The answer's data; `what` (what we were doing) starts any error's message."""
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
            messages = "; ".join(
                str(error.get("message", "")) for error in errors if isinstance(error, dict)
            )
            if "ACCESS_DENIED" in codes:
                # Shopify's message names the access scope the app lacks.
                raise AuthError(
                    _("{what}: the shop refused the access token: {setting} ({why})").format(
                        what=what, setting=self.credential, why=messages[:200]
                    )
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

    def order(self, query: str, order_id: str) -> dict[str, Any]:
        """The shop's order `order_id` as `query` (a document taking its global id) reads it."""
        data = self.request(query, {"id": gid("Order", order_id)}, reading_order(order_id))
        order = data.get("order")
        if not isinstance(order, dict):
            raise PermanentError(_("the shop has no order {order}").format(order=order_id))
        return order

    def close(self) -> None:
        self.client.close()


def refuse_user_errors(result: dict[str, Any], what: str) -> None:
    """A mutation's userErrors, if it has any, as a refusal of the event."""
    errors = result.get("userErrors") or []
    if errors:
        text = "; ".join(str(error.get("message", "")) for error in errors)
        raise PermanentError(f"{what}: {text[:200]}")
