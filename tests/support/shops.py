"""Fake shops on 127.0.0.1: Shopify's Admin GraphQL API and WooCommerce's REST API v3.

Each serves its platform's documented shapes (the fields our connectors ask for and more, as
the real ones do), enforces its own authentication (Shopify's access token header; WooCommerce's
OAuth 1.0a signature with its timestamp window and nonce check) and its own throttling
(Shopify's cost bucket reported in `extensions.cost.throttleStatus`, a THROTTLED error when it
runs dry; a 429 with Retry-After from WooCommerce), and takes a fault script:

- "500": answer 500, change nothing;       - "401": refuse the credentials;
- "delay": wait `seconds`, then answer;     - "reset": apply, send half the body, reset;
- "drop": apply the change, then close the connection without answering;
- "duplicate": a page of orders lists its first order twice;
- "reorder": the order list comes in another order (Shopify: a page reversed; WooCommerce:
  page N holds what the last page would).

Goods in, as each platform has them: Shopify's refunds (refundCreate, the order's refunds),
inventory (productVariants by SKU, inventorySetQuantities) and Returns opened by the seller
(returnProcess);
WooCommerce's refunds (orders/{id}/refunds) and products and variations found by SKU, whose
stock_quantity a PUT sets.

`on_answer(operation, applied)` is called when an answer is ready, before it is written: a test
uses it to stop the sync process between the shop's answer and our mark.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

SHOPIFY_VERSION = "2025-07"


@dataclass
class Fault:
    kind: str
    match: str = ""  # a substring of the operation's name; "" matches every operation
    times: int = 1
    seconds: float = 0.0


class FaultScript:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, kind: str, match: str = "", *, times: int = 1, seconds: float = 0.0) -> None:
        with self._lock:
            self._faults.append(Fault(kind, match, times, seconds))

    def take(self, operation: str, kinds: tuple[str, ...]) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.kind in kinds and fault.times > 0 and fault.match in operation:
                    fault.times -= 1
                    return fault
        return None

    def left(self) -> int:
        with self._lock:
            return sum(fault.times for fault in self._faults)


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    applied: bool = False  # the request changed the shop's state


WIRE_FAULTS = ("500", "401", "delay", "reset", "drop")


class FakeShop:
    """The HTTP server and the fault handling; subclasses answer requests."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.faults = FaultScript()
        self.tls = tls
        self.lock = threading.RLock()
        self.requests: list[str] = []  # operation names, in arrival order
        self.on_answer: Callable[[str, bool], None] | None = None
        shop = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                shop._serve(self, "GET")

            def do_POST(self) -> None:
                shop._serve(self, "POST")

            def do_PUT(self) -> None:
                shop._serve(self, "PUT")

            def log_message(self, *args: object) -> None:
                pass

            def finish(self) -> None:
                with contextlib.suppress(OSError):  # a connection we reset on purpose
                    super().finish()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls is not None:  # HTTPS with the certificate `tls` holds
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # subclasses: the operation a request is, and its answer
    def operation(self, method: str, path: str, body: Any) -> str:
        raise NotImplementedError

    def answer(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: Any, raw: str
    ) -> Answer:
        raise NotImplementedError

    def refused(self) -> Answer:
        raise NotImplementedError

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length).decode() if length else ""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        operation = self.operation(method, parts.path, body)
        with self.lock:
            self.requests.append(operation)
        fault = self.faults.take(operation, WIRE_FAULTS)
        if fault and fault.kind == "500":
            return _write(handler, Answer(500, {"errors": "Internal Server Error"}))
        if fault and fault.kind == "401":
            return _write(handler, self.refused())
        if fault and fault.kind == "delay":
            time.sleep(fault.seconds)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        with self.lock:
            answer = self.answer(method, parts.path, query, handler.headers, body, parts.query)
        if self.on_answer is not None:
            self.on_answer(operation, answer.applied)
        if fault and fault.kind == "drop":
            return _reset(handler)
        if fault and fault.kind == "reset":
            data = json.dumps(answer.body, ensure_ascii=False).encode()
            handler.send_response(answer.status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data[: len(data) // 2])
            handler.wfile.flush()
            return _reset(handler)
        with contextlib.suppress(OSError):  # the client gave up waiting (a "delay" fault)
            _write(handler, answer)


def _write(handler: BaseHTTPRequestHandler, answer: Answer) -> None:
    data = json.dumps(answer.body, ensure_ascii=False).encode()
    handler.send_response(answer.status)
    handler.send_header("Content-Type", "application/json; charset=UTF-8")
    handler.send_header("Content-Length", str(len(data)))
    for name, value in answer.headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)


def _reset(handler: BaseHTTPRequestHandler) -> None:
    """Close the connection with a TCP reset, no answer (or the rest of it) ever sent."""
    handler.close_connection = True
    connection: socket.socket = handler.connection  # type: ignore[assignment]
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- Shopify ---------------------------------------------------------------------------------


class FakeShopify(FakeShop):
    """The Admin GraphQL API at /admin/api/2025-07/graphql.json: orders, fulfillment orders,
    fulfillmentCreate and fulfillmentCancel, refunds and Returns, product variants with their
    inventory, inventorySetQuantities, a leaky cost bucket."""

    def __init__(
        self,
        token: str,
        *,
        location: str = "gid://shopify/Location/71",
        bucket: float = 1000.0,
        restore_rate: float = 50.0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.token = token
        self.location = location
        self.maximum = bucket
        self.available = bucket
        self.restore_rate = restore_rate
        self._bucket_at = time.monotonic()
        self.orders: dict[str, dict[str, Any]] = {}
        self.fulfillment_orders: dict[str, list[dict[str, Any]]] = {}
        self.fulfillments: dict[str, list[dict[str, Any]]] = {}
        self.refunds: dict[str, list[dict[str, Any]]] = {}
        self.variants: dict[str, dict[str, Any]] = {}  # by SKU
        self.stock_sets: list[tuple[str, int]] = []  # (SKU, quantity) per inventorySetQuantities
        self.processed: list[tuple[str, int]] = []  # (Return's name, units) per line processed
        self.clock = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
        self._ids = 1000
        super().__init__(tls)

    # the shop's own state, as a merchant would change it ----------------------------------

    def _next_id(self) -> int:
        self._ids += 1
        return self._ids

    def _touch(self, order: dict[str, Any]) -> None:
        self.clock += timedelta(seconds=7)
        order["updatedAt"] = iso(self.clock)

    def add_order(
        self,
        number: str,
        lines: list[tuple[str, int]],
        *,
        name: str = "Ada Lovelace",
        address: tuple[str, str, str, str] = ("12 Baker Street", "London", "NW1 6XE", "GB"),
        province: str | None = None,
        note: str | None = None,
        method: str = "UPS",
        customer: str = "Ada Lovelace",
    ) -> str:
        with self.lock:
            order_id = str(self._next_id())
            address1, city, zip_code, country = address
            items = [
                {
                    "id": f"gid://shopify/LineItem/{self._next_id()}",
                    "sku": sku,
                    "name": sku,
                    "quantity": qty,
                    "currentQuantity": qty,
                    "fulfillableQuantity": qty,
                    "refundableQuantity": qty,
                }
                for sku, qty in lines
            ]
            order = {
                "id": f"gid://shopify/Order/{order_id}",
                "legacyResourceId": order_id,
                "name": f"#{number}",
                "createdAt": iso(self.clock),
                "updatedAt": iso(self.clock),
                "cancelledAt": None,
                "closed": False,
                "displayFulfillmentStatus": "UNFULFILLED",
                "displayFinancialStatus": "PAID",
                "note": note,
                "tags": [],
                "customer": {
                    "id": f"gid://shopify/Customer/{order_id}9",
                    "legacyResourceId": f"{order_id}9",
                    "displayName": customer,
                    "tags": [],
                },
                "shippingAddress": {
                    "name": name,
                    "company": None,
                    "address1": address1,
                    "address2": None,
                    "city": city,
                    "province": province,
                    "zip": zip_code,
                    "countryCodeV2": country,
                    "phone": None,
                },
                "shippingLine": {"title": f"{method} Standard", "code": method},
                "lineItems": {"nodes": items},
                "returns": {"nodes": []},
                "returnStatus": "NO_RETURN",
            }
            self.orders[order_id] = order
            self.refunds[order_id] = []
            self.fulfillment_orders[order_id] = [
                {
                    "id": f"gid://shopify/FulfillmentOrder/{self._next_id()}",
                    "status": "OPEN",
                    "assignedLocation": {"location": {"id": self.location}, "name": "Warehouse"},
                    "lineItems": {
                        "nodes": [
                            {
                                "id": f"gid://shopify/FulfillmentOrderLineItem/{self._next_id()}",
                                "totalQuantity": item["quantity"],
                                "remainingQuantity": item["quantity"],
                                "lineItem": {"id": item["id"], "sku": item["sku"]},
                            }
                            for item in items
                        ]
                    },
                }
            ]
            self.fulfillments[order_id] = []
            self._touch(order)
            return order_id

    def change_quantity(self, order_id: str, sku: str, qty: int) -> None:
        """An order edit: the line's current quantity changes."""
        with self.lock:
            order = self.orders[order_id]
            for item in order["lineItems"]["nodes"]:
                if item["sku"] == sku:
                    item["currentQuantity"] = qty
            for fo in self.fulfillment_orders[order_id]:
                for item in fo["lineItems"]["nodes"]:
                    if item["lineItem"]["sku"] == sku:
                        item["remainingQuantity"] = item["totalQuantity"] = qty
            self._touch(order)

    def tag(self, order_id: str, tag: str) -> None:
        """A change the floor does not care about: updatedAt moves, the content does not."""
        with self.lock:
            self.orders[order_id]["tags"].append(tag)
            self._touch(self.orders[order_id])

    def cancel(self, order_id: str) -> None:
        with self.lock:
            order = self.orders[order_id]
            order["cancelledAt"] = iso(self.clock)
            for item in order["lineItems"]["nodes"]:
                item["currentQuantity"] = 0
            self._touch(order)

    def add_variant(
        self, sku: str, available: int, *, tracked: bool = True, stocked: bool = True
    ) -> None:
        """A product variant with its inventory item, stocked at our location (or not)."""
        with self.lock:
            self.variants[sku] = {
                "id": f"gid://shopify/ProductVariant/{self._next_id()}",
                "sku": sku,
                "inventoryItem": {
                    "id": f"gid://shopify/InventoryItem/{self._next_id()}",
                    "tracked": tracked,
                    "levels": {self.location: available} if stocked else {},
                },
            }

    def available_of(self, sku: str) -> int:
        with self.lock:
            return int(self.variants[sku]["inventoryItem"]["levels"][self.location])

    def open_return(
        self, order_id: str, lines: list[tuple[str, int, str]], *, status: str = "OPEN"
    ) -> str:
        """The seller opens a Return of `lines` (SKU, quantity, reason enum): its name."""
        with self.lock:
            order = self.orders[order_id]
            name = f"{order['name']}-R{len(order['returns']['nodes']) + 1}"
            items = {item["sku"]: item for item in order["lineItems"]["nodes"]}
            order["returns"]["nodes"].append(
                {
                    "id": f"gid://shopify/Return/{self._next_id()}",
                    "name": name,
                    "status": status,
                    "returnLineItems": {
                        "nodes": [
                            {
                                "id": f"gid://shopify/ReturnLineItem/{self._next_id()}",
                                "quantity": qty,
                                "processedQuantity": 0,
                                "processableQuantity": qty,
                                "returnReason": reason,
                                "returnReasonNote": "",
                                "fulfillmentLineItem": {
                                    "lineItem": {"id": items[sku]["id"], "sku": sku}
                                },
                            }
                            for sku, qty, reason in lines
                        ]
                    },
                }
            )
            if status == "OPEN":
                order["returnStatus"] = "IN_PROGRESS"
            elif order["returnStatus"] == "NO_RETURN":
                order["returnStatus"] = "RETURN_REQUESTED"
            self._touch(order)
            return name

    def refunded(self, order_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return json.loads(json.dumps(self.refunds[order_id]))

    def live_fulfillments(self, order_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [f for f in self.fulfillments[order_id] if f["status"] == "SUCCESS"]

    # the wire ------------------------------------------------------------------------------

    def operation(self, method: str, path: str, body: Any) -> str:
        query = str((body or {}).get("query", "")) if isinstance(body, dict) else ""
        for name in (
            "Orders",
            "FulfilmentState",
            "FulfillmentCreate",
            "FulfillmentCancel",
            "ReturnState",
            "RefundCreate",
            "StockState",
            "InventorySet",
            "ReturnProcess",
            "OrderReturns",
        ):
            if f"query {name}(" in query or f"mutation {name}(" in query:
                return name
        return "unknown"

    def refused(self) -> Answer:
        return Answer(
            401,
            {
                "errors": "[API] Invalid API key or access token"
                " (unrecognized login or wrong password)"
            },
        )

    def _refill(self) -> None:
        now = time.monotonic()
        self.available = min(
            self.maximum, self.available + (now - self._bucket_at) * self.restore_rate
        )
        self._bucket_at = now

    def _cost(self, requested: float, actual: float | None) -> dict[str, Any]:
        return {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": {
                    "maximumAvailable": self.maximum,
                    "currentlyAvailable": int(self.available),
                    "restoreRate": self.restore_rate,
                },
            }
        }

    def answer(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: Any, raw: str
    ) -> Answer:
        if path != f"/admin/api/{SHOPIFY_VERSION}/graphql.json" or method != "POST":
            return Answer(404, {"errors": "Not Found"})
        if headers.get("X-Shopify-Access-Token") != self.token:
            return self.refused()
        if not isinstance(body, dict) or "query" not in body:
            return Answer(400, {"errors": {"query": "Required parameter missing or invalid"}})
        operation = self.operation(method, path, body)
        variables = body.get("variables") or {}
        requested = {"Orders": 52.0, "FulfilmentState": 26.0}.get(operation, 10.0)
        self._refill()
        if self.available < requested:
            return Answer(
                200,
                {
                    "errors": [
                        {
                            "message": "Throttled",
                            "extensions": {
                                "code": "THROTTLED",
                                "documentation": "https://shopify.dev/api/usage/rate-limits",
                            },
                        }
                    ],
                    "extensions": self._cost(requested, None),
                },
            )
        self.available -= requested
        handler = {
            "Orders": self._orders,
            "FulfilmentState": self._state,
            "FulfillmentCreate": self._create,
            "FulfillmentCancel": self._cancel,
            "ReturnState": self._return_state,
            "RefundCreate": self._refund,
            "StockState": self._stock_state,
            "InventorySet": self._set_inventory,
            "ReturnProcess": self._process_return,
            "OrderReturns": self._order_returns,
        }.get(operation)
        if handler is None:
            return Answer(200, {"errors": [{"message": "Field is not defined on QueryRoot"}]})
        data, applied = handler(variables)
        if isinstance(data, Answer):
            return data
        return Answer(
            200, {"data": data, "extensions": self._cost(requested, requested)}, applied=applied
        )

    def _orders(self, variables: dict[str, Any]) -> tuple[Any, bool]:
        first = int(variables.get("first") or 0)
        if not 0 < first <= 250:
            return _graphql_error("first must be between 1 and 250", "BAD_REQUEST"), False
        search = str(variables.get("query") or "")
        since = ""
        if search.startswith("updated_at:>='") and search.endswith("'"):
            since = search[len("updated_at:>='") : -1]
        since_moment = datetime.fromisoformat(since.replace("Z", "+00:00")) if since else None
        nodes = sorted(
            (
                order
                for order in self.orders.values()
                if since_moment is None
                or datetime.fromisoformat(order["updatedAt"].replace("Z", "+00:00")) >= since_moment
            ),
            key=lambda order: (order["updatedAt"], int(order["legacyResourceId"])),
        )
        after = variables.get("after")
        if after:
            key = json.loads(base64.b64decode(after))
            nodes = [n for n in nodes if (n["updatedAt"], int(n["legacyResourceId"])) > tuple(key)]
        page, more = nodes[:first], len(nodes) > first
        listed = [json.loads(json.dumps(node)) for node in page]
        if self.faults.take("Orders", ("duplicate",)) and listed:
            listed.insert(1, listed[0])
        if self.faults.take("Orders", ("reorder",)):
            listed.reverse()
        end = page[-1] if page else None
        cursor = (
            base64.b64encode(
                json.dumps([end["updatedAt"], int(end["legacyResourceId"])]).encode()
            ).decode()
            if end
            else None
        )
        return {
            "orders": {
                "nodes": listed,
                "pageInfo": {
                    "hasNextPage": more,
                    "hasPreviousPage": bool(after),
                    "startCursor": None,
                    "endCursor": cursor,
                },
            }
        }, False

    def _state(self, variables: dict[str, Any]) -> tuple[Any, bool]:
        order_id = str(variables.get("id", "")).rsplit("/", 1)[-1]
        if order_id not in self.orders:
            return {"order": None}, False
        return {
            "order": {
                "id": self.orders[order_id]["id"],
                "fulfillmentOrders": {
                    "nodes": json.loads(json.dumps(self.fulfillment_orders[order_id]))
                },
                "fulfillments": json.loads(json.dumps(self.fulfillments[order_id])),
            }
        }, False

    def _create(self, variables: dict[str, Any]) -> tuple[Any, bool]:
        fulfillment = variables.get("fulfillment")
        problem = _fulfillment_input_problem(fulfillment)
        if problem:
            return _graphql_error(problem, "INVALID_VARIABLE"), False
        assert isinstance(fulfillment, dict)
        wanted = []
        order_ids = set()
        for group in fulfillment["lineItemsByFulfillmentOrder"]:
            fo = self._fulfillment_order(group["fulfillmentOrderId"])
            if fo is None:
                return _user_error("fulfillmentOrderId", "Fulfillment order does not exist."), False
            order_id, record = fo
            order_ids.add(order_id)
            if record["status"] not in ("OPEN", "IN_PROGRESS"):
                return _user_error("fulfillmentOrderId", "Fulfillment order is not open."), False
            items = {item["id"]: item for item in record["lineItems"]["nodes"]}
            for line in group.get("fulfillmentOrderLineItems") or [
                {"id": item_id, "quantity": item["remainingQuantity"]}
                for item_id, item in items.items()
            ]:
                item = items.get(line["id"])
                if item is None or line["quantity"] > item["remainingQuantity"]:
                    return _user_error(
                        "fulfillmentOrderLineItems",
                        "Invalid fulfillment order line item quantity requested.",
                    ), False
                wanted.append((record, item, line["quantity"]))
        if len(order_ids) != 1:
            return _user_error(
                "lineItemsByFulfillmentOrder",
                "All fulfillment orders must belong to the same order.",
            ), False
        for _record, item, qty in wanted:
            item["remainingQuantity"] -= qty
        (order_id,) = order_ids
        for record in self.fulfillment_orders[order_id]:
            left = sum(item["remainingQuantity"] for item in record["lineItems"]["nodes"])
            record["status"] = "CLOSED" if left == 0 else "IN_PROGRESS"
        tracking = fulfillment.get("trackingInfo") or {}
        numbers = tracking.get("numbers") or (
            [tracking["number"]] if tracking.get("number") else []
        )
        made = {
            "id": f"gid://shopify/Fulfillment/{self._next_id()}",
            "status": "SUCCESS",
            "createdAt": iso(self.clock),
            "trackingInfo": [
                {"company": tracking.get("company"), "number": number, "url": None}
                for number in numbers
            ],
            "fulfillmentLineItems": {
                "nodes": [
                    {"lineItem": {"id": item["lineItem"]["id"]}, "quantity": qty}
                    for _r, item, qty in wanted
                ]
            },
        }
        self.fulfillments[order_id].append(made)
        order = self.orders[order_id]
        open_left = sum(
            item["remainingQuantity"]
            for fo in self.fulfillment_orders[order_id]
            for item in fo["lineItems"]["nodes"]
        )
        order["displayFulfillmentStatus"] = "FULFILLED" if open_left == 0 else "PARTIALLY_FULFILLED"
        self._touch(order)
        return {
            "fulfillmentCreate": {
                "fulfillment": {"id": made["id"], "status": made["status"]},
                "userErrors": [],
            }
        }, True

    def _fulfillment_order(self, fo_id: str) -> tuple[str, dict[str, Any]] | None:
        for order_id, records in self.fulfillment_orders.items():
            for record in records:
                if record["id"] == fo_id:
                    return order_id, record
        return None

    def _cancel(self, variables: dict[str, Any]) -> tuple[Any, bool]:
        target = variables.get("id")
        for order_id, made in self.fulfillments.items():
            for fulfillment in made:
                if fulfillment["id"] != target:
                    continue
                if fulfillment["status"] == "CANCELLED":
                    return _user_error("id", "Fulfillment is already cancelled."), False
                fulfillment["status"] = "CANCELLED"
                for line in fulfillment["fulfillmentLineItems"]["nodes"]:
                    for fo in self.fulfillment_orders[order_id]:
                        for item in fo["lineItems"]["nodes"]:
                            if item["lineItem"]["id"] == line["lineItem"]["id"]:
                                item["remainingQuantity"] += line["quantity"]
                                fo["status"] = "OPEN"
                order = self.orders[order_id]
                order["displayFulfillmentStatus"] = "UNFULFILLED"
                self._touch(order)
                return {
                    "fulfillmentCancel": {
                        "fulfillment": {"id": target, "status": "CANCELLED"},
                        "userErrors": [],
                    }
                }, True
        return _user_error("id", "Fulfillment does not exist."), False

    def _return_state(self, variables: dict[str, Any]) -> tuple[Any, bool]:
        order_id = str(variables.get("id", "")).rsplit("/", 1)[-1]
        if order_id not in self.orders:
            return {"order": None}, False
        order = self.orders[order_id]
        return {
            "order": {
                "id": order["id"],
                "lineItems": json.loads(json.dumps(order["lineItems"])),
                "refunds": json.loads(json.dumps(self.refunds[order_id])),
                "returns": json.loads(json.dumps(order["returns"])),
            }
        }, False

    def _order_returns(self, variables: dict[str, Any]) -> tuple[Any, bool]:
        order_id = str(variables.get("id", "")).rsplit("/", 1)[-1]
        if order_id not in self.orders:
            return {"order": None}, False
        order = self.orders[order_id]
        return {
            "order": {"id": order["id"], "returns": json.loads(json.dumps(order["returns"]))}
        }, False

    def _process_return(self, variables: dict[str, Any]) -> tuple[Any, bool]:
        """returnProcess: units of an open Return's line items processed, within what each
        can still process; a financial transfer would refund money (this fake keeps none)."""
        value = variables.get("input")
        if not isinstance(value, dict) or set(value) - RETURN_PROCESS_INPUT:
            return _graphql_error(
                "Variable $input of type ReturnProcessInput! was provided invalid value",
                "INVALID_VARIABLE",
            ), False
        if value.get("financialTransfer"):
            return _return_error("financialTransfer", "This fake shop moves no money"), False
        found = [
            (order, ret)
            for order in self.orders.values()
            for ret in order["returns"]["nodes"]
            if ret["id"] == value.get("returnId")
        ]
        if not found:
            return _return_error("returnId", "Return does not exist."), False
        order, ret = found[0]
        if ret["status"] != "OPEN":
            return _return_error("returnId", "Return is not open."), False
        items = {item["id"]: item for item in ret["returnLineItems"]["nodes"]}
        wanted = []
        for line in value.get("returnLineItems") or []:
            item = items.get(line.get("id"))
            if item is None or set(line) - {"id", "quantity", "dispositions"}:
                return _return_error("returnLineItems", "Return line item is invalid."), False
            if not 0 < int(line.get("quantity") or 0) <= item["processableQuantity"]:
                return _return_error("returnLineItems", "Quantity is not processable."), False
            wanted.append((item, int(line["quantity"])))
        for item, qty in wanted:
            item["processedQuantity"] += qty
            item["processableQuantity"] -= qty
            self.processed.append((ret["name"], qty))
        if not any(item["processableQuantity"] for item in items.values()):
            ret["status"] = "CLOSED"
            if all(r["status"] != "OPEN" for r in order["returns"]["nodes"]):
                order["returnStatus"] = "RETURNED"
        self._touch(order)
        return {
            "returnProcess": {
                "return": {"id": ret["id"], "status": ret["status"]},
                "userErrors": [],
            }
        }, True

    def _refund(self, variables: dict[str, Any]) -> tuple[Any, bool]:
        """refundCreate as Shopify checks it: known fields, a known order, quantities within
        what is refundable; a transaction would move money (this fake keeps none)."""
        value = variables.get("input")
        if not isinstance(value, dict) or set(value) - REFUND_INPUT or "orderId" not in value:
            return _graphql_error(
                "Variable $input of type RefundInput! was provided invalid value",
                "INVALID_VARIABLE",
            ), False
        order_id = str(value["orderId"]).rsplit("/", 1)[-1]
        if order_id not in self.orders:
            return _refund_error("orderId", "Order does not exist"), False
        if value.get("transactions"):
            return _refund_error("transactions", "This fake shop moves no money"), False
        items = {item["id"]: item for item in self.orders[order_id]["lineItems"]["nodes"]}
        wanted = []
        for line in value.get("refundLineItems") or []:
            if set(line) - {"lineItemId", "quantity", "restockType", "locationId"}:
                return _graphql_error(
                    "Variable $input was provided invalid value for refundLineItems",
                    "INVALID_VARIABLE",
                ), False
            item = items.get(line.get("lineItemId"))
            if item is None:
                return _refund_error("refundLineItems", "Line item does not exist"), False
            if line.get("restockType", "NO_RESTOCK") not in RESTOCK_TYPES:
                return _graphql_error(
                    "Variable $input was provided invalid value for restockType",
                    "INVALID_VARIABLE",
                ), False
            if not 0 < int(line.get("quantity") or 0) <= item["refundableQuantity"]:
                return _refund_error(
                    "refundLineItems", "Quantity cannot refund more items than were purchased"
                ), False
            wanted.append((item, int(line["quantity"]), line.get("restockType", "NO_RESTOCK")))
        for item, qty, _restock in wanted:
            item["refundableQuantity"] -= qty
        made = {
            "id": f"gid://shopify/Refund/{self._next_id()}",
            "note": value.get("note"),
            "createdAt": iso(self.clock),
            "totalRefundedSet": {"shopMoney": {"amount": "0.0", "currencyCode": "EUR"}},
            "refundLineItems": {
                "nodes": [
                    {
                        "quantity": qty,
                        "restockType": restock,
                        "restocked": restock != "NO_RESTOCK",
                        "lineItem": {"id": item["id"], "sku": item["sku"]},
                    }
                    for item, qty, restock in wanted
                ]
            },
        }
        self.refunds[order_id].append(made)
        self._touch(self.orders[order_id])
        return {"refundCreate": {"refund": {"id": made["id"]}, "userErrors": []}}, True

    def _stock_state(self, variables: dict[str, Any]) -> tuple[Any, bool]:
        """productVariants(query: "sku:..."): Shopify's search matches a prefix, not the
        exact SKU, as the real one may."""
        search = str(variables.get("query") or "")
        if not search.startswith("sku:"):
            return _graphql_error("query must search by sku", "BAD_REQUEST"), False
        wanted = search.removeprefix("sku:").strip('"').replace('\\"', '"')
        location = variables.get("location")
        nodes = []
        for sku, variant in sorted(self.variants.items()):
            if not sku.startswith(wanted):
                continue
            item = variant["inventoryItem"]
            level = None
            if location in item["levels"]:
                level = {
                    "id": f"{item['id']}?location={location}",
                    "quantities": [{"name": "available", "quantity": item["levels"][location]}],
                }
            nodes.append(
                {
                    "id": variant["id"],
                    "sku": sku,
                    "inventoryItem": {
                        "id": item["id"],
                        "tracked": item["tracked"],
                        "inventoryLevel": level,
                    },
                }
            )
        return {"productVariants": {"nodes": nodes}}, False

    def _set_inventory(self, variables: dict[str, Any]) -> tuple[Any, bool]:
        """inventorySetQuantities of the pinned version: `available` or `on_hand`, a known
        reason, compareQuantity on each quantity unless ignoreCompareQuantity."""
        value = variables.get("input")
        if not isinstance(value, dict) or set(value) - INVENTORY_SET_INPUT:
            return _graphql_error(
                "Variable $input of type InventorySetQuantitiesInput! was provided invalid value",
                "INVALID_VARIABLE",
            ), False
        if value.get("name") not in ("available", "on_hand"):
            return _inventory_error("INVALID_NAME", "The quantity name is invalid."), False
        if value.get("reason") not in INVENTORY_REASONS:
            return _inventory_error("INVALID_REASON", "The specified reason is invalid."), False
        by_item = {v["inventoryItem"]["id"]: sku for sku, v in self.variants.items()}
        changes = []
        for quantity in value.get("quantities") or []:
            sku = by_item.get(quantity.get("inventoryItemId"))
            if sku is None:
                return _inventory_error("INVALID_INVENTORY_ITEM", "Item not found."), False
            levels = self.variants[sku]["inventoryItem"]["levels"]
            if quantity.get("locationId") not in levels:
                return _inventory_error(
                    "ITEM_NOT_STOCKED_AT_LOCATION", "The item is not stocked at the location."
                ), False
            if not value.get("ignoreCompareQuantity"):
                if "compareQuantity" not in quantity:
                    return _inventory_error(
                        "COMPARE_QUANTITY_REQUIRED", "compareQuantity is required."
                    ), False
                if quantity["compareQuantity"] != levels[quantity["locationId"]]:
                    return _inventory_error(
                        "COMPARE_QUANTITY_STALE", "compareQuantity is stale."
                    ), False
            if int(quantity.get("quantity", -1)) < 0:
                return _inventory_error("INVALID_QUANTITY_NEGATIVE", "Negative."), False
            changes.append((sku, levels, quantity["locationId"], int(quantity["quantity"])))
        for sku, levels, location, qty in changes:
            levels[location] = qty
            self.stock_sets.append((sku, qty))
        group = {"id": f"gid://shopify/InventoryAdjustmentGroup/{self._next_id()}"}
        return {
            "inventorySetQuantities": {"inventoryAdjustmentGroup": group, "userErrors": []}
        }, True


REFUND_INPUT = {
    "orderId",
    "note",
    "notify",
    "currency",
    "shipping",
    "refundLineItems",
    "refundDuties",
    "transactions",
}
RESTOCK_TYPES = ("NO_RESTOCK", "CANCEL", "RETURN")
INVENTORY_SET_INPUT = {
    "name",
    "reason",
    "referenceDocumentUri",
    "ignoreCompareQuantity",
    "quantities",
}
INVENTORY_REASONS = (
    "correction",
    "cycle_count_available",
    "damaged",
    "movement_created",
    "movement_updated",
    "movement_received",
    "movement_canceled",
    "other",
    "promotion",
    "quality_control",
    "received",
    "reservation_created",
    "reservation_deleted",
    "reservation_updated",
    "restock",
    "safety_stock",
    "shrinkage",
)


RETURN_PROCESS_INPUT = {
    "returnId",
    "returnLineItems",
    "exchangeLineItems",
    "refundShipping",
    "refundDuties",
    "financialTransfer",
    "notifyCustomer",
}


def _return_error(name: str, message: str) -> dict[str, Any]:
    return {
        "returnProcess": {
            "return": None,
            "userErrors": [{"field": ["input", name], "message": message}],
        }
    }


def _refund_error(name: str, message: str) -> dict[str, Any]:
    return {
        "refundCreate": {
            "refund": None,
            "userErrors": [{"field": ["input", name], "message": message}],
        }
    }


def _inventory_error(code: str, message: str) -> dict[str, Any]:
    return {
        "inventorySetQuantities": {
            "inventoryAdjustmentGroup": None,
            "userErrors": [{"field": ["input"], "message": message, "code": code}],
        }
    }


FULFILLMENT_INPUT = {
    "lineItemsByFulfillmentOrder",
    "notifyCustomer",
    "originAddress",
    "trackingInfo",
}
TRACKING_INPUT = {"company", "number", "numbers", "url", "urls"}


def _fulfillment_input_problem(value: Any) -> str:
    """Why `value` is not a FulfillmentInput of the pinned version, as the schema would say."""
    if not isinstance(value, dict):
        return "Variable $fulfillment of type FulfillmentInput! was provided invalid value"
    unknown = set(value) - FULFILLMENT_INPUT
    if unknown:
        return (
            f"Variable $fulfillment was provided invalid value for {sorted(unknown)[0]}"
            " (Field is not defined on FulfillmentInput)"
        )
    groups = value.get("lineItemsByFulfillmentOrder")
    if not isinstance(groups, list) or not groups:
        return (
            "Variable $fulfillment was provided invalid value for lineItemsByFulfillmentOrder"
            " (Expected value to not be null)"
        )
    for group in groups:
        if not isinstance(group, dict) or set(group) - {
            "fulfillmentOrderId",
            "fulfillmentOrderLineItems",
        }:
            return (
                "Variable $fulfillment was provided invalid value for lineItemsByFulfillmentOrder"
            )
        for line in group.get("fulfillmentOrderLineItems") or []:
            if set(line) != {"id", "quantity"} or not isinstance(line["quantity"], int):
                return (
                    "Variable $fulfillment was provided invalid value for fulfillmentOrderLineItems"
                )
    tracking = value.get("trackingInfo")
    if tracking is not None:
        if not isinstance(tracking, dict) or set(tracking) - TRACKING_INPUT:
            return "Variable $fulfillment was provided invalid value for trackingInfo"
        if "number" in tracking and "numbers" in tracking:
            return (
                "Variable $fulfillment was provided invalid value for trackingInfo"
                " (number and numbers)"
            )
    return ""


def _graphql_error(message: str, code: str) -> Answer:
    return Answer(200, {"errors": [{"message": message, "extensions": {"code": code}}]})


def _user_error(name: str, message: str) -> dict[str, Any]:
    payload = {
        "fulfillment": None,
        "userErrors": [{"field": ["fulfillment", name], "message": message}],
    }
    return {"fulfillmentCreate": payload, "fulfillmentCancel": payload}


# --- WooCommerce -----------------------------------------------------------------------------


def _rfc3986(text: str) -> str:
    return quote(text, safe="~-._")


class FakeWoo(FakeShop):
    """REST API v3 at /wp-json/wc/v3: orders (paged, newest first, X-WP-Total/TotalPages),
    one order, its notes and refunds, products and variations by SKU and their stock; OAuth
    1.0a over HTTP as WooCommerce checks it; a request budget per window answered with 429 and
    Retry-After."""

    def __init__(
        self,
        key: str,
        secret: str,
        *,
        budget: tuple[int, float] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.key = key
        self.secret = secret
        self.budget = budget
        self._window: list[float] = []
        self.nonces: set[tuple[str, str]] = set()
        self.orders: dict[int, dict[str, Any]] = {}
        self.notes: dict[int, list[dict[str, Any]]] = {}
        self.refunds: dict[int, list[dict[str, Any]]] = {}
        self.products: dict[int, dict[str, Any]] = {}  # products and variations, by id
        self.stock_sets: list[tuple[str, int]] = []  # (SKU, quantity) per PUT that set it
        self.money_refunded = 0.0  # what refunds sent to the payment gateway
        self.clock = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
        self._ids = 500
        super().__init__(tls)

    def _next_id(self) -> int:
        self._ids += 1
        return self._ids

    def _touch(self, order: dict[str, Any]) -> None:
        self.clock += timedelta(seconds=5)
        order["date_modified_gmt"] = self.clock.replace(tzinfo=None).isoformat(timespec="seconds")
        order["date_modified"] = order["date_modified_gmt"]

    def add_order(
        self,
        lines: list[tuple[str, int]],
        *,
        first: str = "Ada",
        last: str = "Lovelace",
        address: tuple[str, str, str, str] = ("12 Baker Street", "London", "NW1 6XE", "GB"),
        state: str = "",
        status: str = "processing",
        method: str = "flat_rate",
        note: str = "",
    ) -> int:
        with self.lock:
            order_id = self._next_id()
            address1, city, postcode, country = address
            person = {
                "first_name": first,
                "last_name": last,
                "company": "",
                "address_1": address1,
                "address_2": "",
                "city": city,
                "state": state,
                "postcode": postcode,
                "country": country,
                "phone": "",
            }
            created = self.clock.replace(tzinfo=None).isoformat(timespec="seconds")
            order = {
                "id": order_id,
                "parent_id": 0,
                "number": str(order_id),
                "order_key": f"wc_order_{order_id}",
                "created_via": "checkout",
                "status": status,
                "currency": "EUR",
                "date_created": created,
                "date_created_gmt": created,
                "date_modified": created,
                "date_modified_gmt": created,
                "customer_id": 7,
                "customer_note": note,
                "billing": {**person, "email": "buyer@example.com"},
                "shipping": person,
                "line_items": [
                    {
                        "id": self._next_id(),
                        "name": sku,
                        "product_id": 90 + n,
                        "variation_id": 0,
                        "quantity": qty,
                        "sku": sku,
                        "price": 12.5,
                        "total": f"{12.5 * qty:.2f}",
                        "meta_data": [],
                    }
                    for n, (sku, qty) in enumerate(lines)
                ],
                "shipping_lines": [
                    {
                        "id": self._next_id(),
                        "method_title": "Flat rate",
                        "method_id": method,
                        "total": "4.90",
                    }
                ],
                "meta_data": [],
            }
            self.orders[order_id] = order
            self.notes[order_id] = []
            self.refunds[order_id] = []
            self._touch(order)
            return order_id

    def add_product(
        self, sku: str, stock: int | None, *, manage: bool = True, variation_of: str = ""
    ) -> int:
        """A simple product, or a variation of the product with SKU `variation_of`."""
        with self.lock:
            product_id = self._next_id()
            parent = next((p for p in self.products.values() if p["sku"] == variation_of), None)
            self.products[product_id] = {
                "id": product_id,
                "name": sku,
                "type": "variation" if parent else "simple",
                "parent_id": parent["id"] if parent else 0,
                "sku": sku,
                "manage_stock": manage,
                "stock_quantity": stock if manage else None,
                "stock_status": "instock",
            }
            return product_id

    def stock(self, sku: str) -> int | None:
        with self.lock:
            return next(p["stock_quantity"] for p in self.products.values() if p["sku"] == sku)

    def refunded(self, order_id: int) -> list[dict[str, Any]]:
        with self.lock:
            return json.loads(json.dumps(self.refunds[order_id]))

    def set_status(self, order_id: int, status: str) -> None:
        with self.lock:
            self.orders[order_id]["status"] = status
            self._touch(self.orders[order_id])

    def change_quantity(self, order_id: int, sku: str, qty: int) -> None:
        with self.lock:
            for item in self.orders[order_id]["line_items"]:
                if item["sku"] == sku:
                    item["quantity"] = qty
            self._touch(self.orders[order_id])

    def operation(self, method: str, path: str, body: Any) -> str:
        parts = path.removeprefix("/wp-json/wc/v3/").split("/")
        if parts == ["orders"]:
            return "orders.list"
        if len(parts) == 2 and parts[0] == "orders":
            return f"orders.{method.lower()}"
        if len(parts) == 3 and parts[2] == "notes":
            return f"notes.{method.lower()}"
        if len(parts) == 3 and parts[2] == "refunds":
            return f"refunds.{method.lower()}"
        if parts[0] == "products":
            return f"{'variations' if 'variations' in parts else 'products'}.{method.lower()}"
        return "unknown"

    def refused(self) -> Answer:
        return _woo_error(
            401,
            "woocommerce_rest_authentication_error",
            "Invalid signature - provided signature does not match.",
        )

    def _basic_refusal(self, headers: Any, query: dict[str, str]) -> str:
        """Over HTTPS the key and secret go as HTTP Basic auth; this fake takes nothing else
        (an OAuth signature there means the key travelled in the URL for nothing)."""
        if any(name.startswith("oauth_") for name in query):
            return "OAuth parameters sent over HTTPS."
        expected = base64.b64encode(f"{self.key}:{self.secret}".encode()).decode()
        if not hmac.compare_digest(str(headers.get("Authorization", "")), f"Basic {expected}"):
            return "Consumer key is invalid."
        return ""

    def _authenticated(self, method: str, path: str, query: dict[str, str]) -> str:
        """Why the OAuth 1.0a parameters do not authenticate the request, or ""."""
        params = dict(query)
        signature = params.pop("oauth_signature", None)
        if signature is None or params.get("oauth_consumer_key") != self.key:
            return "Consumer key is invalid."
        if params.get("oauth_signature_method") not in ("HMAC-SHA1", "HMAC-SHA256"):
            return "Invalid signature - signature method is invalid."
        try:
            timestamp = int(params.get("oauth_timestamp", ""))
        except ValueError:
            return "Invalid timestamp."
        if abs(time.time() - timestamp) > 15 * 60:
            return "Invalid timestamp."
        nonce = (params.get("oauth_nonce", ""), str(timestamp))
        if nonce in self.nonces:
            return "Invalid nonce - nonce has already been used."
        base_uri = _rfc3986(f"http://127.0.0.1:{self.port}{path}")
        pairs = sorted((_rfc3986(k), _rfc3986(v)) for k, v in params.items())
        text = "%26".join(_rfc3986(f"{k}={v}") for k, v in pairs)
        algorithm = params["oauth_signature_method"].removeprefix("HMAC-").lower()
        digest = hmac.new(
            f"{self.secret}&".encode(), f"{method}&{base_uri}&{text}".encode(), algorithm
        )
        if not hmac.compare_digest(base64.b64encode(digest.digest()).decode(), signature):
            return "Invalid signature - provided signature does not match."
        self.nonces.add(nonce)
        return ""

    def _throttled(self) -> Answer | None:
        if self.budget is None:
            return None
        count, seconds = self.budget
        now = time.monotonic()
        self._window = [t for t in self._window if now - t < seconds]
        if len(self._window) >= count:
            wait = seconds - (now - self._window[0])
            return Answer(
                429,
                {
                    "code": "too_many_requests",
                    "message": "Too many requests.",
                    "data": {"status": 429},
                },
                {"Retry-After": str(max(1, round(wait)))},
            )
        self._window.append(now)
        return None

    def answer(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: Any, raw: str
    ) -> Answer:
        if not path.startswith("/wp-json/wc/v3/"):
            return _woo_error(
                404, "rest_no_route", "No route was found matching the URL and request method."
            )
        if self.tls is not None:
            refusal = self._basic_refusal(headers, query)
        else:
            refusal = self._authenticated(method, path, query)
        if refusal:
            return _woo_error(401, "woocommerce_rest_authentication_error", refusal)
        throttled = self._throttled()
        if throttled is not None:
            return throttled
        parts = path.removeprefix("/wp-json/wc/v3/").split("/")
        if parts == ["orders"] and method == "GET":
            return self._list(query)
        if parts[0] == "products":
            return self._products(method, parts, query, body)
        if len(parts) >= 2 and parts[0] == "orders":
            try:
                order = self.orders[int(parts[1])]
            except (ValueError, KeyError):
                return _woo_error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
            if len(parts) == 2 and method == "GET":
                return Answer(200, order)
            if len(parts) == 2 and method == "PUT":
                status = (body or {}).get("status")
                if status and status != order["status"]:
                    order["status"] = status
                    self._touch(order)
                return Answer(200, order, applied=True)
            if len(parts) == 3 and parts[2] == "notes" and method == "GET":
                return Answer(200, list(self.notes[order["id"]]))
            if len(parts) == 3 and parts[2] == "notes" and method == "POST":
                text = (body or {}).get("note")
                if not text:
                    return _woo_error(
                        400, "rest_missing_callback_param", "Missing parameter(s): note"
                    )
                moment = self.clock.replace(tzinfo=None).isoformat(timespec="seconds")
                note = {
                    "id": self._next_id(),
                    "author": "WooCommerce",
                    "date_created": moment,
                    "date_created_gmt": moment,
                    "note": text,
                    "customer_note": bool((body or {}).get("customer_note")),
                    "added_by_user": False,
                }
                self.notes[order["id"]].insert(0, note)  # newest first, as WooCommerce lists them
                return Answer(201, note, applied=True)
            if len(parts) == 3 and parts[2] == "refunds" and method == "GET":
                return Answer(200, json.loads(json.dumps(self.refunds[order["id"]])))
            if len(parts) == 3 and parts[2] == "refunds" and method == "POST":
                return self._refund(order, body or {})
        return _woo_error(
            404, "rest_no_route", "No route was found matching the URL and request method."
        )

    def _refund(self, order: dict[str, Any], body: dict[str, Any]) -> Answer:
        """POST orders/{id}/refunds as WooCommerce takes it: an amount not below 0, line items
        of the order within what is left to refund; `api_refund` (default true) sends the
        amount to the payment gateway, `api_restock` (default true) puts the units back."""
        try:
            amount = float(body.get("amount") or 0)
        except (TypeError, ValueError):
            return _woo_error(400, "rest_invalid_param", "Invalid parameter(s): amount")
        if amount < 0:
            return _woo_error(
                400,
                "woocommerce_rest_invalid_order_refund",
                "Refund amount must be greater than zero.",
            )
        items = {item["id"]: item for item in order["line_items"]}
        refunded: dict[int, int] = {}
        for refund in self.refunds[order["id"]]:
            for line in refund["line_items"]:
                item_id = int(line["meta_data"][0]["value"])
                refunded[item_id] = refunded.get(item_id, 0) - line["quantity"]
        lines = []
        for line in body.get("line_items") or []:
            item = items.get(int(line.get("id") or 0))
            qty = int(line.get("quantity") or 0)
            if item is None or not 0 < qty <= item["quantity"] - refunded.get(item["id"], 0):
                return _woo_error(
                    500,
                    "woocommerce_rest_cannot_create_order_refund",
                    "Invalid refund quantity.",
                )
            lines.append((item, qty))
        if body.get("api_refund", True):
            self.money_refunded += amount
        if body.get("api_restock", True):
            for item, qty in lines:
                for product in self.products.values():
                    if product["sku"] == item["sku"] and product["manage_stock"]:
                        product["stock_quantity"] += qty
        moment = self.clock.replace(tzinfo=None).isoformat(timespec="seconds")
        refund = {
            "id": self._next_id(),
            "date_created": moment,
            "date_created_gmt": moment,
            "amount": f"{amount:.2f}",
            "reason": str(body.get("reason") or ""),
            "refunded_by": 1,
            "refunded_payment": bool(body.get("api_refund", True)),
            "meta_data": [],
            "line_items": [
                {
                    "id": self._next_id(),
                    "name": item["name"],
                    "product_id": item["product_id"],
                    "variation_id": item["variation_id"],
                    "quantity": -qty,
                    "sku": item["sku"],
                    "total": "0.00",
                    "meta_data": [
                        {
                            "id": self._next_id(),
                            "key": "_refunded_item_id",
                            "value": str(item["id"]),
                        }
                    ],
                }
                for item, qty in lines
            ],
        }
        self.refunds[order["id"]].insert(0, refund)  # newest first, as WooCommerce lists them
        self._touch(order)
        return Answer(201, refund, applied=True)

    def _products(self, method: str, parts: list[str], query: dict[str, str], body: Any) -> Answer:
        """GET products?sku= (variations too, as WooCommerce finds them, with their
        parent_id); PUT products/{id} and products/{id}/variations/{id} with stock_quantity."""
        if parts == ["products"] and method == "GET":
            wanted = set(query.get("sku", "").split(",")) - {""}
            found = [p for p in self.products.values() if not wanted or p["sku"] in wanted]
            return Answer(200, json.loads(json.dumps(found)), {"X-WP-Total": str(len(found))})
        if method != "PUT" or len(parts) not in (2, 4):
            return _woo_error(
                404, "rest_no_route", "No route was found matching the URL and request method."
            )
        try:
            product = self.products[int(parts[-1])]
            parent = int(parts[1]) if len(parts) == 4 else 0
        except (ValueError, KeyError):
            return _woo_error(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        if (product["type"] == "variation") != (len(parts) == 4) or (
            parent and product["parent_id"] != parent
        ):
            return _woo_error(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        quantity = (body or {}).get("stock_quantity")
        if quantity is not None:
            if not isinstance(quantity, int):
                return _woo_error(400, "rest_invalid_param", "Invalid parameter(s): stock_quantity")
            product["stock_quantity"] = quantity
            self.stock_sets.append((product["sku"], quantity))
        return Answer(200, json.loads(json.dumps(product)), applied=quantity is not None)

    def _list(self, query: dict[str, str]) -> Answer:
        try:
            per_page = int(query.get("per_page", "10"))
            page = int(query.get("page", "1"))
        except ValueError:
            return _woo_error(400, "rest_invalid_param", "Invalid parameter(s): per_page")
        if not 1 <= per_page <= 100:
            return _woo_error(400, "rest_invalid_param", "Invalid parameter(s): per_page")
        after = query.get("modified_after")
        chosen = [
            order
            for order in self.orders.values()
            if not after or order["date_modified_gmt"] > after.replace("Z", "")
        ]
        chosen.sort(
            key=lambda order: (order["date_created_gmt"], order["id"]), reverse=True
        )  # orderby=date desc
        pages = max(1, -(-len(chosen) // per_page))
        if self.faults.take("orders.list", ("reorder",)):
            page = pages - page + 1
        listed = chosen[(page - 1) * per_page : page * per_page]
        if self.faults.take("orders.list", ("duplicate",)) and listed:
            listed = [listed[0], *listed]
        return Answer(
            200,
            json.loads(json.dumps(listed)),
            {"X-WP-Total": str(len(chosen)), "X-WP-TotalPages": str(pages)},
        )

    def shipped_notes(self, order_id: int) -> list[str]:
        with self.lock:
            return [
                note["note"] for note in self.notes[order_id] if note["note"].startswith("Shipped")
            ]


def _woo_error(status: int, code: str, message: str) -> Answer:
    return Answer(status, {"code": code, "message": message, "data": {"status": status}})


def running(shop: FakeShop) -> Iterator[FakeShop]:
    try:
        yield shop
    finally:
        shop.close()


def sentinel(name: str) -> str:
    """A credential value nobody could mistake for anything else, to grep for afterwards."""
    return f"SENTINEL-{name}-{hashlib.sha1(name.encode()).hexdigest()[:10]}"
