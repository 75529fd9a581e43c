"""Goods in from buyers (售后): a returned parcel is found by scan, each unit received against
what was shipped to that buyer, inspected, and followed to an end state — on a shelf, in
quarantine, scrapped — with the ledger and the outbox written in the same transaction.

A unit's way (`ReturnUnit.status`): `inspect` → `put-away` (its condition decides which kind of
location takes it: a pickable shelf for a resaleable unit, a quarantine location for the rest)
→ `shelved` | `quarantined` → (a supervisor) `scrapped` | `released`. A unit never shipped to
this buyer is an `exception`: set aside, never in stock. Every stock move of a unit carries
`unit_ref(unit)` in the ledger, so `warehouse-tui check` (rule `returned-unit`) can follow it.
"""

from __future__ import annotations

RESALEABLE = "resaleable"
CONDITIONS = (RESALEABLE, "damaged", "wrong-item", "missing-parts")


def unit_ref(unit_id: int | None) -> str:
    """How the ledger and the journal name a unit taken in."""
    return f"UNIT-{unit_id}"


def return_ref(return_id: int | None) -> str:
    """How the journal and the screens name a return."""
    return f"RET-{return_id}"


def return_id_of(ref: str) -> int | None:
    """The return `return_ref` named, or None."""
    digits = ref.removeprefix("RET-")
    return int(digits) if digits != ref and digits.isdigit() else None
