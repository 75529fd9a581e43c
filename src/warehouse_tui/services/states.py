"""The floor's words as operators read them — states of orders, waves, pick lists and parcels,
wave strategies, and the kinds of code a scan can be: the database and the parser keep English
codes, messages show these names in the operator's language."""

from __future__ import annotations

from warehouse_tui.i18n import N_, _

STATE_NAMES = {
    "new": N_("new"),
    "held": N_("held"),
    "ready": N_("ready"),
    "released": N_("released"),
    "picked": N_("picked"),
    "packed": N_("packed"),
    "shipped": N_("shipped"),
    "cancelled": N_("cancelled"),
    "planned": N_("planned"),
    "paused": N_("paused"),
    "picking": N_("picking"),
    "sorting": N_("sorting"),
    "done": N_("done"),
    "open": N_("open"),
    "claimed": N_("claimed"),
    "closed": N_("closed"),
    "loaded": N_("loaded"),
    "pick-by-order": N_("pick by order"),
    "batch": N_("batch + put wall"),
}


KIND_NAMES = {
    "product": N_("product"),
    "gs1": N_("GS1"),
    "location": N_("location"),
    "tote": N_("tote"),
    "slot": N_("put-wall slot"),
    "order": N_("order"),
    "parcel": N_("parcel"),
    "box": N_("box"),
    "badge": N_("badge"),
    "tracking": N_("tracking number"),
    "unknown": N_("unknown"),
}


def state_name(state: str) -> str:
    return _(STATE_NAMES.get(state, state))


def kind_name(kind: str) -> str:
    """A scan's kind (ScanKind value) by name."""
    return _(KIND_NAMES.get(kind, kind))
