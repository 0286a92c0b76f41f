"""Campaigns in the reference model (DNK): at a campaign's end a share of its active members is credited as achievers.

Mirrors ``sim.mechanisms.campaigns``.
"""

from __future__ import annotations

from collections.abc import Generator

from sim.reference.state import ReferenceState
from sim.scenario import Scenario


class CampaignRules(ReferenceState):
    """One process per campaign, crediting its achievers on its last day."""

    def __init__(self, scenario: Scenario, seed: int | None = None):
        super().__init__(scenario, seed)
        self.achievers_by_campaign: dict[str, int] = {}

    def campaign(self, index: int) -> Generator:
        """At the campaign's end, a share of its active members are credited as achievers (DNK)."""
        spec = self.scenario.campaigns[index]
        yield self.wait_until(self.cal.day(spec.end))
        credited = 0
        for member in self.members:
            if (
                member.active
                and (not spec.sectors or self.sector(member) in spec.sectors)
                and self.rng.random() < spec.achiever_share
            ):
                member.achiever = True
                credited += 1
        self.tally["achievers_credited"] += credited
        self.achievers_by_campaign[spec.name] = credited
