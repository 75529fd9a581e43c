"""How the app names its own records in text: WAVE-12, PICK-40, RET-3, UNIT-7, LINE-5, TASK-9.

These are references, not labels: nothing scans them (domain/barcodes.format_label makes the
labels that are scanned). The journal's task_ref, the stock ledger's ref, the screens and the
reports write them, and a few read them back, so the form lives here once:
`Ref.WAVE.of(12)` is "WAVE-12", `Ref.WAVE.id_in("WAVE-12")` is 12.
"""

from __future__ import annotations

from enum import StrEnum


class Ref(StrEnum):
    """A kind of record, by the prefix of its reference."""

    WAVE = "WAVE"
    PICK = "PICK"  # a pick list
    RETURN = "RET"  # a buyer's return
    UNIT = "UNIT"  # a unit taken in on a return
    LINE = "LINE"  # a line of a supplier delivery
    TASK = "TASK"  # a floor task: a put-back or a count

    def of(self, record_id: int | None) -> str:
        """The reference of the record `record_id`. Ids are typed optional until a row is
        written; a reference to a row not yet written is a bug, not a text to show."""
        if record_id is None:
            raise ValueError(f"a {self.name.lower()} not yet written has no reference")
        return f"{self.value}-{record_id}"

    def id_in(self, ref: str) -> int | None:
        """The id a reference of this kind names, or None when `ref` is not one."""
        prefix, _dash, digits = ref.partition("-")
        if prefix != self.value or not (digits.isascii() and digits.isdigit()):
            return None
        return int(digits)
