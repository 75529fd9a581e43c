"""Our label prefixes are written in one module: nowhere else in the source builds "ORD-…",
"PCL-…", "TOTE-…" and the like by hand, so a label's form can change in one place."""

from __future__ import annotations

import re
from pathlib import Path

import warehouse_tui
from warehouse_tui.domain import barcodes

SOURCE = Path(warehouse_tui.__file__).parent
HOME = Path(barcodes.__file__)

# A string (an f-string, a message to translate) with one of our prefixes before a
# placeholder, or a prefix concatenated or %-formatted with a value.
HAND_WRITTEN = re.compile(
    r"""["'][^"'\n]*\b(?:LOC|TOTE|WALL|ORD|PCL|BOX|OP)-(?:\{|%[sd])"""
    r"""|["'](?:LOC|TOTE|WALL|ORD|PCL|BOX|OP)-["']\s*(?:\+|%)"""
)


def test_label_prefixes_are_formatted_only_in_domain_barcodes() -> None:
    found = [
        f"{path.relative_to(SOURCE)}:{number}: {line.strip()}"
        for path in sorted(SOURCE.rglob("*.py"))
        if path != HOME
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HAND_WRITTEN.search(line)
    ]
    assert found == [], "format these with domain.barcodes.format_label:\n" + "\n".join(found)


def test_the_guard_sees_a_hand_written_label() -> None:
    assert HAND_WRITTEN.search('task_ref=f"ORD-{order.id}"')
    assert HAND_WRITTEN.search("code = 'PCL-' + str(parcel_id)")
    assert HAND_WRITTEN.search('_("Wrong tote TOTE-{scanned} — this goes in {tote}")')
    assert not HAND_WRITTEN.search('text.removeprefix("LOC-")')
