"""The states of orders, waves, pick lists and parcels (and wave strategies) as operators read
them: the database keeps the English codes, screens show these names in the operator's
language."""

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


def state_name(state: str) -> str:
    return _(STATE_NAMES.get(state, state))
