"""One measured figure, the raw limit it is compared with, and its target.

Every measure of the suite returns ``Result`` rows; the report and the JSON
file are rendered from them, so a figure, its raw limit and the verdict always
come from the same run.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Kind = Literal["ratio_at_least", "at_least", "at_most"]


@dataclass(frozen=True, slots=True)
class Target:
    """What the issue asks of a figure: a ratio to raw, a floor or a ceiling."""

    kind: Kind
    bound: float
    text: str  # as written in the table, e.g. ">= 0.8x raw"

    def check(self, value: float, ratio: float | None) -> tuple[bool, str]:
        """(met?, by how much) for ``value`` (and its ratio to raw, if any)."""
        if self.kind == "ratio_at_least":
            if ratio is None:
                return False, "no raw figure"
            return _floor(ratio, self.bound)
        if self.kind == "at_least":
            return _floor(value, self.bound)
        return _ceiling(value, self.bound)


def _floor(got: float, bound: float) -> tuple[bool, str]:
    if got >= bound:
        return True, f"met ({got / bound:.2f}x the target)"
    short = bound / got if got > 0 else math.inf
    return False, f"missed: {got / bound:.2f}x the target ({short:.1f}x short)"


def _ceiling(got: float, bound: float) -> tuple[bool, str]:
    if got <= bound:
        return True, f"met ({got / bound:.2f}x the limit)"
    return False, f"missed: {got / bound:.1f}x the limit"


@dataclass(slots=True)
class Result:
    """A figure of one measure on one backend, with what it is compared against."""

    measure: str  # key of the measure (appends, import, rebuild, ...)
    name: str  # what was measured, e.g. "rebuild queue_view"
    backend: str  # sqlite | postgres
    value: float
    unit: str
    raw: float | None = None  # the raw driver's figure from the same run
    raw_what: str = ""
    target: Target | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.raw is None or self.raw == 0:
            return None
        return self.value / self.raw

    def verdict(self) -> tuple[bool | None, str]:
        """(met?, by how much); (None, "") when the issue sets no target here."""
        if self.target is None:
            return None, ""
        return self.target.check(self.value, self.ratio)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Result:
        """A result read back from benchmarks.json (to re-render the report)."""
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        target = data.get("target")
        fields["target"] = Target(**target) if target else None
        return cls(**fields)

    def as_json(self) -> dict[str, Any]:
        met, how = self.verdict()
        data = asdict(self)
        data["ratio"] = self.ratio
        data["target"] = asdict(self.target) if self.target else None
        data["met"] = met
        data["verdict"] = how
        return data


class SkippedError(RuntimeError):
    """A measure that cannot run here (e.g. a missing tool); the report says why."""


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list of samples."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]
