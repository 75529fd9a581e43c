"""WooCommerce through its REST API v3 (`/wp-json/wc/v3/`).

Pull: `orders?modified_after=SINCE&dates_are_gmt=true&per_page=100&page=N` until the page named
by the `X-WP-TotalPages` header. The list cannot be ordered by modification date, so an order
changed or added while we page can shift across pages: every order seen in the run is
de-duplicated by id and modification time, and the next run starts an overlap window before
the newest modification seen, so a shifted order is seen then (unchanged ones cost a hash).
Only `processing` orders are work for the floor; `cancelled` and `refunded` ones cancel, and
`completed` ones may update, an order the floor has, but never create one.

Deliver: the order is set `completed` with the tracking in a private order note that carries
the event's idempotency key. The notes are listed before posting, so a resend adds no second
note, and `already_applied` asks for both the note and the status.

A `return` becomes one refund (`POST orders/{id}/refunds`) of the units not yet recorded for
that return: `api_refund: false` and an amount of 0, so no money moves (the seller refunds it
in WooCommerce's admin), and `api_restock: false` (the `stock` events say what is free); its
reason says what came back, in which condition and why, and carries the return's marker and the
event's key. The order's refunds are listed first, so a resend finds the refund it made. A
`stock` event sets `stock_quantity` of the product, or the variation, the SKU names
(`products?sku=`); a SKU the shop does not sell or whose stock it does not manage has nothing to
set, and the event is done with a reference saying why. WooCommerce has no returns of its own:
returns are announced with `warehouse-tui returns import`.

Authentication as WooCommerce documents it: HTTP Basic with the consumer key and secret over
HTTPS; over plain HTTP, OAuth 1.0a "one-legged": HMAC-SHA256 over the method, the URL and the
sorted, RFC 3986-encoded parameters, keyed with the consumer secret and "&".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from warehouse_tui.sync.connector import (
    UNREADABLE,
    Applied,
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

PER_PAGE = 100
OVERLAP = timedelta(minutes=10)
FIRST_PULL = timedelta(days=30)
WORK = ("processing",)
CANCELLED = ("cancelled", "refunded")
DONE = ("completed",)


def rfc3986(text: str) -> str:
    return quote(text, safe="~-._")


def oauth_signature(method: str, url: str, params: dict[str, str], secret: str) -> str:
    """OAuth 1.0a HMAC-SHA256 signature of a request (the parameters without the signature)."""
    pairs = sorted((rfc3986(key), rfc3986(value)) for key, value in params.items())
    normalised = "&".join(f"{key}={value}" for key, value in pairs)
    base = "&".join((method.upper(), rfc3986(url), rfc3986(normalised)))
    digest = hmac.new(f"{secret}&".encode(), base.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class WooConnector:
    kind = "woocommerce"

    def __init__(
        self,
        code: str,
        url: str,
        credentials: Credentials,
        *,
        overlap_s: float | None = None,
        timeout: float | None = None,
        carriers: dict[str, str] | None = None,
        ca_file: str | None = None,
    ) -> None:
        self.code = code
        self.base = f"{url.rstrip('/')}/wp-json/wc/v3"
        self.key = credentials.require("KEY")
        self.secret = credentials.require("SECRET")
        self.credential = credentials.setting("KEY") + " / " + credentials.setting("SECRET")
        self.https = urlsplit(url).scheme == "https"
        self.overlap = timedelta(seconds=overlap_s) if overlap_s is not None else OVERLAP
        self.carriers = carriers or {}
        self.client = new_client(timeout, ca_file)

    # --- the wire ---------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        what: str,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> httpx.Response:
        url = f"{self.base}/{path}"
        query = dict(params or {})
        auth: tuple[str, str] | None = None
        if self.https:
            auth = (self.key, self.secret)
        else:
            query.update(
                oauth_consumer_key=self.key,
                oauth_nonce=uuid.uuid4().hex,
                oauth_signature_method="HMAC-SHA256",
                oauth_timestamp=str(int(time.time())),
            )
            query["oauth_signature"] = oauth_signature(method, url, query, self.secret)
        return call(
            self.client,
            method,
            url,
            what=what,
            credential=self.credential,
            params=query,
            json=body,
            auth=auth,
        )

    # --- pull -------------------------------------------------------------------------------

    def pull(self, cursor: str) -> Page:
        state = json.loads(cursor) if cursor else {}
        since = state.get("since") or _gmt(datetime.now(UTC) - FIRST_PULL)
        page = int(state.get("page") or 1)
        response = self._request(
            "GET",
            "orders",
            "pulling orders",
            {
                "modified_after": since,
                "dates_are_gmt": "true",
                "per_page": str(PER_PAGE),
                "page": str(page),
            },
        )
        orders = json_body(response, "pulling orders")
        if not isinstance(orders, list):
            raise RetryableError("pulling orders: the shop's answer is not a list")
        try:
            pages = int(response.headers.get("X-WP-TotalPages", "1"))
        except ValueError:
            pages = 1
        seen = set(state.get("seen") or [])
        high = state.get("high") or ""
        records: list[dict[str, Any]] = []
        known_only: set[str] = set()
        rejected: dict[int, str] = {}
        for order in orders:
            if not isinstance(order, dict):
                continue
            modified = str(order.get("date_modified_gmt") or "")
            mark = f"{order.get('id')}@{modified}"
            high = max(high, modified)
            if mark in seen:
                continue
            seen.add(mark)
            status = order.get("status")
            if status not in WORK + CANCELLED + DONE:
                continue  # not paid, on hold, failed, a draft: not the floor's work yet
            try:
                record = self.order_record(order)
            except UNREADABLE:
                rejected[len(records)] = f"the shop's order {order.get('id')} cannot be read"
                records.append({})
                continue
            records.append(record)
            if status not in WORK:
                known_only.add(record["shop_order_id"])
        if page < pages and orders:
            next_state: dict[str, Any] = {
                "since": since,
                "page": page + 1,
                "high": high,
                "seen": sorted(seen),
            }
        else:
            next_state = {"since": self._next_since(high) or since}
        return Page(
            records,
            json.dumps(next_state, separators=(",", ":")),
            done="page" not in next_state,
            known_only=frozenset(known_only),
            source=f"woocommerce:{self.code}",
            rejected=rejected,
        )

    def _next_since(self, high: str) -> str | None:
        """The overlap window before the newest modification seen (the shop's clock)."""
        try:
            newest = datetime.fromisoformat(high).replace(tzinfo=UTC)
        except ValueError:
            return None
        return _gmt(newest - self.overlap)

    def order_record(self, order: dict[str, Any]) -> dict[str, Any]:
        """A WooCommerce order in the order import format (nothing our own completion or note
        changes, so they change no hash)."""
        order_id = str(order.get("id"))
        if order.get("status") in CANCELLED:
            return {"shop": self.code, "shop_order_id": order_id, "cancelled": True}
        billing = order.get("billing") or {}
        shipping = order.get("shipping") or {}
        if not shipping.get("address_1"):
            shipping = {**billing, **{k: v for k, v in shipping.items() if v}}
        name = " ".join(
            part for part in (shipping.get("first_name"), shipping.get("last_name")) if part
        )
        methods = order.get("shipping_lines") or [{}]
        method = methods[0] if isinstance(methods[0], dict) else {}
        method_id = str(method.get("method_id") or method.get("method_title") or "")
        buyer_name = " ".join(
            part for part in (billing.get("first_name"), billing.get("last_name")) if part
        )
        customer = order.get("customer_id")
        record: dict[str, Any] = {
            "shop": self.code,
            "shop_order_id": order_id,
            "buyer": present(
                {
                    "id": str(customer) if customer else billing.get("email"),
                    "name": buyer_name,
                }
            ),
            "ship_to": present(
                {
                    "name": name or shipping.get("company"),
                    "address1": shipping.get("address_1"),
                    "address2": shipping.get("address_2"),
                    "city": shipping.get("city"),
                    "region": shipping.get("state"),
                    "postcode": shipping.get("postcode"),
                    "country": shipping.get("country"),
                    "phone": shipping.get("phone") or billing.get("phone"),
                }
            ),
            "carrier": self.carriers.get(method_id, method_id),
            "service": method.get("method_title"),
            "pack_instructions": order.get("customer_note"),
            "lines": [
                {
                    "sku": str(item.get("sku") or ""),
                    "qty": int(item.get("quantity") or 0),
                    "shop_line_id": str(item.get("id")),
                }
                for item in order.get("line_items") or []
                if int(item.get("quantity") or 0) > 0
            ],
        }
        return present(record)

    def settle(self, page: Page, applied: Applied) -> None:
        pass

    # --- deliver ----------------------------------------------------------------------------

    def _notes(self, order_id: str) -> list[dict[str, Any]]:
        response = self._request("GET", f"orders/{order_id}/notes", f"reading order {order_id}")
        notes = json_body(response, f"reading order {order_id}")
        return [note for note in notes if isinstance(note, dict)] if isinstance(notes, list) else []

    def _status(self, order_id: str) -> str:
        response = self._request("GET", f"orders/{order_id}", f"reading order {order_id}")
        order = json_body(response, f"reading order {order_id}")
        return str(order.get("status")) if isinstance(order, dict) else ""

    def _note_with_key(self, order_id: str, key: str) -> dict[str, Any] | None:
        for note in self._notes(order_id):
            if f"[{key}]" in str(note.get("note", "")):
                return note
        return None

    def already_applied(self, event: Event) -> str | None:
        if event.kind == "return":
            return _refund_with(event.key_mark, self._refunds(_order(event)))
        if event.kind == "stock":
            return self._stock_set(event, self._product(event))
        order_id = _order(event)
        note = self._note_with_key(order_id, event.idempotency_key)
        if note is None:
            return None
        completed = self._status(order_id) in DONE
        if completed == (event.kind == "fulfilment"):
            return f"note:{note.get('id')}"
        return None

    def deliver(self, event: Event) -> str:
        if event.kind == "return":
            return self._refund(event)
        if event.kind == "stock":
            return self._set_stock(event)
        order_id = _order(event)
        if event.kind == "fulfilment":
            text, status = self._shipped_note(event), "completed"
        elif event.kind == "fulfilment-void":
            numbers = ", ".join(event.tracking_numbers) or "-"
            text = f"Shipment withdrawn: tracking {numbers} will not ship [{event.idempotency_key}]"
            status = "processing"
        else:
            raise PermanentError(f"a WooCommerce shop takes no {event.kind} events")
        note = self._note_with_key(order_id, event.idempotency_key)
        if note is None:
            response = self._request(
                "POST",
                f"orders/{order_id}/notes",
                f"noting order {order_id}",
                body={"note": text, "customer_note": False},
            )
            note = json_body(response, f"noting order {order_id}")
        self._request(
            "PUT", f"orders/{order_id}", f"updating order {order_id}", body={"status": status}
        )
        return f"note:{note.get('id') if isinstance(note, dict) else ''}"

    def _shipped_note(self, event: Event) -> str:
        carrier = str(event.payload.get("carrier") or "")
        numbers = ", ".join(event.tracking_numbers) or "-"
        return f"Shipped with {carrier}: tracking {numbers} [{event.idempotency_key}]"

    # --- returns ------------------------------------------------------------------------------

    def _refunds(self, order_id: str) -> list[dict[str, Any]]:
        what = f"reading the refunds of order {order_id}"
        refunds = json_body(
            self._request("GET", f"orders/{order_id}/refunds", what, {"per_page": "100"}), what
        )
        return [r for r in refunds if isinstance(r, dict)] if isinstance(refunds, list) else []

    def _refund(self, event: Event) -> str:
        """The units of the return the shop has not recorded yet, as one refund of no money
        and no restock; what an earlier event of the same return recorded is not recorded
        again."""
        order_id = _order(event)
        refunds = self._refunds(order_id)
        found = _refund_with(event.key_mark, refunds)
        if found is not None:
            return found
        what = f"reading order {order_id}"
        order = json_body(self._request("GET", f"orders/{order_id}", what), what)
        items = (order.get("line_items") or []) if isinstance(order, dict) else []
        lines = returned_lines(event)
        marker = return_marker(event)
        recorded: dict[int, int] = {}
        refunded: dict[str, int] = {}  # the order's line item id → units refunded in all
        for refund in refunds:
            ours = marker in str(refund.get("reason") or "")
            for item in refund.get("line_items") or []:
                item_id, qty = _refunded_item(item, items), abs(int(item.get("quantity") or 0))
                refunded[item_id] = refunded.get(item_id, 0) + qty
                index = line_of(lines, item_id, str(item.get("sku") or "")) if ours else None
                if index is not None:
                    recorded[index] = recorded.get(index, 0) + qty
        refund_items: list[dict[str, Any]] = []
        recording: list[tuple[ReturnedLine, int]] = []
        for _index, line, qty in to_record(lines, recorded):
            item = next(
                (i for i in items if line.matches(str(i.get("id")), str(i.get("sku") or ""))),
                None,
            )
            if item is None:
                raise PermanentError(f"order {order_id} has no line {line.sku} to refund")
            left = int(item.get("quantity") or 0) - refunded.get(str(item.get("id")), 0)
            take = min(qty, left)
            if take > 0:  # the seller may have refunded the units already
                refund_items.append({"id": item["id"], "quantity": take, "refund_total": 0})
                recording.append((line, take))
        if not refund_items:
            return "nothing-to-record"
        what = f"recording the return of order {order_id}"
        made = json_body(
            self._request(
                "POST",
                f"orders/{order_id}/refunds",
                what,
                body={
                    "amount": "0",
                    "reason": return_note(event, recording),
                    "api_refund": False,
                    "api_restock": False,
                    "line_items": refund_items,
                },
            ),
            what,
        )
        if not isinstance(made, dict) or not made.get("id"):
            raise RetryableError(f"{what}: no refund in the answer")
        return f"refund:{made['id']}"

    # --- stock -------------------------------------------------------------------------------

    def _product(self, event: Event) -> dict[str, Any] | str:
        """The product or variation the SKU names, or why there is nothing to set."""
        sku = str(event.payload.get("sku") or "")
        what = f"reading the stock of {sku}"
        found = json_body(self._request("GET", "products", what, {"sku": sku}), what)
        products = [
            product
            for product in (found if isinstance(found, list) else [])
            if isinstance(product, dict) and product.get("sku") == sku
        ]
        if not products:
            return f"not-sold:{sku}"
        if products[0].get("manage_stock") is not True:
            return f"not-managed:{sku}"
        return products[0]

    def _stock_set(self, event: Event, product: dict[str, Any] | str) -> str | None:
        if isinstance(product, str):
            return product
        if product.get("stock_quantity") == event.free_quantity:
            return f"stock_quantity:{event.free_quantity}"
        return None

    def _set_stock(self, event: Event) -> str:
        product = self._product(event)
        found = self._stock_set(event, product)
        if found is not None:
            return found
        assert isinstance(product, dict)
        if product.get("type") == "variation":
            path = f"products/{product.get('parent_id')}/variations/{product.get('id')}"
        else:
            path = f"products/{product.get('id')}"
        what = f"setting the stock of {event.payload.get('sku')}"
        self._request("PUT", path, what, body={"stock_quantity": event.free_quantity})
        return f"{path}:{event.free_quantity}"

    def flush(self) -> None:
        pass

    def secrets(self) -> list[str]:
        return [self.key, self.secret]

    def close(self) -> None:
        self.client.close()


def _gmt(moment: datetime) -> str:
    """WooCommerce's GMT form: ISO 8601 without an offset (dates_are_gmt=true says which)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def _refund_with(mark: str, refunds: list[dict[str, Any]]) -> str | None:
    for refund in refunds:
        if mark in str(refund.get("reason") or ""):
            return f"refund:{refund.get('id')}"
    return None


def _refunded_item(item: dict[str, Any], order_items: list[dict[str, Any]]) -> str:
    """The order's line item a refund's line item refunds: its `_refunded_item_id`, else the
    order's line of the same product and variation."""
    for meta in item.get("meta_data") or []:
        if isinstance(meta, dict) and meta.get("key") == "_refunded_item_id":
            return str(meta.get("value"))
    for order_item in order_items:
        if (order_item.get("product_id"), order_item.get("variation_id")) == (
            item.get("product_id"),
            item.get("variation_id"),
        ):
            return str(order_item.get("id"))
    return ""


def _order(event: Event) -> str:
    return str(event.payload.get("shop_order_id", ""))
