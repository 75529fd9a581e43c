"""Every row survives an upgrade: a database at the first revision, with rows, taken to head."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import text

from warehouse_tui.store.engine import Store
from warehouse_tui.store.migrate import MIGRATIONS, current_revision, head_revision, upgrade


def _first_revision() -> str:
    revisions = list(ScriptDirectory(str(MIGRATIONS)).walk_revisions())
    return revisions[-1].revision


def test_rows_survive_upgrade_to_head(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = Store(str(tmp_path / "old.db"))
    upgrade(store, _first_revision())
    assert current_revision(store) == _first_revision()
    with store.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO sku (id, code, name, weight_g, length_mm, width_mm, height_mm,"
                " serial_tracked, batch_tracked, typed_qty_allowed)"
                " VALUES (1, 'SKU-1', 'Mug', 350, 1, 1, 1, 0, 0, 0)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO barcode (id, code, sku_id, quantity)"
                " VALUES (1, '04006381333931', 1, 1)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO orders (id, shop, shop_order_id, shop_version, buyer_id, buyer_name,"
                " buyer_tags, ship_name, ship_address1, ship_address2, ship_city, ship_region,"
                " ship_postcode, ship_country, ship_phone, carrier, service, priority, status,"
                " hold_reason, no_merge, pack_instructions, intercepted, imported_at, updated_at)"
                " VALUES (1, 'web', '1001', 1, 'b1', 'Bo', '[\"vip\"]', 'Bo', 'Main 1', '', 'Oslo',"
                " '', '0150', 'NO', '', 'SF', '', 0, 'ready', '', 0, '', 0,"
                " '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO orderline (id, order_id, shop_line_id, sku_code, sku_id, qty,"
                " unit_price_minor, picked, packed) VALUES (1, 1, 'l1', 'SKU-1', 1, 2, 1299, 0, 0)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO parcel (id, order_id, status, carrier, service, station,"
                " created_at) VALUES (1, 1, 'closed', 'SF', '', 'PACK-1', '2026-01-01 00:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO parcelline (id, parcel_id, order_line_id, qty, serials, batches)"
                " VALUES (1, 1, 1, 2, '[\"SN-1\", \"SN-2\"]', '[]')"
            )
        )
    upgrade(store)
    assert current_revision(store) == head_revision()
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM orderline")).scalar() == 1
        assert connection.execute(text("SELECT status FROM orders")).scalar() == "ready"
        assert connection.execute(text("SELECT code FROM barcode")).scalar() == "04006381333931"
        assert connection.execute(text("PRAGMA foreign_key_check")).fetchall() == []
        serials = connection.execute(text("SELECT sku_id, serial, parcel_id FROM packedserial"))
        assert serials.fetchall() == [(1, "SN-1", 1), (1, "SN-2", 1)]  # filled from the parcel
    store.dispose()


def test_two_terminals_upgrading_at_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Two processes start on a new database together: one upgrades, neither fails. Several
    rounds, since the race (both switching a new file to WAL) is lost only now and then."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        for round_ in range(8):
            path = str(tmp_path / f"race-{round_}.db")
            pool.map(_upgrade_in_child, [path, path])
            assert current_revision(Store(path)) == head_revision()


def _upgrade_in_child(path: str) -> None:
    upgrade(Store(path))


def test_the_migrations_build_exactly_the_models_schema(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """What the migrations create is what the models declare: nothing missing, nothing extra."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext as Context
    from sqlmodel import SQLModel

    import warehouse_tui.store.models  # noqa: F401 — registers the tables

    store = Store(str(tmp_path / "head.db"))
    upgrade(store)
    with store.engine.connect() as connection:
        differences = compare_metadata(Context.configure(connection), SQLModel.metadata)
    store.dispose()
    assert differences == []
