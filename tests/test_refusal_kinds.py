"""Refusals carry their kind: what code branches on, apart from the words the operator reads.

A few representative refusals of each service family, on SQLite and PostgreSQL: a scan that
names nothing, a good code that is not the one asked for, a state that forbids the step, an
intercept, a count beyond what is due, a role that may not act, a supervisor's approval that
failed, a list that is someone else's.
"""

from __future__ import annotations

import pytest

from tests.support.packing_floor import (  # noqa: F401 — fixtures
    MUG,
    PACKER,
    TOY,
    Floor,
    floor_fixture,
    module_store_fixture,
    start,
)
from warehouse_tui.services import packing
from warehouse_tui.services.counts import request_counts
from warehouse_tui.services.holds import hold_order
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.orders import cancel_order
from warehouse_tui.services.picking import release_stale_claims, scan_at_stop
from warehouse_tui.services.results import Refusal
from warehouse_tui.services.settings import set_setting
from warehouse_tui.services.shipping import load_parcel
from warehouse_tui.services.waves import pause_wave
from warehouse_tui.store.models import Order

SUPERVISOR = Actor(3, "DESK-1", "ExceptionsScreen")


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("TOTE-0099", Refusal.UNREADABLE),  # a tote label no tote has
        ("TOTE-", Refusal.UNREADABLE),  # not a tote label at all
        (MUG, Refusal.WRONG_SCAN),  # an item, where a pack is started
        ("ORD-777777", Refusal.UNREADABLE),
    ],
)
def test_a_pack_start_names_why_the_code_starts_nothing(
    floor: Floor, code: str, kind: Refusal
) -> None:
    result = packing.start_pack(floor.store, PACKER, code)
    assert not result.accepted and result.refusal is kind


def test_a_packed_order_and_an_intercept_are_refused_by_state(floor: Floor) -> None:
    order_id = floor.order({"MUG-1": 1}, tote="TOTE-0001")
    with floor.store.write() as session:
        session.get_one(Order, order_id).intercepted = True
    stopped = packing.start_pack(floor.store, PACKER, "TOTE-0001")
    assert stopped.refusal is Refusal.INTERCEPT and stopped.stop
    packed = floor.order({"TOY-1": 1}, tote="TOTE-0002", status="packed")
    refused = packing.start_pack(floor.store, PACKER, f"ORD-{packed}")
    assert refused.refusal is Refusal.WRONG_STATE


def test_verify_refusals_say_wrong_item_over_scan_and_double_trigger(floor: Floor) -> None:
    floor.order({"MUG-1": 1}, tote="TOTE-0001")
    floor.order({"TOY-1": 1}, tote="TOTE-0002")
    parcel_id = start(floor, "TOTE-0001")
    wrong = packing.verify_scan(floor.store, PACKER, parcel_id, TOY)
    assert wrong.refusal is Refusal.WRONG_SCAN
    assert packing.verify_scan(floor.store, PACKER, parcel_id, MUG).refusal is None
    over = packing.verify_scan(floor.store, PACKER, parcel_id, MUG)
    assert over.refusal is Refusal.QUANTITY
    bad_check_digit = packing.verify_scan(floor.store, PACKER, parcel_id, "4006381333932")
    assert bad_check_digit.refusal is Refusal.UNREADABLE
    unknown = packing.verify_scan(floor.store, PACKER, parcel_id, "5012345678900")
    assert unknown.refusal is Refusal.UNREADABLE
    typed = packing.enter_quantity(floor.store, PACKER, parcel_id, MUG, 0)
    assert typed.refusal is Refusal.QUANTITY


def test_a_double_trigger_is_its_own_kind(floor: Floor) -> None:
    floor.order({"MUG-1": 2}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    with floor.store.write() as session:
        set_setting(session, "duplicate_scan_window_ms", 5000)
    assert packing.verify_scan(floor.store, PACKER, parcel_id, MUG, 100.0).accepted
    again = packing.verify_scan(floor.store, PACKER, parcel_id, MUG, 100.1)
    assert again.refusal is Refusal.DOUBLE_TRIGGER and again.duplicate


def test_weighing_says_what_is_missing_and_a_weight_out_of_tolerance(floor: Floor) -> None:
    floor.order({"MUG-1": 1}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    no_box = packing.record_weight(floor.store, PACKER, parcel_id, 500)
    assert no_box.refusal is Refusal.INCOMPLETE
    assert packing.verify_scan(floor.store, PACKER, parcel_id, MUG).accepted
    assert packing.choose_box(floor.store, PACKER, parcel_id, "BOX-M1").accepted
    heavy = packing.record_weight(floor.store, PACKER, parcel_id, 9000)
    assert heavy.refusal is Refusal.MISMATCH and heavy.back_to_verify
    not_a_weight = packing.record_weight(floor.store, PACKER, parcel_id, float("nan"))
    assert not_a_weight.refusal is Refusal.BAD_INPUT
    approval = packing.typed_weight(floor.store, PACKER, parcel_id, 500, "OP-0", "0000")
    assert approval.refusal is Refusal.APPROVAL
    box = packing.choose_box(floor.store, PACKER, parcel_id, MUG)
    assert box.refusal is Refusal.WRONG_SCAN


def test_a_packer_may_not_do_a_supervisors_work(floor: Floor) -> None:
    assert pause_wave(floor.store, PACKER, 1).refusal is Refusal.ROLE
    assert request_counts(floor.store, PACKER, ["LOC-A01-01-1"]).refusal is Refusal.ROLE
    assert release_stale_claims(floor.store, PACKER).refusal is Refusal.ROLE


def test_a_pick_list_that_is_not_there_is_not_found(floor: Floor) -> None:
    result = scan_at_stop(floor.store, PACKER, 999_999, "LOC-A01-01-1")
    assert not result.accepted and result.refusal is Refusal.NOT_FOUND


def test_orders_refuse_by_role_missing_order_state_and_missing_reason(floor: Floor) -> None:
    packed = floor.order({"MUG-1": 1}, status="packed")
    assert cancel_order(floor.store, PACKER, f"ORD-{packed}").refusal is Refusal.ROLE
    assert cancel_order(floor.store, SUPERVISOR, "ORD-777777").refusal is Refusal.NOT_FOUND
    assert hold_order(floor.store, SUPERVISOR, f"ORD-{packed}", "").refusal is Refusal.BAD_INPUT
    in_a_wave = hold_order(floor.store, SUPERVISOR, f"ORD-{packed}", "address unclear")
    assert in_a_wave.refusal is Refusal.WRONG_STATE


def test_a_load_scan_names_an_unknown_carrier_a_wrong_label_and_an_open_parcel(
    floor: Floor,
) -> None:
    floor.order({"MUG-1": 1}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    assert load_parcel(floor.store, PACKER, "NOPE", f"PCL-{parcel_id}").refusal is Refusal.NOT_FOUND
    assert load_parcel(floor.store, PACKER, "DHL", "BOX-M1").refusal is Refusal.WRONG_SCAN
    still_open = load_parcel(floor.store, PACKER, "DHL", f"PCL-{parcel_id}")
    assert still_open.refusal is Refusal.WRONG_STATE
