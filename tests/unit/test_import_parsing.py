"""Import checks without a database: every kind of bad row, reported on its own file line."""

from __future__ import annotations

import json

from hypothesis import given, settings

from tests.support.import_files import good_order, jsonl, order_files
from warehouse_tui.services.importing import (
    FileFormat,
    ImportKind,
    RowError,
    check_records,
    csv_records,
    jsonl_records,
    newest_per_order,
    normalised_barcode,
)


def check(kind: ImportKind, text: str, fmt: FileFormat = FileFormat.JSONL):
    records = csv_records(text) if fmt is FileFormat.CSV else jsonl_records(text)
    return check_records(kind, records, from_csv=fmt is FileFormat.CSV, total=1)


def reasons(errors: list[RowError]) -> dict[int, str]:
    return {error.line: error.reason for error in errors}


# --- orders ------------------------------------------------------------------------------------


def test_a_good_order_is_read_with_its_fields_and_lines() -> None:
    order = good_order(
        7,
        version=3,
        buyer={"id": 881, "name": "Lena", "tags": ["vip", "gift"]},
        priority=2,
        ship_by="2024-05-06T17:00:00+02:00",
        service="EXPRESS",
        pack_instructions="Gift wrap",
        lines=[{"sku": "MUG-01", "qty": 2, "shop_line_id": 11, "unit_price_minor": 899}],
    )
    order["ship_to"]["phone"] = "+49 30 1"
    rows, errors = check(ImportKind.ORDERS, jsonl(order))
    assert errors == []
    [row] = rows
    assert (row.shop, row.shop_order_id, row.version.version) == ("WEB", "7", 3)
    fields = row.version.fields
    assert fields["buyer_id"] == "881" and fields["buyer_tags"] == ["vip", "gift"]
    assert fields["ship_by"].isoformat() == "2024-05-06T15:00:00+00:00"
    assert fields["ship_phone"] == "+49 30 1" and fields["ship_address2"] == ""
    [line] = row.version.lines
    assert (line.sku_code, line.qty, line.shop_line_id, line.unit_price_minor) == (
        "MUG-01",
        2,
        "11",
        899,
    )


def test_empty_values_are_the_audits_business_not_errors() -> None:
    order = good_order(carrier="", lines=[])
    order["ship_to"] = {key: "" for key in order["ship_to"]}
    rows, errors = check(ImportKind.ORDERS, jsonl(order))
    assert errors == [] and len(rows) == 1


def test_every_kind_of_bad_order_row_is_reported_on_its_line() -> None:
    missing_ship_to = good_order(2)
    del missing_ship_to["ship_to"]
    missing_city = good_order(3)
    del missing_city["ship_to"]["city"]
    text = jsonl(
        good_order(1),
        missing_ship_to,
        missing_city,
        good_order(4, lines=[{"sku": "A", "qty": "2"}]),
        good_order(5, lines=[{"sku": "A", "qty": 0}]),
        good_order(6, version=0),
        good_order(7, ship_by="tomorrow"),
        good_order(8, lines={"sku": "A"}),
        good_order(9, buyer={"tags": "vip"}, colour="red"),
        "{not json",
        "[1, 2]",
        good_order(12, shop=""),
        good_order(13, cancelled="yes"),
        good_order(14, ship_to="Berlin"),
        good_order(15, priority=True),
        good_order(16, ship_by="0001-01-01T00:00:00+01:00"),  # before the first UTC moment
    )
    rows, errors = check(ImportKind.ORDERS, text)
    found = reasons(errors)
    assert [row.shop_order_id for row in rows] == ["1"]
    assert sorted(found) == list(range(2, 17))
    assert "ship_to: missing" in found[2]
    assert "ship_to.city: missing" in found[3]
    assert "lines[0].qty: expected a whole number" in found[4]
    assert "lines[0].qty: must be at least 1" in found[5]
    assert "version: must be at least 1" in found[6]
    assert "ship_by" in found[7]
    assert "lines: expected a list" in found[8]
    assert "buyer.tags" in found[9] and "colour: unknown field" in found[9]
    assert "not valid JSON" in found[10]
    assert "expected a JSON object" in found[11]
    assert "shop: must not be empty" in found[12]
    assert "cancelled: expected true or false" in found[13]
    assert "ship_to: expected an object" in found[14]
    assert "priority: expected a whole number" in found[15]
    assert "ship_by: expected an ISO 8601 date and time" in found[16]


def test_blank_lines_count_but_are_not_records() -> None:
    text = "\n" + json.dumps(good_order(1)) + "\n\n   \n" + json.dumps(good_order(2, carrier=5))
    rows, errors = check(ImportKind.ORDERS, text)
    assert len(rows) == 1
    assert errors == [RowError(5, "carrier: expected text")]


def test_a_bare_cancellation_needs_only_its_key() -> None:
    rows, errors = check(
        ImportKind.ORDERS,
        jsonl({"shop": "WEB", "shop_order_id": "1", "version": 2, "cancelled": True}),
    )
    assert errors == []
    assert rows[0].version.cancelled and rows[0].version.lines == ()


def test_the_newest_version_in_a_file_wins_and_a_cancellation_keeps_its_content() -> None:
    rows, _ = check(
        ImportKind.ORDERS,
        jsonl(
            good_order(1, version=1),
            good_order(1, version=3, carrier="UPS"),
            good_order(1, version=2, carrier="GLS"),
            good_order(2, version=1),
            {"shop": "WEB", "shop_order_id": "2", "version": 2, "cancelled": True},
        ),
    )
    first, second = newest_per_order(rows)
    assert (first.version.version, first.version.fields["carrier"]) == (3, "UPS")
    assert second.version.cancelled and second.version.version == 2
    assert second.version.lines[0].sku_code == "MUG-01"


