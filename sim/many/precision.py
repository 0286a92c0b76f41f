"""Replications to a precision: add paired runs in batches until every interval is narrow enough.

A fixed replication count is either wasteful (the interval was narrow after
five runs) or too small (it is still wider than the effect after ten). Law &
Kelton's sequential procedure (*Simulation Modeling and Analysis*, §9.4.1)
instead runs until the half-width of every outcome's 95% t interval is at most
a target: **relative** to the reference level (``|base mean|`` of a
comparison, ``|mean|`` of a sweep point), or **absolute** in the outcome's
units. After each batch the replications still needed are estimated from the
half-widths so far (the half-width shrinks as 1/sqrt(n)), capped at twice
the current count per batch, so that a noisy early estimate does not launch
hundreds of runs, and at the maximum the user gives.

Replication ``r`` always has the seed ``run_seed(seed, r)``: batch k continues
the fixed seed sequence, so the runs of a precision-driven comparison that
stopped at n replications are exactly those of a fixed one with ``--reps n``,
and common random numbers pair them as usual.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Precision:
    """The half-width to reach (a share of the reference level, or ``absolute`` units) and the cap on replications."""

    target: float
    absolute: bool = False
    max_replications: int = 100

    def __post_init__(self) -> None:
        if not self.target > 0:
            raise ValueError(f"a precision above 0, found {self.target}")

    def describe(self) -> dict:
        return {"target": self.target, "absolute": self.absolute, "max_replications": self.max_replications}

    def reached(self, table: pd.DataFrame, reference: str) -> pd.Series:
        """The half-width of each row's interval, divided by ``|reference|`` unless absolute (inf when undefined)."""
        half = (table["ci_high"] - table["ci_low"]) / 2
        if not self.absolute:
            level = table[reference].abs()
            half = half.where(half == 0, half / level.where(level > 0, np.nan))
        return half.astype(float).fillna(math.inf)

    def annotate(self, table: pd.DataFrame, reference: str) -> pd.DataFrame:
        """The table with the precision reached, its target and whether it was met, per row."""
        reached = self.reached(table, reference)
        return table.assign(
            precision=reached.replace(math.inf, np.nan),
            precision_target=self.target,
            precision_absolute=self.absolute,
            precision_met=reached <= self.target,
        )

    def next_replications(self, table: pd.DataFrame, reference: str, done: int) -> int | None:
        """Replications to have after the next batch, or None when every row is precise enough or the cap is hit."""
        reached = self.reached(table, reference)
        if (reached <= self.target).all() or done >= self.max_replications:
            return None
        finite = reached[np.isfinite(reached)]
        wanted = math.ceil(done * float((finite / self.target).max()) ** 2) if len(finite) else 2 * done
        return min(self.max_replications, max(done + 1, min(2 * done, wanted)))
