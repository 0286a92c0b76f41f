"""The punishment ladder, from the lightest to the heaviest level.

Source: the pre-Congress text names "warnings and severe warnings" and heavier
punishments; the bylaws' heavier steps are removal from post, demotion to
candidate membership (probation) and expulsion. Levels are ordered so that a
repeat offence escalates by moving up the ladder.
"""

from __future__ import annotations

#: Level names in ladder order; code = index + 1 (0 means "not punished").
LEVELS = ("warning", "severe_warning", "removal_from_post", "probation", "expulsion")

#: Levels that are held as a standing punishment (expulsion ends membership).
STANDING_LEVELS = LEVELS[:-1]

NONE = 0


def code(level: str) -> int:
    """Ladder code of a level name (1 = warning ... 5 = expulsion)."""
    return LEVELS.index(level) + 1


def allowed_code(level: str) -> int:
    """Ladder code of an "allowed up to" rule: the heaviest level still allowed ("none" = 0)."""
    return 0 if level == "none" else code(level)
