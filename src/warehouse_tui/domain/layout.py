"""The parallel-aisle warehouse as the router sees it.

Aisle i runs at x = i × aisle_spacing from the front cross-aisle (position 0) to the back
cross-aisle (position aisle_length). Middle cross-aisles cut every aisle at the same positions,
splitting the floor into blocks. The depot is at position 0 of the depot aisle. Travel is along
aisles and cross-aisles only; their widths are ignored.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

from warehouse_tui.i18n import _


class PickPoint(NamedTuple):
    """A place to stop: an aisle (0-based) and a position along it, in metres from the front."""

    aisle: int
    position: float


@dataclass(frozen=True)
class Layout:
    aisles: int
    aisle_length: float
    aisle_spacing: float
    depot_aisle: int = 0
    cross_aisles: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.aisles < 1:
            raise ValueError(_("a layout needs at least one aisle"))
        if self.aisle_length <= 0 or self.aisle_spacing <= 0:
            raise ValueError(_("aisle length and aisle spacing must be positive"))
        if not 0 <= self.depot_aisle < self.aisles:
            raise ValueError(
                _("depot aisle {aisle} is not one of the aisles 0..{last}").format(
                    aisle=self.depot_aisle, last=self.aisles - 1
                )
            )
        for position in self.cross_aisles:
            if not 0 < position < self.aisle_length:
                raise ValueError(
                    _(
                        "cross-aisle at {position} m is not strictly between 0 and {length} m"
                    ).format(position=position, length=self.aisle_length)
                )
        if len(set(self.cross_aisles)) != len(self.cross_aisles):
            raise ValueError(_("two cross-aisles at the same position"))
        object.__setattr__(self, "cross_aisles", tuple(sorted(self.cross_aisles)))

    @cached_property
    def cross_positions(self) -> tuple[float, ...]:
        """Every cross-aisle, front and back included, front to back."""
        return (0.0, *self.cross_aisles, float(self.aisle_length))

    @property
    def blocks(self) -> int:
        return len(self.cross_aisles) + 1

    @property
    def depot(self) -> PickPoint:
        return PickPoint(self.depot_aisle, 0.0)

    def block_of(self, position: float) -> int:
        """The block (0 = front) holding `position`; a point on a middle cross-aisle belongs to
        the block behind it."""
        index = bisect_left(self.cross_aisles, position)
        if index < len(self.cross_aisles) and self.cross_aisles[index] == position:
            return index + 1
        return index

    def check_point(self, point: PickPoint) -> None:
        if not 0 <= point.aisle < self.aisles:
            raise ValueError(
                _("aisle {aisle} is outside the layout (aisles 0..{last})").format(
                    aisle=point.aisle, last=self.aisles - 1
                )
            )
        if not 0 <= point.position <= self.aisle_length:
            raise ValueError(
                _("position {position} m is outside the aisle (0..{length} m)").format(
                    position=point.position, length=self.aisle_length
                )
            )

    def distance(self, a: PickPoint, b: PickPoint) -> float:
        """Shortest walk between two points.

        In one aisle it is the straight line. Between aisles the walk leaves one aisle by a
        cross-aisle and enters the other by the same one: a detour through a second cross-aisle
        never helps, since its vertical legs are at least those of the single one it ends on.
        """
        if a.aisle == b.aisle:
            return abs(a.position - b.position)
        low, high = sorted((a.position, b.position))
        across = abs(a.aisle - b.aisle) * self.aisle_spacing
        crosses = self.cross_positions
        index = bisect_left(crosses, low)
        if index < len(crosses) and crosses[index] <= high:
            return across + high - low
        best = float("inf")
        if index > 0:
            best = low - crosses[index - 1]
        if index < len(crosses):
            best = min(best, crosses[index] - high)
        return across + high - low + 2 * best
