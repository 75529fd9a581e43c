"""Our label prefixes are written in one module, and our records' reference prefixes in
another: nowhere else in the source builds "ORD-…", "PCL-…", "TOTE-…" or "WAVE-…", "PICK-…"
and the like by hand, so a label's or a reference's form can change in one place."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import warehouse_tui
from warehouse_tui.domain import barcodes, refs
from warehouse_tui.domain.refs import Ref

SOURCE = Path(warehouse_tui.__file__).parent
HOME = Path(barcodes.__file__)
REFS_HOME = Path(refs.__file__)

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


HAND_WRITTEN_REF = re.compile(
    r"""["'][^"'\n]*\b(?:WAVE|PICK|RET|UNIT|LINE|TASK)-(?:\{|%[sd])"""
    r"""|["'](?:WAVE|PICK|RET|UNIT|LINE|TASK)-["']\s*(?:\+|%)"""
)


def test_reference_prefixes_are_written_only_in_domain_refs() -> None:
    found = [
        f"{path.relative_to(SOURCE)}:{number}: {line.strip()}"
        for path in sorted(SOURCE.rglob("*.py"))
        if path != REFS_HOME
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HAND_WRITTEN_REF.search(line)
    ]
    assert found == [], "write these with domain.refs.Ref:\n" + "\n".join(found)


def test_the_guard_sees_a_hand_written_reference() -> None:
    assert HAND_WRITTEN_REF.search('task_ref=f"PICK-{task.id}"')
    assert HAND_WRITTEN_REF.search('_("Cancel WAVE-{wave}? Press F3 again")')
    assert not HAND_WRITTEN_REF.search('("RET-1", "returns", None)')


def test_a_reference_reads_back_its_id_and_nothing_else() -> None:
    assert Ref.WAVE.of(12) == "WAVE-12"
    assert Ref.RETURN.id_in(Ref.RETURN.of(3)) == 3
    assert Ref.RETURN.id_in("WAVE-3") is None
    assert Ref.TASK.id_in("TASK-") is None
    assert Ref.TASK.id_in("TASK-٣") is None  # a digit, but not one a reference is written with
    assert Ref.LINE.id_in("LINE-7x") is None


def test_a_record_not_yet_written_has_no_reference() -> None:
    with pytest.raises(ValueError, match="unit not yet written"):
        Ref.UNIT.of(None)
