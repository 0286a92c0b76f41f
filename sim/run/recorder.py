"""The time series: one row per recorded date, stocks at the date and flows since the previous row.

Stocks of members come from the population's maintained counts, flows from
its transition matrix, organization counts from the organization table, and
the rest from the mechanisms' tallies and stocks. Every column of the output
contract (DESIGN.md) exists in every run, with zeros where the mechanism that
fills it is switched off.
"""

from __future__ import annotations

from itertools import chain
from operator import itemgetter

import numpy as np

from sim.mechanisms.base import Mechanism
from sim.model.invariants import InvariantError
from sim.model.ladder import STANDING_LEVELS
from sim.model.organizations import Kind
from sim.model.population import Status
from sim.model.world import World

S = Status

#: Flow columns read from the population's transition matrix: name -> [(from, to), ...].
TRANSITION_FLOWS: dict[str, list[tuple[Status, Status]]] = {
    "applications": [(S.EMPTY, S.APPLICANT)],
    "applications_rejected": [(S.APPLICANT, S.REJECTED)],
    "candidates_approved": [(S.APPLICANT, S.CANDIDATE)],
    "admitted": [(S.CANDIDATE, S.FULL)],
    "candidates_expelled": [(S.CANDIDATE, S.CANDIDATE_EXPELLED)],
    "expelled_full": [(S.FULL, S.EXPELLED)],
    "expelled_candidates": [(S.CANDIDATE, S.EXPELLED)],
    "expelled_demoted": [(S.DEMOTED, S.EXPELLED)],
    "expelled": [(S.FULL, S.EXPELLED), (S.CANDIDATE, S.EXPELLED), (S.DEMOTED, S.EXPELLED)],
    "demoted": [(S.FULL, S.DEMOTED)],
    "restored": [(S.DEMOTED, S.FULL)],
    "exits_full": [(S.FULL, S.EXITED)],
    "exits_candidates": [(S.CANDIDATE, S.EXITED)],
    "exits_demoted": [(S.DEMOTED, S.EXITED)],
    "exits": [(S.FULL, S.EXITED), (S.CANDIDATE, S.EXITED), (S.DEMOTED, S.EXITED)],
}

#: Every status change the model allows; any other flow is a bug and stops the run.
ALLOWED = np.zeros((len(Status), len(Status)), dtype=bool)
for _pairs in TRANSITION_FLOWS.values():
    for _a, _b in _pairs:
        ALLOWED[_a, _b] = True
FORBIDDEN = ~ALLOWED

#: The transition flows as one sum over the flattened transition matrix each (a row of this matrix per
#: column of ``TRANSITION_FLOWS``), then the forbidden changes' sum (flows are counts, never negative, so
#: it is positive exactly when one happened): one product per recorded row instead of a Python sum per
#: column and a masked test.
_TRANSITION_SUMS = np.zeros((len(TRANSITION_FLOWS) + 1, len(Status) ** 2), dtype=np.int64)
for _row, _pairs in enumerate(TRANSITION_FLOWS.values()):
    for _a, _b in _pairs:
        _TRANSITION_SUMS[_row, _a * len(Status) + _b] = 1
_TRANSITION_SUMS[-1] = FORBIDDEN.ravel()


#: Organization-count stock columns.
ORG_COUNTS = {
    "cells": Kind.CELL,
    "party_teams": Kind.TEAM,
    "primary_orgs": Kind.PRIMARY,
    "branch_orgs": Kind.BRANCH,
    "subprimary_orgs": Kind.SUBPRIMARY,
    "county_committees": Kind.COUNTY,
}
_ORG_KINDS = np.array(list(ORG_COUNTS.values()), dtype=np.int64)

#: Columns later mechanisms fill; present (as zeros) in every run.
CONTRACT_ZERO_COLUMNS = (
    "punished_total",
    *(f"punished_{level}" for level in STANDING_LEVELS),
    "punishments_issued",
    "punishments_lifted",
    "amnestied",
    "meetings_held",
    "critiques_held",
    "delegate_pool",
    "delegates_selected",
)

#: One stock column per standing punishment level (ladder codes 1...).
PUNISHED_COLUMNS = tuple(f"punished_{level}" for level in STANDING_LEVELS)

