"""Named flow counters and the optional event log, shared by all mechanisms.

Mechanisms count what happened (meetings held, punishments issued...) into a
:class:`Tally`; the recorder reads and resets it at every time-series row, so
each flow column is "count since the previous row". Names are declared up
front so that every column exists, with zeros, even when its mechanism is off.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


class Tally:
    """Flow counters since the last time-series row."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        #: Every name with a zero, in the order declared: what :meth:`take` starts counting from again (a copy
        #: of it costs a sixth of building it anew at every row).
        self._zeros: dict[str, int] = {}

    def declare(self, names: list[str] | tuple[str, ...]) -> None:
        """Make these columns exist (with zeros) from the first row on."""
        for name in names:
            self._counts.setdefault(name, 0)
            self._zeros.setdefault(name, 0)

    def add(self, name: str, value: int | np.integer = 1) -> None:
        self._counts[name] += int(value)

    def add_all(self, counts: Iterable[tuple[str, int]]) -> None:
        """Add each (name, count): one call for the several flows a step counts together."""
        for name, value in counts:
            self._counts[name] += value

    def names(self) -> list[str]:
        return list(self._counts)

    def take(self) -> dict[str, int]:
        """The counts since the last call, by name in the order declared; counting starts again from zeros."""
        taken = self._counts
        self._counts = self._zeros.copy()
        return taken


#: Columns of the event log and their types (with or without rows): day as int32, ids as int64.
EVENT_DTYPES = {
    "day": np.int32,
    "kind": object,
    "member": np.int64,
    "org": np.int64,
    "cause": object,
    "level": object,
    "value": np.float64,
}


class EventLog:
    """Per-event rows for audits (``--events``): who, where, what, why, when.

    Rows are appended as whole arrays per call (one call per mechanism step),
    never one Python call per member.
    """

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._chunks: list[dict[str, np.ndarray]] = []

    def log(
        self,
        day: int,
        kind: str,
        members: np.ndarray | None = None,
        orgs: np.ndarray | None = None,
        cause: str | np.ndarray = "",
        level: str | np.ndarray = "",
        value: np.ndarray | float | None = None,
    ) -> None:
        if not self.enabled:
            return
        n = len(members) if members is not None else len(orgs) if orgs is not None else 1
        if n == 0:
            return
        self._chunks.append(
            {
                "day": np.full(n, day, dtype=EVENT_DTYPES["day"]),
                "kind": np.full(n, kind, dtype=object),
                "member": np.asarray(members, dtype=np.int64)
                if members is not None
                else np.full(n, -1, dtype=np.int64),
                "org": np.asarray(orgs, dtype=np.int64) if orgs is not None else np.full(n, -1, dtype=np.int64),
                "cause": np.broadcast_to(np.asarray(cause, dtype=object), (n,)),
                "level": np.broadcast_to(np.asarray(level, dtype=object), (n,)),
                "value": np.broadcast_to(np.asarray(np.nan if value is None else value, dtype=np.float64), (n,)),
            }
        )

    def frame(self, start: np.datetime64) -> pd.DataFrame:
        import pandas as pd

        columns = list(EVENT_DTYPES)
        if not self._chunks:  # the types of a full log: a reader's schema does not depend on what happened
            frame = pd.DataFrame({c: pd.Series(dtype=dtype) for c, dtype in EVENT_DTYPES.items()})
        else:
            frame = pd.DataFrame({c: np.concatenate([chunk[c] for chunk in self._chunks]) for c in columns})
        frame.insert(0, "date", (start + frame["day"].to_numpy().astype("timedelta64[D]")).astype("datetime64[s]"))
        for name in ("kind", "cause", "level"):
            frame[name] = frame[name].astype("string")
        return frame
