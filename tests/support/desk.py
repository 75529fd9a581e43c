"""What another terminal commits in the board's tests: a released wave, then an order of it, as
plain SQL a second process (or the test itself) runs without the ORM."""

from __future__ import annotations

NEW_WAVE = "INSERT INTO wave (status, strategy, rules, walk_m, created_at) VALUES " + (
    "('released', 'batch', '{}', 0, CURRENT_TIMESTAMP)"
)

NEW_ORDER = (
    "INSERT INTO orders (shop, shop_order_id, shop_version, buyer_id, buyer_name, buyer_tags,"
    " ship_name, ship_address1, ship_address2, ship_city, ship_region, ship_postcode,"
    " ship_country, ship_phone, carrier, service, priority, status, hold_reason, no_merge,"
    " pack_instructions, wave_id, intercepted, imported_at, updated_at)"
    " SELECT 'web', 'X-1', 1, '', '', '[]', '', '', '', '', '', '', '', '', '', '', 0,"
    " 'released', '', false, '', max(id), false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM wave"
)