#: Stock columns read from the population's counts: name -> status code (a plain int, a list index).
STATUS_STOCKS = {
    "members_full": int(S.FULL),
    "members_candidate": int(S.CANDIDATE),
    "applicants": int(S.APPLICANT),
    "members_demoted": int(S.DEMOTED),
}
_status_stocks = itemgetter(*STATUS_STOCKS.values())
#: The population's punished counts of the standing levels (codes 1...; 0 is none, the last expulsion).
_STANDING_CODES = slice(1, 1 + len(PUNISHED_COLUMNS))

#: The columns a row fills from the population and the organization table, in the order of their values in
#: :meth:`Recorder.record` (and of the columns, after ``CONTRACT_ZERO_COLUMNS``).
HEAD_COLUMNS = (
    "day",
    *STATUS_STOCKS,
    "punished_total",
    *PUNISHED_COLUMNS,
    "punishments_removed",
    *TRANSITION_FLOWS,
    *ORG_COUNTS,
)


class Recorder:
    """Collects rows in memory (a few hundred per run) and turns them into columns once."""

    def __init__(self, world: World, stock_sources: list):
        self.world = world
        #: Those of ``stock_sources`` that keep stocks: a mechanism without (``Mechanism.stocks``, an empty
        #: dict) is not asked at every row.
        self.stock_sources = [source for source in stock_sources if type(source).stocks is not Mechanism.stocks]
        self.rows: list[dict] = []
        self._meetings_on = world.scenario.meetings.enabled

    def record(self, day: int) -> None:
        """Append the row of ``day``: a few hundred rows a run, each some hundred columns, so the columns of
        one kind are filled together (the transition flows by one matrix product, the organization
        counts by one gather) rather than one Python expression each."""
        world, pop = self.world, self.world.pop
        flows = pop.take_flows()
        *transitions, forbidden = (_TRANSITION_SUMS @ flows.ravel()).tolist()
        if forbidden:
            bad = [(Status(a).name, Status(b).name) for a, b in zip(*np.nonzero(flows * FORBIDDEN))]
            raise InvariantError(
                f"invariant 'only allowed status changes' violated on {world.calendar.date(day)}: {bad}"
            )
        # Plain-int copies of the small count arrays: a few hundred lookups a row, cheaper in lists than numpy.
        punished = pop.punished.tolist()
        row: dict[str, int] = dict.fromkeys(CONTRACT_ZERO_COLUMNS, 0)
        row.update(
            zip(
                HEAD_COLUMNS,
                (
                    day,
                    *_status_stocks(pop.counts.tolist()),
                    sum(punished),
                    *punished[_STANDING_CODES],
                    pop.punishments_removed,
                    *transitions,
                    *world.orgs.kind_counts.take(_ORG_KINDS).tolist(),
                ),
            )
        )
        pop.punishments_removed = 0
        row.update(world.tally.take())
        for source in self.stock_sources:
            row.update(source.stocks())
        if world.invariants is not None:
            world.invariants.check_row(row, meetings_on=self._meetings_on)
        self.rows.append(row)

    def columns(self) -> dict[str, np.ndarray]:
        """The rows as named columns: the date (datetime64[s]) first, then one int64 array per name
        (every row has every column).

        Numpy columns, not a DataFrame: the Parquet writer takes them as they are
        (:func:`sim.run.result.write_columns`), and a DataFrame is built only when
        one is asked for (:attr:`sim.run.result.Result.timeseries`). Filled in one
        two-dimensional array, read row by row (each row's values by one ``itemgetter``
        call) and transposed, the names gathered from the rows' distinct layouts (nearly
        all rows have the same), rather than through a cast per column or a lookup per
        value: a few milliseconds, which a small run's whole process feels.
        """
        layouts = dict.fromkeys(tuple(row) for row in self.rows)  # in the order first seen, like the names
        names = list(dict.fromkeys(chain.from_iterable(layouts)))
        cells = chain.from_iterable(map(itemgetter(*names), self.rows))
        values = np.fromiter(cells, dtype=np.int64, count=len(self.rows) * len(names))
        values = values.reshape(len(self.rows), len(names)).T.copy()
        date = self.world.calendar.dates64(values[names.index("day")]).astype("datetime64[s]")
        return {"date": date, **dict(zip(names, values))}
