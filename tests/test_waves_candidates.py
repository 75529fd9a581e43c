"""A wave's candidates come out of SQL most urgent first — the deadline (ship-by, else today's
cut-off of the carrier service), then priority, then first imported — merged from one stream per
carrier service, one of orders with a ship-by, the merge groups, and last the orders with no
deadline (both databases); and on SQLite every query on the orders reads through an index in its
order, so a wave reads about its own orders however many wait."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import event, update
from sqlmodel import select

from tests.support.waves_floor import add_carrier, add_order, stocked_floor
from warehouse_tui.services.waves import WaveRules, plan_wave
from warehouse_tui.services.waves.candidates import candidate_units
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Carrier, CarrierService, OrderLine, OrderStatus

READY = OrderStatus.READY


def _floor(store: Store) -> dict[str, tuple[datetime | None, int]]:
    """Ready orders of every kind; shop order id → (deadline, priority), None: no deadline."""
    today = datetime.now(UTC).date()  # the warehouse's time zone is UTC by default
    early, late = datetime.combine(today, time(9), UTC), datetime.combine(today, time(17), UTC)
    with store.write() as session:
        sku = stocked_floor(session)[0]
        add_carrier(session, "UPS")
        add_carrier(session, "GLS")  # its service has no cut-off
        services = {s.carrier_id: s for s in session.exec(select(CarrierService))}
        for carrier in session.exec(select(Carrier)):
            services[carrier.id].cutoff_local = {"DHL": "09:00", "UPS": "17:00"}.get(
                carrier.code, ""
            )
        kinds = [
            ("DHL", None, 0, None),
            ("DHL", None, 3, None),
            ("UPS", None, 1, None),
            ("UPS", None, 1, None),
            ("GLS", None, 9, None),
            ("GLS", None, 0, None),
            ("GLS", early - timedelta(hours=1), 0, None),
            ("UPS", late - timedelta(minutes=1), 0, None),
            ("DHL", early, 5, None),
            ("GLS", None, 2, "M1"),
            ("GLS", None, 2, "M1"),
            ("UPS", None, 4, "M2"),
            ("GLS", late + timedelta(hours=1), 0, "M2"),
        ]
        expected = {}
        for number, (carrier, ship_by, priority, group) in enumerate(kinds):
            add_order(
                session,
                number,
                [("SKU-1", 1)],
                status=READY,
                carrier=carrier,
                ship_by=ship_by,
                priority=priority,
                merge_group=group,
            )
            cutoff = {"DHL": early, "UPS": late}.get(carrier)
            expected[str(number)] = (ship_by or cutoff, priority)
        session.execute(update(OrderLine).values(sku_id=sku.id))  # seeded ready: no audit ran
    return expected


def test_candidates_come_most_urgent_first(store: Store) -> None:
    expected = _floor(store)
    far = datetime.max.replace(tzinfo=UTC)
    units: dict[str, list[str]] = {}
    for number, group in ((9, "M1"), (10, "M1"), (11, "M2"), (12, "M2")):
        units.setdefault(group, []).append(str(number))
    alone = [[number] for number in expected if int(number) < 9]

    def urgency(unit: list[str]) -> tuple[datetime, int, int]:
        deadline = min(expected[n][0] or far for n in unit)
        return deadline, -max(expected[n][1] for n in unit), min(int(n) for n in unit)

    wanted = sorted([*alone, *units.values()], key=urgency)
    with store.read() as session:
        ids = {order_id: str(order_id - 1) for order_id in range(1, 14)}
        got = [
            sorted(ids[order_id] for order_id in unit.order_ids)
            for unit in candidate_units(session, WaveRules())
        ]
    assert got == [sorted(unit) for unit in wanted]


def test_on_sqlite_the_orders_are_read_through_indexes_in_order(sqlite_store: Store) -> None:
    _floor(sqlite_store)
    queries: list[tuple[str, object]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().startswith("SELECT") and "FROM orders" in statement:
            queries.append((statement, parameters))

    event.listen(sqlite_store.engine, "before_cursor_execute", seen)
    with sqlite_store.read() as session:
        plan = plan_wave(session, WaveRules(max_orders=3))
    event.remove(sqlite_store.engine, "before_cursor_execute", seen)
    assert len(plan.order_ids) == 3
    streams = [query for query in queries if "ORDER BY" in query[0]]
    assert len(streams) >= 3  # a stream per carrier service with a cut-off, one of ship-bys
    with sqlite_store.engine.connect() as connection:
        for statement, parameters in queries:
            steps = [
                row[3]
                for row in connection.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {statement}",
                    parameters,  # type: ignore[arg-type]
                )
            ]
            assert not any(step.startswith("SCAN orders") for step in steps), (statement, steps)
            assert not any("TEMP B-TREE" in step for step in steps), (statement, steps)
