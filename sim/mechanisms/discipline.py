"""Discipline: from offences and critique findings to punishments, ratification and lifting.

Sources: the pre-Congress text (Daily NK) names the causes — "insincerity in
their Party lives", desertion, going AWOL, lax military discipline,
"anti-socialist" activities, bribery — and the lighter punishments,
"warnings and severe warnings"; "Basic Party Organizations" gives the cell as
the body that evaluates members and the recommenders who "bear
responsibility" for whom they vouched. The heavier rungs (removal from post,
demotion to candidate membership, expulsion ratified by the county/city
committee) follow the party's bylaws and are scenario-configurable.

Flow of a case:

1. an offence arises (per-member rates with sector and cadre modifiers,
   weekly, by Bernoulli selection and thinning) or critique refers a member
   for insincerity; the case waits for the next meeting of the member's cell;
2. the meeting convicts with ``conviction_probability`` and sets the level:
   the cause's first level, or one step above the member's standing
   punishment for a repeat offence;
3. the heavier levels (from ``ratified_from``: removal from post, demotion
   to probation, expulsion) wait for the county/city committee's
   ratification; a refused one gives the next lighter level;
4. standing punishments are lifted at the first cell meeting after the
   good-conduct period for their level (or by an amnesty order, through
   :meth:`Discipline.lift`); ideological education raises sincerity.

Every step works on the ids due that day (``sim.model.agenda``), never on the whole
table, except :meth:`Discipline.punished_ids` for one-off orders.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

import numpy as np

from sim.mechanisms.base import Mechanism, Step
from sim.model import ladder
from sim.model.agenda import Agenda
from sim.model.arrays import distinct, store_index
from sim.model.calendar import MeetingDates
from sim.model.founding import DAYS_PER_YEAR
from sim.model.population import ACTIVE, FEW_MEMBERS, IS_ACTIVE, N_LEVEL_CODES, NO_RECOMMENDER, Status
from sim.model.roles import Role
from sim.model.sampling import bernoulli_keep, bernoulli_rows, draw_integers, step_probability, thin
from sim.model.sectors import SECTORS
from sim.model.world import World

OFFENCE_STEP_DAYS = 7
LIABILITY = "recommender_liability"
EXPULSION = ladder.code("expulsion")
PROBATION = ladder.code("probation")
REMOVAL = ladder.code("removal_from_post")
DEMOTED = int(Status.DEMOTED)
#: Up to this many cause or level codes are tallied one by one rather than binned.
FEW_CODES = 8
#: Up to this many members' meetings on days of their own are looked up one by one (:meth:`Discipline._meetings`).
FEW_MEETINGS = 4
#: The tables by status or level code, and the organizations' columns by cell, are read with ``take``: indexing
#: with int8 codes or int32 cells costs numpy up to three times more (4,000 codes: 20 against 7 us; 3 codes: 0.49
#: against 0.35 us).


class Issued(NamedTuple):
    """Standing punishments decided on a day: the members, the levels given, the causes, the levels held now."""

    ids: np.ndarray
    level: np.ndarray
    cause: np.ndarray
    held: np.ndarray


class Discipline(Mechanism):
    name = "discipline"

    def __init__(self, world: World):
        cfg = world.scenario.discipline
        self.cfg = cfg
        #: Cause names by code; the last is recommender liability.
        self.causes = [*cfg.causes, LIABILITY]
        super().__init__(world)
        specs = [*cfg.causes.values()]
        first_level = np.array([ladder.code(s.level) for s in specs] + [ladder.code(cfg.liability_level)])
        #: The level a conviction sets, by cause code and the level the member holds: the cause's first
        #: level, or for a repeat offence one step above the standing punishment (read as one lookup a case).
        self.judged_level = np.repeat(first_level[:, None], N_LEVEL_CODES, axis=1)
        if cfg.escalate_repeat:
            held = np.arange(N_LEVEL_CODES)
            self.judged_level[:, 1:] = np.maximum(self.judged_level[:, 1:], held[1:] + 1)
        self.judged_level = np.minimum(self.judged_level, EXPULSION).astype(np.int8)
        #: ``judged_level`` as lists, read for a few cases in Python.
        self.judged_levels: list[list[int]] = self.judged_level.tolist()
        self.lift_days = np.array(
            [0] + [getattr(cfg.lift_after_days, lvl) for lvl in ladder.STANDING_LEVELS], dtype=np.int64
        )
        self.lift_days_list: list[int] = self.lift_days.tolist()  # (read for one member in Python)
        self.roles_allowed = ladder.allowed_code(cfg.roles_allowed_up_to)
        levels = np.arange(len(ladder.LEVELS) + 1)
        #: By level code: whether the punishment removes the member from office.
        self.loses_office = (levels == REMOVAL) | (levels > self.roles_allowed)
        #: The lightest level that removes from office or demotes to probation: the levels below it (warnings,
        #: the usual punishments) change neither, which one comparison tells (:meth:`_punish`).
        self.first_consequence = min(REMOVAL, PROBATION, self.roles_allowed + 1)
        #: Flow names by level code (a level refused down to 0 is no punishment: not counted) and by cause code.
        self.issued_level = {code: f"issued_{level}" for code, level in enumerate(ladder.LEVELS, start=1)}
        self.issued_cause = {code: f"issued_{cause}" for code, cause in enumerate(self.causes)}
        self.lifted_cause = {code: f"lifted_{cause}" for code, cause in enumerate(self.causes)}
        #: Rate-based causes: (code, *:meth:`_exposure`), constants of the scenario computed once.
        self.offences = [
            (code, *self._exposure(spec))
            for code, spec in enumerate(specs)
            if spec.rate_per_year != 0 and not spec.from_critique
        ]
        self.ratified_from = ladder.code(cfg.ratified_from)
        self.delegates_allowed = ladder.allowed_code(cfg.delegates_allowed_up_to)
        self.decisions = Agenda()  # referred members, by the day of their cell's meeting
        self.ratifications = Agenda()  # expulsions awaiting the county/city committee
        self.liftings = Agenda()  # standing punishments, by the meeting that lifts them
        #: The cells' next meeting after a day of the run, or after the good-conduct period from it.
        self.next_meeting = MeetingDates(
            world.calendar, 0, world.calendar.horizon + int(self.lift_days.max()), later=True
        )

    def flows(self) -> tuple[str, ...]:
        return (
            "referrals",
            "punishments_issued",
            "punishments_replaced",
            "punishments_lifted",
            "liability_referrals",
            "expulsions_not_ratified",
            "punishments_not_ratified",
            *(f"issued_{level}" for level in ladder.LEVELS),
            *(f"issued_{cause}" for cause in self.causes),
            *(f"lifted_{cause}" for cause in self.causes),
        )

    def summary(self, timeseries: Mapping[str, np.ndarray]) -> dict:
        def totals(prefix: str, names: Iterable[str]) -> dict[str, int]:
            return {name: int(timeseries[f"{prefix}{name}"].sum()) for name in names}

        issued = int(timeseries["punishments_issued"].sum())
        expulsions = int(timeseries["issued_expulsion"].sum()) if "issued_expulsion" in timeseries else 0
        members = timeseries["members_full"] + timeseries["members_candidate"]
        if "members_demoted" in timeseries:
            members = members + timeseries["members_demoted"]
        member_years = float(members.mean()) * (int(timeseries["day"][-1]) / DAYS_PER_YEAR) if len(members) else 0.0
        return {
            "punishments": {
                # How heavy the ladder is in practice: expulsions per punishment issued, and punishments
                # issued per member-year (the share of members punished in a year, if nobody twice).
                "expulsions_per_punishment": expulsions / issued if issued else 0.0,
                "punished_share_per_year": issued / member_years if member_years else 0.0,
                "issued": issued,
                "lifted": int(timeseries["punishments_lifted"].sum()),
                "issued_by_cause": totals("issued_", self.causes),
                "issued_by_level": totals("issued_", ladder.LEVELS),
                "lifted_by_cause": totals("lifted_", self.causes),
                "final_by_level": {lvl: int(timeseries[f"punished_{lvl}"][-1]) for lvl in ladder.STANDING_LEVELS},
            }
        }

    def cadences(self) -> Iterable[tuple[np.ndarray, Step]]:
        if not self.cfg.enabled:
            return ()
        cal = self.world.calendar
        return ((cal.every(OFFENCE_STEP_DAYS), self.offend), (cal.daily(), self.decide))

    # -- cases arise -------------------------------------------------------
    @staticmethod
    def _exposure(spec) -> tuple[bool, bool, np.ndarray, float]:
        """A cause's weekly probability by sector and office: whether it depends on the sector, whether on
        cadre office, the probability of each (entry ``2 * sector + cadre``; entry 0 when it depends on
        neither), and that of its most exposed member (the thinning bound). Computed once by the array
        expression the week's offenders took, element by element the same numbers, rather than every week
        (five array calls a cause)."""
        sector_factor = np.array([spec.sector_modifiers.get(s, 1.0) for s in SECTORS])
        top = float(sector_factor.max() * max(spec.cadre_modifier, 1.0))
        by_sector = not bool(np.all(sector_factor == 1.0))
        by_office = spec.cadre_modifier != 1.0
        factor = (sector_factor if by_sector else np.ones(1))[:, None] * np.array([1.0, spec.cadre_modifier])
        p = -np.expm1(-spec.rate_per_year * factor.ravel() * OFFENCE_STEP_DAYS / DAYS_PER_YEAR)
        return by_sector, by_office, p, step_probability(spec.rate_per_year * top, OFFENCE_STEP_DAYS)

    def offend(self, day: int) -> None:
        """Rate-based offences of the week, one Bernoulli selection per cause."""
        pop = self.world.pop
        for code, by_sector, by_office, p_by_exposure, p_max in self.offences:
            rows = bernoulli_rows(self.rng, pop.n, p_max)
            if len(rows):  # (nobody selected: most weeks of a rare cause in a small party)
                rows = rows[ACTIVE.take(pop.status[rows])]
            if len(rows) == 0:  # thinning would draw nothing and refer no one
                continue
            exposure = self.world.sectors(rows) * 2 if by_sector else 0  # (no lookup for a factor of 1)
            if by_office:
                exposure = exposure + (pop.role[rows] >= int(Role.CELL_SECRETARY))
            p = p_by_exposure.take(exposure) if by_sector or by_office else p_by_exposure[0]
            # One probability for all when the cause depends on neither sector nor office.
            offenders = thin(self.rng, rows, p, p_max)  # active members today, distinct and in id order
            if len(offenders):
                self.refer(offenders, self.causes[code], day, cells=pop.cell[offenders])

    def refer(self, ids: np.ndarray, cause: str, day: int, cells: np.ndarray | None = None) -> None:
        """Refer members to their cell's next meeting; a member has at most one pending case.

        ``cells``: the members' cells, when the caller drew ``ids`` among today's active members, distinct
        and in id order (critique's referrals, some 700 a day at national scale, and the week's offences):
        they are then neither deduplicated nor their statuses read (each read at scattered rows costs a
        cache miss a row).
        """
        if len(ids) == 0:
            return
        world, pop = self.world, self.world.pop
        if cells is None:
            ids = distinct(ids) if len(ids) > 1 else np.asarray(ids)
            ids = ids[ACTIVE.take(pop.status[ids]) & (pop.referral_due[ids] < day)]
            cells = pop.cell[ids]
        elif len(ids) > FEW_MEMBERS or max(pop.referral_due[ids].tolist()) >= day:  # (a few tested in Python)
            free = pop.referral_due[ids] < day
            if np.count_nonzero(free) < len(ids):  # some have a case pending already (rare)
                ids, cells = ids[free], cells[free]
        if len(ids) == 0:
            return
        meeting = self._meetings(day + 1, cells)
        row = store_index(ids)
        pop.referral_due[row] = meeting
        pop.referral_cause[row] = self.causes.index(cause)
        self.decisions.push(ids, meeting)
        world.tally.add("referrals", len(ids))
        self.log_members(day, "referral", ids, cause=cause)

    # -- meetings decide, committees ratify, punishments are lifted ---------
    def decide(self, day: int) -> None:
        """The day's meetings judge their cases, the committees ratify theirs, and the punishments due are lifted.

        The standing punishments judged and ratified are issued together, by one :meth:`_punish` (at national
        scale ~200 judged and ~8 ratified a day: the second call cost more than its ids). They are distinct
        members (a member pending ratification has no other case) and neither step reads what the other's
        punishments write; each is logged where it is decided (the event log's order), all counted together.
        """
        pop = self.world.pop
        # Each step only on a day with ids for it (no calls on the empty pops of most days of a small party).
        judged = self.decisions.pop(day)
        if len(judged):
            judged = self._due(judged, day, pop.referral_due)
        issued = self._judge(day, judged) if len(judged) else None
        ratified = self.ratifications.pop(day)
        if len(ratified):
            ratified = self._due(ratified, day, pop.referral_due)
        if len(ratified):
            standing = self._ratify(day, ratified)
            if issued is None:
                issued = standing
            elif standing is not None:
                issued = Issued(*(np.concatenate(pair) for pair in zip(issued, standing, strict=True)))
        if issued is not None:
            self._punish(day, *issued)
        self._lift_due(day)

    def _due(self, ids: np.ndarray, day: int, due: np.ndarray, punished: bool = False) -> np.ndarray:
        """The ``ids`` an agenda held for ``day`` that are still due then (the column ``due`` holds their day: a
        later case may have replaced theirs) and active (and, if ``punished``, hold a standing punishment).
        A few ids (a small party's day) are tested in Python, half the cost of the array calls; one id (most
        such days) by reading its row's values. The callers take no call on an empty pop (most days of a small
        party)."""
        pop = self.world.pop
        if len(ids) == 1:
            row = ids.item(0)
            kept = due.item(row) == day and IS_ACTIVE[pop.status.item(row)]
            return ids if kept and (not punished or pop.punish_level.item(row) > 0) else ids[:0]
        on, status = due[ids], pop.status[ids]
        if len(ids) > FEW_MEMBERS:
            keep = (on == day) & ACTIVE.take(status)
            return ids[keep & (pop.punish_level[ids] > 0) if punished else keep]
        held = pop.punish_level[ids].tolist() if punished else [1] * len(ids)
        rows = [
            row
            for row, (at, code, level) in enumerate(zip(on.tolist(), status.tolist(), held))
            if at == day and IS_ACTIVE[code] and level > 0
        ]
        return ids if len(rows) == len(ids) else ids[rows]

    def _lift_due(self, day: int) -> None:
        """Lift the standing punishments due today (:meth:`_due`). Many ids (a large party's day) have their
        levels and statuses read once, for the filter and for the lifting: at national scale each read at
        scattered rows costs a cache miss a row."""
        ids = self.liftings.pop(day)
        if len(ids) == 0:  # (half the days of a small party)
            return
        if len(ids) <= FEW_MEMBERS:
            ids = self._due(ids, day, self.world.pop.lift_due, punished=True)
            if len(ids):
                self.lift(ids, day, "punishment_lifted")
            return
        pop = self.world.pop
        level, status = pop.punish_level[ids], pop.status[ids]
        keep = (pop.lift_due[ids] == day) & ACTIVE.take(status) & (level > 0)
        if np.count_nonzero(keep) < len(ids):  # (some were replaced or left)
            ids, level, status = ids[keep], level[keep], status[keep]
        self.lift(ids, day, "punishment_lifted", held=(level, status))

    def _judge(self, day: int, ids: np.ndarray) -> Issued | None:
        """The cell meeting takes up each case: conviction and the level on the ladder. Returns the standing
        punishments judged (logged here, issued by :meth:`decide`); the heavier wait for ratification."""
        pop = self.world.pop
        pop.referral_due[store_index(ids)] = -1
        convicted = bernoulli_keep(self.rng, ids, self.cfg.conviction_probability)
        if len(convicted) == 0:
            return None
        cause = pop.referral_cause[convicted]
        held = pop.punish_level[convicted]
        if len(convicted) <= FEW_MEMBERS:
            # A few cases (a small party's day): the levels looked up in Python lists, and compared there,
            # rather than by an index on two arrays, a comparison and a count (1.5 against 4 us).
            levels = [self.judged_levels[c][h] for c, h in zip(cause.tolist(), held.tolist())]
            level = np.array(levels, dtype=np.int8)
            ratify = max(levels) >= self.ratified_from
        else:
            level = self.judged_level[cause, held]
            ratify = bool(np.count_nonzero(level >= self.ratified_from))
        if not ratify:  # the usual case: only standing punishments, nothing to ratify
            return self._decided(day, Issued(convicted, level, cause, held))
        heavy = level >= self.ratified_from
        light = ~heavy
        issued = self._decided(day, Issued(convicted[light], level[light], cause[light], held[light]))
        pending, proposed = convicted[heavy], level[heavy]
        pop.proposed_level[pending] = proposed
        ratify = day + draw_integers(self.rng, 1, self.cfg.ratification_days + 1, len(pending))
        pop.referral_due[pending] = ratify
        self.ratifications.push(pending, ratify)
        if self.world.events.enabled:  # (the split serves the log only)
            expulsion, cause = proposed == EXPULSION, cause[heavy]
            self._log_cases(day, "expulsion_proposed", pending[expulsion], cause[expulsion], proposed[expulsion])
            self._log_cases(day, "punishment_proposed", pending[~expulsion], cause[~expulsion], proposed[~expulsion])
        return issued

    def _ratify(self, day: int, ids: np.ndarray) -> Issued | None:
        """The county/city committee ratifies the heavier punishments; a refused one gives the next lighter level.
        Expulsions are carried out here; returns the standing punishments (logged here, issued by
        :meth:`decide`)."""
        world, pop, cfg = self.world, self.world.pop, self.cfg
        pop.referral_due[ids] = -1
        level = pop.proposed_level[ids]
        held = pop.punish_level[ids]
        cause = pop.referral_cause[ids]
        expulsion = level == EXPULSION
        p = np.where(expulsion, cfg.expulsion_ratify_probability, cfg.ratify_probability)
        ratified = self.rng.random(len(ids)) < p
        world.tally.add("expulsions_not_ratified", np.count_nonzero(~ratified & expulsion))
        world.tally.add("punishments_not_ratified", np.count_nonzero(~ratified & ~expulsion))
        given = np.where(ratified, level, level - 1)  # (int8, as the levels)
        expelled = ratified & expulsion
        if not np.count_nonzero(expelled):  # the usual day
            return self._decided(day, Issued(ids, given, cause, held))
        standing = ~expelled
        issued = self._decided(day, Issued(ids[standing], given[standing], cause[standing], held[standing]))
        held, cause = held[expelled], cause[expelled]
        expelled = ids[expelled]
        levels = np.full(len(expelled), EXPULSION)
        self._count_issued(levels, cause, held)
        self._decided(day, Issued(expelled, levels, cause, held))
        pop.set_punishment(expelled, 0, held=held)  # the standing punishment is superseded
        pop.punish_cause[expelled] = cause
        pop.punish_day[expelled] = day
        pop.role[expelled] = int(Role.NONE)
        self._recommender_liability(day, expelled)  # before the transition: it reads whether each was a full member
        pop.transition(expelled, Status.EXPELLED)
        return issued

    def _tally_codes(self, names: dict[int, str], codes: np.ndarray) -> None:
        """Count the codes under their flow names: only the codes present (a few on most days).

        A few codes (a small party's day) are counted one by one in Python, cheaper than the binning.
        """
        tally = self.world.tally
        if len(codes) <= FEW_CODES:
            for code in codes.tolist():
                if code in names:
                    tally.add(names[code])
            return
        for code, count in enumerate(np.bincount(codes).tolist()):  # a dozen codes at most: read as a list
            if count and code in names:
                tally.add(names[code], count)

    def _log_cases(self, day: int, kind: str, ids: np.ndarray, cause: np.ndarray, level: np.ndarray) -> None:
        """Log members with the cause and level of their case, if the event log is kept."""
        if self.world.events.enabled:
            pop = self.world.pop
            self.world.events.log(
                day, kind, ids, pop.cell[ids], cause=self._names(cause), level=self._level_names(level)
            )

    def _decided(self, day: int, issued: Issued) -> Issued | None:
        """Log the punishments ``issued`` where they are decided (the event log's order); returns them, or None
        if there are none. They are counted when issued (:meth:`_count_issued`): the counts of a day's
        judged and ratified punishments add up in one call."""
        if len(issued.ids) == 0:
            return None
        self._log_cases(day, "punishment", issued.ids, issued.cause, issued.level)
        return issued

    def _count_issued(self, level: np.ndarray, cause: np.ndarray, held: np.ndarray) -> None:
        """Count the punishments ``level`` issued for ``cause`` to members who hold ``held`` now."""
        tally = self.world.tally
        tally.add("punishments_issued", len(level))
        tally.add("punishments_replaced", np.count_nonzero(held))
        self._tally_codes(self.issued_level, level)
        self._tally_codes(self.issued_cause, cause)

    def _punish(
        self, day: int, ids: np.ndarray, level: np.ndarray, cause: np.ndarray, held: np.ndarray | None = None
    ) -> None:
        """Count and issue standing punishments (warning .. probation) to ``ids``, who hold ``held`` now (read
        if not given), and schedule their lifting. Each column is read once at the members' rows (the cells
        serve the counts and the meeting dates): at national scale a read at scattered rows costs a cache
        miss a row."""
        if len(ids) == 0:
            return
        pop = self.world.pop
        if held is None:
            held = pop.punish_level[ids]
        self._count_issued(level, cause, held)
        cells = pop.cell[ids]
        pop.set_punishment(ids, level, held=held, cells=cells)
        one = len(ids) == 1  # a small party's usual day: the stores of one value at one row take an int
        row = ids.item(0) if one else ids  # (0.1 against 0.4 us a store for a scatter over an array of one)
        pop.punish_cause[row] = cause.item(0) if one else cause
        pop.punish_day[row] = day
        pop.punish_count[row] += 1
        pop.amnestied[row] = False
        # The heaviest level: of a few, in Python (a comparison and a count cost 1.2 us on an array of one).
        heaviest = max(level.tolist()) if len(ids) <= FEW_MEMBERS else int(level.max())
        # The ends of the good-conduct periods: one member's a day, a few members' a list (:meth:`_meetings`).
        ends: int | list[int] | np.ndarray
        if one:
            ends = day + self.lift_days_list[heaviest]
        elif len(ids) <= FEW_MEETINGS:
            ends = [day + self.lift_days_list[code] for code in level.tolist()]
        else:
            ends = day + self.lift_days.take(level)
        if heaviest >= self.first_consequence:  # (not warnings, the usual case)
            removed = self.loses_office.take(level)
            if np.count_nonzero(removed):
                pop.role[ids[removed]] = int(Role.NONE)
            probation = level == PROBATION
            if np.count_nonzero(probation):  # demotion to candidate membership: the status looked up only then
                full = pop.status[ids] == int(Status.FULL)
                pop.transition(ids[probation & full], Status.DEMOTED, source=Status.FULL)
        lift = self._meetings(ends, cells)
        pop.lift_due[row] = lift
        self.liftings.push(ids, lift)

    def _meetings(self, days: int | list[int] | np.ndarray, cells: np.ndarray) -> np.ndarray:
        """The meeting of each of ``cells`` on or after ``days`` (one day for all, or each cell's). One cell's as a
        scalar (a small party's usual case: the store at one row and the agenda's push take one day, and the
        lookups make no arrays). A few cells' own days (a list: a small party's punishments) are looked up one
        by one as scalars, into one array: the days' array, its sum and the calendar's array calls cost more
        (two cells: 17 against 30 thousand instructions; even at four, ``FEW_MEETINGS``); one day for all goes
        to the calendar's array."""
        meeting_day, meeting = self.world.orgs.meeting_day, self.next_meeting.of
        if len(cells) == 1:
            return meeting(days[0] if isinstance(days, list) else days, meeting_day[cells.item(0)])
        if isinstance(days, list):
            return np.array([meeting(at, meeting_day[cell]) for at, cell in zip(days, cells.tolist(), strict=True)])
        return meeting(days, meeting_day.take(cells))

    def _recommender_liability(self, day: int, expelled: np.ndarray) -> None:
        """Recommenders of a member expelled soon after admission answer for their letter."""
        pop = self.world.pop
        admitted = np.where(
            pop.status[expelled] == int(Status.FULL), pop.joined[expelled], pop.candidate_since[expelled]
        )
        recent = expelled[(pop.applied[expelled] > 0) & (day - admitted <= self.cfg.liability_years * DAYS_PER_YEAR)]
        recommenders = np.concatenate([pop.recommender1[recent], pop.recommender2[recent]])
        recommenders = recommenders[recommenders > NO_RECOMMENDER]
        liable = recommenders[self.rng.random(len(recommenders)) < self.cfg.liability_probability]
        self.world.tally.add("liability_referrals", len(liable))
        self.refer(liable, LIABILITY, day)

    # -- lifting (also used by amnesty orders) ------------------------------
    def lift(
        self,
        ids: np.ndarray,
        day: int,
        event: str,
        education: float | None = None,
        held: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        """Lift the standing punishments of ``ids`` (active, punished); ``event`` names the log rows.

        ``education`` is the share of the gap to full sincerity that the
        accompanying ideological education closes (default: the scenario's
        ``discipline.education_effect``). ``held``: the members' levels and
        statuses, when the caller has read them already.
        """
        world, pop = self.world, self.world.pop
        if len(ids) == 0:
            return ids
        cause = pop.punish_cause[ids]
        level, status = (pop.punish_level[ids], pop.status[ids]) if held is None else held
        pop.set_punishment(ids, 0, held=level)
        pop.lift_due[store_index(ids)] = -1
        if len(ids) > FEW_MEMBERS:
            demoted = status == DEMOTED
            if np.count_nonzero(demoted):
                pop.transition(ids[demoted], Status.FULL, source=Status.DEMOTED)
        elif DEMOTED in status.tolist():  # (a few looked up in Python: no array calls)
            pop.transition(ids[status == DEMOTED], Status.FULL, source=Status.DEMOTED)
        pop.educate(ids, self.cfg.education_effect if education is None else education, active=True)
        world.tally.add("punishments_lifted", len(ids))
        self._tally_codes(self.lifted_cause, cause)
        self._log_cases(day, event, ids, cause, level)
        return ids

    def punished_ids(
        self,
        causes: Iterable[str] | None = None,
        levels: Iterable[str] | None = None,
        since: int | None = None,
        until: int | None = None,
        orgs: np.ndarray | None = None,
    ) -> np.ndarray:
        """Active members holding a standing punishment matching every given filter, in id order.

        One pass over the levels finds the punished rows (a few percent of the table); the status and
        the filters are read at those rows only, not over the whole table each.
        """
        pop = self.world.pop
        ids = np.flatnonzero(pop.punish_level[: pop.n] > 0)
        keep = ACTIVE.take(pop.status[ids])
        if causes is not None:
            keep &= np.isin(pop.punish_cause[ids], [self.causes.index(c) for c in causes])
        if levels is not None:
            keep &= np.isin(pop.punish_level[ids], [ladder.code(lvl) for lvl in levels])
        if since is not None:
            keep &= pop.punish_day[ids] >= since
        if until is not None:
            keep &= pop.punish_day[ids] <= until
        if orgs is not None:
            keep &= np.isin(pop.cell[ids], orgs)
        return ids[keep]

    def eligible_for_delegate(self, ids: np.ndarray) -> np.ndarray:
        """Whether each member may be a Congress delegate under the scenario's rule."""
        return self.world.pop.punish_level[ids] <= self.delegates_allowed

    def _names(self, codes: np.ndarray) -> np.ndarray:
        return np.asarray(self.causes, dtype=object)[np.asarray(codes, dtype=np.int64)]

    @staticmethod
    def _level_names(codes: np.ndarray) -> np.ndarray:
        """Ladder names of level codes (1 = warning)."""
        return np.asarray(ladder.LEVELS, dtype=object)[np.asarray(codes, dtype=np.int64) - 1]