ORDER_CSV_HEADER = (
    "shop,shop_order_id,version,ship_name,ship_address1,ship_city,ship_postcode,"
    "ship_country,carrier,buyer_tags,sku,qty\n"
)


def test_csv_orders_are_grouped_one_row_per_line() -> None:
    text = (
        ORDER_CSV_HEADER
        + "WEB,1,1,Lena,Gartenweg 4,Berlin,10115,DE,DHL,vip|gift,MUG-01,2\n"
        + "WEB,2,1,Tom,Am Markt 1,Hamburg,20095,DE,DHL,,TEA,1\n"
        + "WEB,1,1,Lena,Gartenweg 4,Berlin,10115,DE,DHL,vip|gift,TEA,3\n"
    )
    rows, errors = check(ImportKind.ORDERS, text, FileFormat.CSV)
    assert errors == []
    first, second = rows
    assert [(line.sku_code, line.qty) for line in first.version.lines] == [
        ("MUG-01", 2),
        ("TEA", 3),
    ]
    assert first.version.fields["buyer_tags"] == ["vip", "gift"]
    assert second.line == 3


def test_csv_header_problems_are_line_one_and_stop_the_check() -> None:
    text = "shop,shop_order_id,colour\nWEB,1,red\n"
    rows, errors = check(ImportKind.ORDERS, text, FileFormat.CSV)
    [error] = errors
    assert rows == [] and error.line == 1
    assert "unknown column colour" in error.reason and "missing column carrier" in error.reason


def test_csv_rows_count_physical_lines_even_inside_quotes() -> None:
    text = (
        ORDER_CSV_HEADER
        + 'WEB,1,1,"Lena\nMüller",Gartenweg 4,Berlin,10115,DE,DHL,,MUG-01,2\n'
        + "WEB,2,1,Tom,Am Markt 1,Hamburg,20095,DE,DHL,,TEA,two\n"
        + "WEB,3,1,Tom\n"
    )
    rows, errors = check(ImportKind.ORDERS, text, FileFormat.CSV)
    assert rows[0].version.fields["ship_name"] == "Lena\nMüller"
    assert [error.line for error in errors] == [4, 5]
    assert "qty: expected a whole number" in errors[0].reason
    assert "expected 12 fields, found 4" in errors[1].reason


# --- catalog, locations, stock -----------------------------------------------------------------

CATALOG_HEADER = "sku,name,barcodes,weight_g,length_mm,width_mm,height_mm,serial_tracked\n"


def test_barcodes_are_normalised_to_gtin14_and_cases_count_their_units() -> None:
    text = CATALOG_HEADER + "MUG,Mug,4006381333931|14006381333938*12 MUG-BOX*6,350,1,2,3,yes\n"
    [row], errors = check(ImportKind.CATALOG, text, FileFormat.CSV)
    assert errors == []
    assert row.barcodes == (("04006381333931", 1), ("14006381333938", 12), ("MUG-BOX", 6))
    assert row.values["serial_tracked"] is True and row.values["batch_tracked"] is False
    assert normalised_barcode("96385074") == "00000096385074"  # EAN-8
    assert normalised_barcode("036000291452") == "00036000291452"  # UPC-A


def test_bad_catalog_rows() -> None:
    text = (
        CATALOG_HEADER
        + "A,Mug,4006381333932,350,1,2,3,\n"  # wrong check digit
        + "B,Mug,X*0 Y*z,350,1,2,3,\n"
        + "C,,,-5,1,2,3,maybe\n"
        + "D,Mug,4006381333931,1,1,1,1,\n"
        + "D,Mug again,4006381333931,1,1,1,1,\n"
    )
    rows, errors = check(ImportKind.CATALOG, text, FileFormat.CSV)
    found = reasons(errors)
    assert [row.values["code"] for row in rows] == ["D", "D"]
    assert "check digit is wrong" in found[2]
    assert "bad entry 'X*0'" in found[3] and "bad entry 'Y*z'" in found[3]
    assert "name: must not be empty" in found[4] and "weight_g: must be at least 0" in found[4]
    assert "serial_tracked: expected true or false" in found[4]
    assert "sku D is already on line 5" in found[6]
    assert "barcode 04006381333931 is already on line 5" in found[6]


def test_bad_location_and_stock_rows() -> None:
    locations = jsonl(
        {
            "code": "A01-01-1",
            "zone": "A",
            "block": 0,
            "aisle": 0,
            "position_m": 1.0,
            "bay": 1,
            "level": 1,
        },
        {
            "code": "LOC-A01-01-2",
            "zone": "A",
            "block": 0,
            "aisle": 0,
            "position_m": "far",
            "bay": 1,
            "level": 1,
            "pickable": False,
        },
    )
    _, errors = check(ImportKind.LOCATIONS, locations)
    found = reasons(errors)
    assert "code: expected LOC-" in found[1] and "position_m: expected a number" in found[2]
    stock = "location,sku,qty,expiry,received_at\nLOC-A,MUG,0,2024-13-01,yesterday\n"
    _, errors = check(ImportKind.STOCK, stock, FileFormat.CSV)
    [error] = errors
    assert error.line == 2
    for problem in (
        "qty: must be at least 1",
        "expiry: expected a date",
        "received_at: expected an ISO 8601",
    ):
        assert problem in error.reason


# --- generated bad rows ------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(order_files())
def test_generated_bad_rows_are_reported_on_exactly_their_lines(file: tuple[str, set[int]]) -> None:
    text, bad = file
    rows, errors = check(ImportKind.ORDERS, text)
    assert {error.line for error in errors} == bad
    assert len(errors) == len(bad)
    assert len(rows) == len(text.split("\n")) - text.split("\n").count("") - len(bad)
