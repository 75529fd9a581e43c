"""ZPL labels, checked by parsing their fields back (there is no offline ZPL renderer)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.zpl import ZplLabel, ZplSyntaxError, parse_zpl_fields, parse_zpl_labels
from warehouse_tui.devices.labels import (
    CODE128_QUIET_MODULES,
    DEFAULT_CJK_FONT,
    LabelError,
    LabelSize,
    LabelSpec,
    ShippingLabel,
    code128_modules,
    printable_text,
    zpl_label,
    zpl_labels,
    zpl_shipping_label,
)

OWN_LABELS = [
    LabelSpec("LOC-A03-12-2", "A03-12-2", "Zone A"),
    LabelSpec("TOTE-0042", "Tote 42"),
    LabelSpec("WALL-1-07", "Wall 1 slot 07"),
    LabelSpec("ORD-10023", "Order 10023"),
    LabelSpec("BOX-M2", "Box M2", "30 x 20 x 15 cm"),
    LabelSpec("OP-0007", "张伟", "主管"),
]

CHINESE_PARCEL = ShippingLabel(
    order_code="ORD-10023",
    tracking_number="SF1234567890123",
    carrier="SF Express",
    service="标准快递",
    weight_kg=1.25,
    ship_to_name="张伟",
    address_lines=("广东省深圳市南山区科技园", "深南大道10000号 腾讯大厦 3楼"),
    city="深圳",
    postcode="518057",
    country="中国",
    phone="+86 138 0013 8000",
    parcel_code="PCL-5531",
    parcel_number=1,
    parcel_count=2,
)

# What ^BC field data may hold: printable ASCII except the ZPL prefixes and the ^BC invocation >.
barcode_data = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E, exclude_characters="^~>"),
    min_size=1,
    max_size=25,
)


def only_label(zpl: str) -> ZplLabel:
    labels = parse_zpl_labels(zpl)
    assert len(labels) == 1
    return labels[0]


def barcodes(label: ZplLabel) -> list[str]:
    return [item.data for item in label.fields if item.barcode == "BC"]


def texts(label: ZplLabel) -> list[str]:
    return [item.data for item in label.fields if item.barcode is None]


def assert_barcodes_fit(label: ZplLabel) -> None:
    """Every symbol, with its quiet zones, lies inside the print width."""
    assert label.print_width is not None
    for item in label.fields:
        if item.barcode == "BC":
            assert item.module_width is not None
            quiet = CODE128_QUIET_MODULES * item.module_width
            right = item.x + code128_modules(item.data) * item.module_width
            assert item.x >= quiet
            assert right + quiet <= label.print_width


@pytest.mark.parametrize(("size", "width", "length"), [("2x1", 406, 203), ("4x6", 812, 1218)])
@pytest.mark.parametrize("spec", OWN_LABELS, ids=lambda spec: spec.code)
def test_own_label_barcode_title_and_size(
    spec: LabelSpec, size: LabelSize, width: int, length: int
) -> None:
    zpl = zpl_label(spec, size)
    label = only_label(zpl)

    assert label.commands[0] == "^XA" and label.commands[-1] == "^XZ"
    assert label.charset == 28
    assert (label.print_width, label.label_length) == (width, length)
    assert barcodes(label) == [spec.code]
    [symbol] = [item for item in label.fields if item.barcode == "BC"]
    assert symbol.interpretation_line
    assert spec.title in texts(label)
    assert (spec.subtitle in texts(label)) == bool(spec.subtitle)
    assert_barcodes_fit(label)
    for item in label.fields:
        assert item.y + (item.font_height or item.barcode_height or 0) <= length


def test_text_font_is_builtin_for_ascii_and_cjk_font_otherwise() -> None:
    label = only_label(zpl_label(LabelSpec("OP-0007", "张伟", "Supervisor"), font="E:MYCJK.TTF"))
    fonts = {item.data: item.font for item in label.fields if item.barcode is None}
    assert fonts == {"张伟": "E:MYCJK.TTF", "Supervisor": "0"}


def test_labels_are_concatenated_formats() -> None:
    zpl = zpl_labels(OWN_LABELS, "2x1")
    assert zpl.count("^XA") == zpl.count("^XZ") == len(OWN_LABELS)
    assert [barcodes(label) for label in parse_zpl_labels(zpl)] == [
        [spec.code] for spec in OWN_LABELS
    ]


def test_field_commands_in_text_are_escaped() -> None:
    hostile = "^XZ^XA^FDboom~JA _5E \\& end"
    zpl = zpl_label(LabelSpec("TOTE-0001", hostile, "tab\there"))
    label = only_label(zpl)
    assert hostile in texts(label)
    assert "tab here" in texts(label)
    assert "~JA" not in zpl and "^FDboom" not in zpl


@given(title=st.text(max_size=60), subtitle=st.text(max_size=30))
def test_any_text_reads_back_as_printed(title: str, subtitle: str) -> None:
    label = only_label(zpl_label(LabelSpec("TOTE-0001", title, subtitle), "4x6"))
    read_back = texts(label)
    assert read_back[0] == printable_text(title)
    if subtitle:
        assert read_back[1] == printable_text(subtitle)
    assert barcodes(label) == ["TOTE-0001"]


@given(code=barcode_data)
def test_any_code128_data_is_the_barcode_data(code: str) -> None:
    label = only_label(zpl_label(LabelSpec(code, "x"), "2x1"))
    assert barcodes(label) == [code]
    assert_barcodes_fit(label)


@pytest.mark.parametrize("code", ["", "LOC^A", "TOTE~1", "ORD>10", "OP-\t7", "ORD-１"])
def test_codes_code128_cannot_carry_are_refused(code: str) -> None:
    with pytest.raises(LabelError):
        zpl_label(LabelSpec(code, "x"))


def test_unknown_label_size_is_refused() -> None:
    with pytest.raises(LabelError, match="3x2"):
        zpl_label(OWN_LABELS[0], "3x2")  # type: ignore[arg-type]


def test_code_too_long_for_the_label_is_refused() -> None:
    with pytest.raises(LabelError, match="too long"):
        zpl_label(LabelSpec("LOC-" + "A" * 40, "x"), "2x1")


def test_shipping_label_with_chinese_address() -> None:
    zpl = zpl_shipping_label(CHINESE_PARCEL)
    label = only_label(zpl)

    assert label.charset == 28
    assert (label.print_width, label.label_length) == (812, 1218)
    assert sorted(barcodes(label)) == sorted(["ORD-10023", "PCL-5531", "SF1234567890123"])
    assert_barcodes_fit(label)
    printed = texts(label)
    for line in (
        "张伟",
        "+86 138 0013 8000",
        *CHINESE_PARCEL.address_lines,
        "深圳 518057",
        "中国",
        "SF Express",
        "标准快递",
        "WEIGHT 1.250 kg",
        "PARCEL 1/2",
    ):
        assert line in printed
    for item in label.fields:
        if item.barcode is None:
            assert item.font == ("0" if item.data.isascii() else DEFAULT_CJK_FONT)
    assert "REPRINT" not in printed


def test_tracking_number_is_the_largest_barcode() -> None:
    label = only_label(zpl_shipping_label(CHINESE_PARCEL))
    symbols = [item for item in label.fields if item.barcode == "BC"]
    largest = max(symbols, key=lambda item: (item.module_width or 0) * (item.barcode_height or 0))
    assert largest.data == CHINESE_PARCEL.tracking_number
    assert largest.interpretation_line
    assert largest.y + (largest.barcode_height or 0) < 1218


def test_reprint_marker_and_configured_font() -> None:
    parcel = ShippingLabel(**{**CHINESE_PARCEL.__dict__, "reprint": True, "parcel_code": ""})
    label = only_label(zpl_shipping_label(parcel, font="E:ANMDS.TTF"))
    [marker] = [item for item in label.fields if item.data == "REPRINT"]
    assert marker.reverse
    assert barcodes(label) == ["ORD-10023", "SF1234567890123"]
    assert {item.font for item in label.fields if item.data == "张伟"} == {"E:ANMDS.TTF"}


def test_shipping_label_escapes_address_fields() -> None:
    parcel = ShippingLabel(
        **{**CHINESE_PARCEL.__dict__, "address_lines": ("Flat 2^XZ ~JA", "back\\slash_")}
    )
    label = only_label(zpl_shipping_label(parcel))
    assert {"Flat 2^XZ ~JA", "back\\slash_"} <= set(texts(label))


def test_address_too_long_for_the_label_is_refused() -> None:
    parcel = ShippingLabel(**{**CHINESE_PARCEL.__dict__, "address_lines": ("路" * 60,) * 6})
    with pytest.raises(LabelError, match="too long"):
        zpl_shipping_label(parcel)


def test_long_address_shrinks_to_fit() -> None:
    parcel = ShippingLabel(**{**CHINESE_PARCEL.__dict__, "address_lines": ("路" * 30,) * 5})
    label = only_label(zpl_shipping_label(parcel))
    heights = {item.font_height or 0 for item in label.fields if item.data == "路" * 30}
    assert heights and max(heights) < 40


@pytest.mark.parametrize(
    "zpl",
    ["^XA^FO1,1^FDx^FS", "^XZ", "^XA^XA^XZ^XZ", "^FDoutside^FS", "junk^XA^XZ"],
)
def test_unbalanced_or_stray_zpl_is_refused(zpl: str) -> None:
    with pytest.raises(ZplSyntaxError):
        parse_zpl_labels(zpl)


def test_parser_reads_hex_escapes_line_breaks_and_tilde_commands() -> None:
    zpl = "~HS\r\n^XA^CI28\n^FO10,20^A0N,30,30^FH^FDa_5Eb_E4_B8_AD^FS\n^XZ~JA"
    [item] = parse_zpl_fields(zpl)
    assert (item.x, item.y, item.font, item.font_height, item.data) == (10, 20, "0", 30, "a^b中")


@given(st.text())
def test_parser_is_total(zpl: str) -> None:
    try:
        labels = parse_zpl_labels(zpl)
    except ZplSyntaxError:
        return
    assert all(label.commands[-1] == "^XZ" for label in labels)


def test_shipping_label_prints_ship_date_and_sender_only_when_given() -> None:
    bare = [field.data for field in parse_zpl_fields(zpl_shipping_label(CHINESE_PARCEL))]
    assert [data for data in bare if data.startswith(("SHIP", "FROM"))] == ["SHIP TO"]
    parcel = ShippingLabel(
        **{
            **CHINESE_PARCEL.__dict__,
            "ship_date": "2026-12-05",
            "sender": ("花茶铺", "", "上海市 200000", "\x1bCN"),
        }
    )
    data = [field.data for field in parse_zpl_fields(zpl_shipping_label(parcel))]
    assert "SHIP 2026-12-05" in data
    assert "FROM / RETURN TO: 花茶铺, 上海市 200000, CN" in data
