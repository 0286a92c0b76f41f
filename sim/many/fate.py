"""Who changes fate: the members whose path differs between a variant and its base.

Under common random numbers replication r of the base and of a variant start
from the same founding population (the founding draws the same numbers) and
every mechanism draws from its own stream, so member i of one arm *is*
member i of the other until the change moves them apart. Comparing the two
arms' events tables member by member therefore answers a question no
aggregate can: *who* becomes a delegate, is expelled or is punished in one
arm only, and the first recorded event at which their paths part — the
mechanism that set them apart.

Members are matched by id, the row of the member table. The founding members
are the same people in both arms; a recruit is the same person only while the
arms recruit alike (a change to recruitment renumbers later applicants, whose
"differences" are then differences of who was recruited). The first parting is
the first *recorded* event (``events.parquet``) that is not the same in both
arms: a draw that changed nothing recorded (a critique without referral)
is not seen, the referral it later led to is.

The comparison of two runs is whole-table pandas work (group, rank, merge), not
a loop over members.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.run.result import read_table

#: A member's fate, from the events: which (kind, level) rows make it. Expulsion is a punishment level
#: (sim.model.ladder.LEVELS); a candidate expelled during probation counts as expelled too.
FATES = ("delegate", "expelled", "punished")
#: The mechanism (sim/mechanisms module) that logs each kind of member event.
MECHANISM_OF_KIND = {
    "application": "membership",
    "application_rejected": "membership",
    "application_forwarded": "membership",
    "candidate_admitted": "membership",
    "admitted": "membership",
    "probation_extended": "membership",
    "candidate_expelled": "membership",
    "referral": "discipline",
    "expulsion_proposed": "discipline",
    "punishment_proposed": "discipline",
    "punishment": "discipline",
    "punishment_lifted": "discipline",
    "exit": "attrition",
    "discharge": "military_service",
    "achiever": "campaigns",
    "amnesty": "amnesty",
    "education": "amnesty",
    "recommended": "congress",
    "delegate": "congress",
    "congress_opened": "congress",
}
#: Columns that make two events the same event.
EVENT_KEY = ["day", "kind", "cause", "level"]
COLUMNS = [
    "variant",
    "replication",
    "member",
    "fate",
    "in_base",
    "in_variant",
    "parted_day",
    "parted_kind",
    "parted_mechanism",
    "parted_in",
]


def fates_of(events: pd.DataFrame) -> pd.DataFrame:
    """One row per (member, fate) the member met in this run."""
    member = events["member"] >= 0
    kind, level = events["kind"].astype(str), events["level"].astype(str)
    found = {
        "delegate": member & (kind == "delegate"),
        "expelled": member & (((kind == "punishment") & (level == "expulsion")) | (kind == "candidate_expelled")),
        "punished": member & (kind == "punishment") & (level != "expulsion"),
    }
    frames = [
        pd.DataFrame({"member": events.loc[rows, "member"].unique(), "fate": fate}) for fate, rows in found.items()
    ]
    return pd.concat(frames, ignore_index=True).astype({"member": "int64"})


def _histories(events: pd.DataFrame, members: np.ndarray) -> pd.DataFrame:
    """The recorded events of ``members``, in order, numbered per member (0, 1, 2...)."""
    rows = events[events["member"].isin(members)][["member", *EVENT_KEY]].copy()
    for name in ("kind", "cause", "level"):
        rows[name] = rows[name].astype(str)
    rows = rows.sort_values(["member", *EVENT_KEY], kind="stable")
    rows["step"] = rows.groupby("member").cumcount()
    return rows


def first_parting(base: pd.DataFrame, variant: pd.DataFrame, members: np.ndarray) -> pd.DataFrame:
    """Per member: the day, kind and mechanism of the first event the two arms do not share, and in which arm."""
    paired = _histories(base, members).merge(
        _histories(variant, members), on=["member", "step"], how="outer", suffixes=("_base", "_variant")
    )
    same = np.ones(len(paired), dtype=bool)
    for name in EVENT_KEY:
        same &= (paired[f"{name}_base"] == paired[f"{name}_variant"]).fillna(False).to_numpy(dtype=bool)
    parted = paired[~same].sort_values(["member", "step"]).drop_duplicates("member")
    base_first = parted["day_variant"].isna() | (parted["day_base"] <= parted["day_variant"])
    kind = parted["kind_base"].where(base_first, parted["kind_variant"])
    return pd.DataFrame(
        {
            "member": parted["member"].to_numpy(dtype=np.int64),
            "parted_day": parted["day_base"].where(base_first, parted["day_variant"]).to_numpy(dtype=float),
            "parted_kind": kind.to_numpy(dtype=object),
            "parted_mechanism": kind.map(lambda k: MECHANISM_OF_KIND.get(k, k)).to_numpy(dtype=object),
            "parted_in": np.where(base_first, "base", "variant"),
        }
    )


def fate_differences(base: pd.DataFrame, variant: pd.DataFrame) -> pd.DataFrame:
    """The members of one replication whose fate differs between the arms (events tables of the two runs)."""
    both = fates_of(base).merge(fates_of(variant), on=["member", "fate"], how="outer", indicator=True)
    differ = both[both["_merge"] != "both"].copy()
    differ["in_base"] = differ["_merge"] == "left_only"
    differ["in_variant"] = differ["_merge"] == "right_only"
    parting = first_parting(base, variant, differ["member"].unique())
    differ = differ.drop(columns="_merge").merge(parting, on="member", how="left")
    return differ.sort_values(["member", "fate"], ignore_index=True)


def member_fates(runs: Path, base_label: str, variants: list[str], reps: int) -> pd.DataFrame:
    """Fate differences of every variant against the base, replication by replication (``members.parquet``)."""
    frames = []
    for rep in range(reps):
        base_dir = runs / base_label / str(rep)
        if not (base_dir / "summary.json").is_file():
            continue  # a failed run: nothing to pair
        base = read_table(base_dir / "events")
        for label in variants:
            variant_dir = runs / label / str(rep)
            if (variant_dir / "summary.json").is_file():
                found = fate_differences(base, read_table(variant_dir / "events"))
                frames.append(found.assign(variant=label, replication=rep))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    table = pd.concat(frames, ignore_index=True)[COLUMNS]
    return table.astype({"replication": "int64", "member": "int64", "in_base": bool, "in_variant": bool})


def fate_summary(fates: pd.DataFrame) -> pd.DataFrame:
    """Per variant and fate: members in the base only, in the variant only, and the commonest first partings."""
    rows = []
    for (variant, fate), group in fates.groupby(["variant", "fate"], sort=False):
        counts = group["parted_mechanism"].fillna("unrecorded").value_counts()
        rows.append(
            (
                variant,
                fate,
                int(group["in_base"].sum()),
                int(group["in_variant"].sum()),
                ", ".join(f"{name} {count}" for name, count in counts.items()),
            )
        )
    return pd.DataFrame(rows, columns=["variant", "fate", "base_only", "variant_only", "mechanisms"])
