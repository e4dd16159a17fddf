"""Where the register and the figures disagree (pure).

An action is linked to the indicators it means to move, each with a way (`links.way`: the
link's `up` or `down`, else the better way by the indicator's polarity; none for polarity
`neither` without a direction, which never raises a flag). For each linked indicator in each
area the action covers (Scotland when it names none) the published figures give a `Movement`:
the recent trend (`stats.trend` on the protected series) and the comparison with Scotland now
and at the previous release. Then:

- an action rated **Green or Complete** is flagged when a linked indicator moved the wrong way
  in one of its areas: its recent trend is rising (or falling) against the way, or it became
  significantly worse than Scotland since the previous release (worse: on the side the way
  says is bad);
- an action rated **Red** is flagged when every linked indicator with a way, in every area,
  moved significantly the right way (its trend), so the rating may be stale.

No flag rests on a suppressed figure, a series break, or a trend that was not assessed: a
Movement whose latest figure is suppressed, or with a break since the previous release, never
flags on its comparison, and only Rising or Falling trends count (not "Not assessed", "Too few
periods" or "No clear change").
"""

from __future__ import annotations

from dataclasses import dataclass

from cpip_dashboard.rules import stats
from cpip_dashboard.rules.links import DOWN, UP

GREEN_KIND = "Rated on track, figures moving the wrong way"
RED_KIND = "Rated Red, figures improving"
KINDS = {
    GREEN_KIND: "an action rated Green or Complete whose linked indicator moved the wrong way "
                "in an area it covers: its recent trend rises (or falls) against the way the "
                "action means to move it, or it became significantly worse than Scotland since "
                "the previous release",
    RED_KIND: "an action rated Red whose linked indicators all moved significantly the right "
              "way in every area it covers (their recent trends): perhaps the rating is stale",
}
RULE = (
    "Each action's Indicators column says which indicators it means to move, and may say which "
    "way (up or down); without a way the indicator's polarity says which is better, and an "
    "indicator whose polarity is neither, linked without a way, never raises a flag. The "
    "figures are the published ones (after disclosure control), in the areas the action covers "
    "(Scotland when it names none). No flag rests on a suppressed figure, a series break or a "
    "trend that was not assessed; a trend with no clear change raises none.")

TRENDS_WAY = {stats.RISING: UP, stats.FALLING: DOWN}
WORSE_SIDE = {UP: stats.LOWER, DOWN: stats.HIGHER}  # significantly worse than Scotland


@dataclass(frozen=True)
class Movement:
    """One linked indicator in one area, from the published figures."""
    code: str
    name: str  # the indicator's name
    area_name: str
    way: str | None  # "up", "down" or None (no way: never flags)
    trend: str  # a `stats.TREND_CLASSES` label
    change: str = ""  # "+3.1% a year"; blank where none was estimated
    against_now: str = stats.NOT_COMPARED  # the latest period, current release
    against_before: str | None = None  # the latest period of the previous release
    period: str = ""  # the latest period, as shown
    suppressed: bool = False  # the latest figure is suppressed
    broken: bool = False  # a series break since the previous release's latest period


@dataclass(frozen=True)
class Flag:
    ref: str
    title: str
    rag: str
    kind: str  # GREEN_KIND or RED_KIND
    sentence: str


def _aim(way: str) -> str:
    return "bring it down" if way == DOWN else "raise it"


def wrong_way(m: Movement) -> str | None:
    """Why this movement goes against the action (a clause), or None."""
    if m.way not in (UP, DOWN) or m.suppressed:
        return None
    trend_way = TRENDS_WAY.get(m.trend)
    if trend_way is not None and trend_way != m.way:
        change = f" ({m.change})" if m.change else ""
        return (f"{m.name} is {m.trend.lower()} in {m.area_name}{change}, against the "
                f"action's aim to {_aim(m.way)}")
    worse = WORSE_SIDE[m.way]
    if (not m.broken and m.against_before is not None and m.against_now == worse
            and m.against_before != worse and m.against_before != stats.NOT_COMPARED):
        return (f"{m.name} in {m.area_name} became {worse.lower()} than Scotland in "
                f"{m.period} ({m.against_before.lower()} at the previous release), against "
                f"the action's aim to {_aim(m.way)}")
    return None


def right_way(m: Movement) -> bool:
    """The trend moved significantly the way the action means (never on a suppressed figure)."""
    return m.way in (UP, DOWN) and not m.suppressed and TRENDS_WAY.get(m.trend) == m.way


def flags(actions: list[dict], movements: dict[str, list[Movement]]) -> list[Flag]:
    """Flags for `actions` (dicts with ref, title, rag), given each action's movements (its
    linked indicators in its areas), in the actions' order."""
    result = []
    for action in actions:
        found = movements.get(action["ref"], [])
        directed = [m for m in found if m.way in (UP, DOWN)]
        status = action["rag"]
        if status in ("Green", "Complete"):
            reasons = [r for r in (wrong_way(m) for m in directed) if r]
            if reasons:
                more = f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else ""
                result.append(Flag(action["ref"], action["title"], status, GREEN_KIND,
                                   f"Rated {status}, but {reasons[0]}{more}."))
        elif status == "Red" and directed and all(right_way(m) for m in directed):
            moved = "; ".join(
                f"{m.name} {m.trend.lower()} in {m.area_name}"
                + (f" ({m.change})" if m.change else "") for m in directed[:3])
            more = f" and {len(directed) - 3} more" if len(directed) > 3 else ""
            result.append(Flag(action["ref"], action["title"], status, RED_KIND,
                               f"Rated Red, but every linked figure moved significantly the "
                               f"way the action means: {moved}{more}. The rating may be "
                               "stale."))
    return result
