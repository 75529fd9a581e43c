"""How a keyboard-wedge scanner's burst looks, as the `wedge_burst` setting says."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WedgeBurst:
    """At least `min_length` keys, none more than `max_key_interval_ms` apart: a scanner types
    faster than any person. The defaults hold until a station has read the setting, so a badge
    scanned the moment the log-in shows is judged as a scan."""

    min_length: int = 8
    max_key_interval_ms: int = 35
