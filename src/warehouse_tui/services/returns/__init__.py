"""Goods in from buyers (售后): a returned parcel is found by scan, each unit received against
what was shipped to that buyer, inspected, and followed to an end state — on a shelf, in
quarantine, scrapped — with the ledger and the outbox written in the same transaction.

A unit's way (`ReturnUnit.status`): `inspect` → `put-away` (its condition decides which kind of
location takes it: a pickable shelf for a resaleable unit, a quarantine location for the rest)
→ `shelved` | `quarantined` → (a supervisor) `scrapped` | `released`. A unit never shipped to
this buyer is an `exception`: set aside, never in stock. Every stock move of a unit carries
its reference (UNIT-n, domain/refs.py) in the ledger, so `warehouse-tui check` (rule
`returned-unit`) can follow it.
"""

from __future__ import annotations

RESALEABLE = "resaleable"
CONDITIONS = (RESALEABLE, "damaged", "wrong-item", "missing-parts")
