"""Which shops sync, and how: the `shop` table's kind and settings, plus credentials kept apart.

A shop's row holds only what is no secret: its kind (file, shopify, woocommerce) and settings
(the inbox and outbox folders; the shop's URL, the Shopify location, WooCommerce's overlap
window, the authority a shop's private TLS certificate is checked against). Credentials come
from the environment or the owner-only file (credentials.py), so a database copied for a bug
report carries none.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import select

from warehouse_tui.i18n import _
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Journal, Shop
from warehouse_tui.sync.connector import Connector, PermanentError
from warehouse_tui.sync.credentials import load_credentials
from warehouse_tui.sync.files import FileConnector
from warehouse_tui.sync.shopify import ShopifyConnector
from warehouse_tui.sync.woocommerce import WooConnector

KINDS = ("file", "shopify", "woocommerce")
# The settings each kind needs, and those it may have.
REQUIRED = {"file": ("inbox", "outbox"), "shopify": ("url", "location"), "woocommerce": ("url",)}
OPTIONAL = {
    "file": (),
    "shopify": ("carriers", "timeout_s", "ca_file"),
    "woocommerce": ("carriers", "timeout_s", "overlap_s", "ca_file"),
}


@dataclass(frozen=True)
class ShopConfig:
    code: str
    kind: str
    settings: Mapping[str, Any]


def shop_configs(store: Store, code: str | None = None) -> list[ShopConfig]:
    """The shops set up to sync (those whose settings name what their kind needs)."""
    query = select(Shop).order_by(Shop.code)
    if code is not None:
        query = query.where(Shop.code == code)
    with store.read() as session:
        shops = list(session.exec(query))
    return [
        ShopConfig(shop.code, shop.kind, dict(shop.settings))
        for shop in shops
        if shop.kind in KINDS and all(shop.settings.get(key) for key in REQUIRED[shop.kind])
    ]


def settings_refusal(kind: str, settings: Mapping[str, Any]) -> str:
    if kind not in KINDS:
        return _("unknown shop kind {kind}: one of {kinds}").format(
            kind=kind, kinds=", ".join(KINDS)
        )
    missing = [key for key in REQUIRED[kind] if not settings.get(key)]
    if missing:
        return _("a {kind} shop needs {options}").format(
            kind=kind, options=", ".join("--" + key for key in missing)
        )
    unknown = sorted(set(settings) - set(REQUIRED[kind]) - set(OPTIONAL[kind]))
    if unknown:
        return _("a {kind} shop has no setting {settings}").format(
            kind=kind, settings=", ".join(unknown)
        )
    ca_file = settings.get("ca_file")
    if ca_file and not Path(ca_file).is_file():
        return _(
            "no certificate file {path}: give --ca-file the PEM file of the shop's authority"
        ).format(path=ca_file)
    return ""


def connect_shop(
    store: Store,
    code: str,
    kind: str,
    settings: Mapping[str, Any],
    *,
    station: str = "",
    operator_id: int | None = None,
) -> str:
    """Create or change a shop's sync set-up; journaled. Returns the refusal, or ""."""
    refusal = settings_refusal(kind, settings)
    if refusal:
        return refusal
    with store.write() as session:
        shop = session.exec(select(Shop).where(Shop.code == code)).first()
        if shop is None:
            shop = Shop(code=code, name=code)
            session.add(shop)
        shop.kind = kind
        shop.settings = dict(settings)
        session.add(
            Journal(
                station=station,
                operator_id=operator_id,
                screen="sync",
                task_ref=f"shop:{code}",
                action="sync.connect",
                reason=f"{kind} {sorted(settings)}",
            )
        )
    return ""


def open_connector(config: ShopConfig, environ: Mapping[str, str] = os.environ) -> Connector:
    """The connector for a shop, with its credentials; AuthError when they are missing."""
    settings = config.settings
    if config.kind == "file":
        return FileConnector(config.code, Path(settings["inbox"]), Path(settings["outbox"]))
    credentials = load_credentials(config.code, environ)
    timeout = _seconds(settings.get("timeout_s"))
    carriers = {str(k): str(v) for k, v in (settings.get("carriers") or {}).items()}
    if config.kind == "shopify":
        return ShopifyConnector(
            config.code,
            settings["url"],
            str(settings["location"]),
            credentials,
            timeout=timeout,
            carriers=carriers,
            ca_file=settings.get("ca_file"),
        )
    if config.kind == "woocommerce":
        return WooConnector(
            config.code,
            settings["url"],
            credentials,
            overlap_s=_seconds(settings.get("overlap_s")),
            timeout=timeout,
            carriers=carriers,
            ca_file=settings.get("ca_file"),
        )
    raise PermanentError(
        _("unknown shop kind {kind}: one of {kinds}").format(
            kind=config.kind, kinds=", ".join(KINDS)
        )
    )


def _seconds(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and value > 0 else None
