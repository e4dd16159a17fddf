"""Disclosure control: the threshold, the suppression symbol, and the fast per-table pass.

`figures.protect` runs this pass over every count table first, then solves the attacker
problem across tables, periods and measures (`sdc`); this module's own guarantee is the
per-table one below.

- **Primary**: a sub-national count from 1 to the threshold minus one (`CPIP_SUPPRESS_BELOW`,
  default 5) is replaced by the suppression symbol.
- **Secondary**: no suppressed count may be worked back by subtraction. Totals and their
  parts form equations (Scotland = its 32 councils; Scotland = its 30 CPCs; each CPC = its
  councils). Wherever a shown total has exactly one hidden part, the smallest other shown part
  is hidden too (or, when there is none, the total); a hidden total whose parts are all shown
  gets its smallest part hidden. Repeated until nothing changes. Counts the publisher already
  suppressed (`*`, `c`, `[c]`) count as hidden parts. Scotland itself is never suppressed.

Protection is always computed over every area for the indicator and period, never over only
the areas on screen, so combining views cannot undo it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

from cpip_dashboard import config
from cpip_dashboard.rules.values import HIDING_SYMBOLS
from cpip_dashboard.store.areas import SCOTLAND, AreaDirectory

SUPPRESSED_SYMBOL = "[c]"


def how_protected(threshold: int | None = None) -> list[str]:
    """The rules in words, for the About page."""
    t = threshold or config.suppress_below()
    return [
        (f"A council or committee count from 1 to {t - 1} is never shown, nor a rate or "
        "percentage resting on one, nor an uploaded rate that implies one."),
        ("Figures are checked together, not table by table: Scotland is the sum of its councils "
        "and of its committees, a committee the sum of its councils; the register at the end of "
        "a year is the register at its start plus registrations minus de-registrations (within "
        "2); concerns are counts of children on the register; re-registrations are some of the "
        "registrations; a rate is its count over the child population, a percentage its count "
        "over its base."),
        ("Every rate and percentage is rounded to one decimal place before anything else sees it, "
        "and the checks use the rounded figures."),
        (f"For every hidden figure the dashboard works out, as an attacker would, the least and "
        f"greatest whole number it could be from everything shown on any page, in any download "
        f"and in any meeting pack, in this release and in every earlier one (each data version "
        f"is a release, rollbacks included). Figures are hidden until that range is at least "
        f"{t} wide, hiding the smallest figures first; Scotland's figures are never hidden."),
        ("Between releases: a figure that was revised is a different number from the one "
         "published before, and both are checked against the relations of their own release; "
         "a figure hidden in an earlier release stays hidden while its value is unchanged "
         "(unless an earlier release showed it at that value: it is public for good). A count "
         "the publisher already suppressed (c, [c], *) is protected like any small count."),
        (f"Where Scotland's own total is below {t} (3 children, say), no council's share can "
         "be wider than nothing to that total: each is protected when it could be anything "
         "from 0 to it."),
        ("A change whose figures cannot be protected is not published: the upload (or "
         "approval, or rollback) is refused, naming the figures, and nothing changes. A "
         "finding that earlier releases alone already give away is reported by the audit but "
         "does not stop later releases, since nothing can unpublish it."),
        ("A new indicator says how it relates to the others (the Definitions sheet's Relation "
         "column: part of, rate of, sum of ... over N periods, sum of ...), and those relations "
         "join the attacker's. Where real data break a declared relation (a revision, a "
         "transfer between registers), the relation is widened to fit them. An uploaded rate "
         "that disagrees with its count and child population (another population estimate) "
         "is shown as published, and what the attacker learns from it is widened to include "
         "the count."),
        (f"Group disclosure: in a council or committee where fewer than {t} of the children "
         "counted in a total are outside one category (for example every child on the "
         "register, or all but a few, has the same concern recorded), that category's count is "
         "hidden, because it would say something about every child."),
        ("The check runs whenever data change (an upload or a rollback) and its result is "
        "stored with the figures; the secretariat can rerun it with "
        "the command python -m cpip_dashboard audit-disclosure."),
    ]


def suppression_rule(threshold: int | None = None) -> str:
    t = threshold or config.suppress_below()
    return (f"council and committee counts from 1 to {t - 1} are not shown, nor any figure "
            "(a total, a rate or another area's count) from which one could be worked out")


@dataclass
class _Cell:
    value: float | None
    symbol: str | None
    hidden: bool = False  # suppressed by this module

    @property
    def shown(self) -> bool:
        return self.value is not None and not self.hidden

    @property
    def concealed(self) -> bool:
        """A real number nobody may see: ours, or one the publisher suppressed."""
        return self.hidden or (self.value is None and self.symbol in HIDING_SYMBOLS)


def equations(directory: AreaDirectory) -> list[tuple[str, list[str]]]:
    councils = [a.code for a in directory.councils()]
    cpcs = [a.code for a in directory.cpcs()]
    result = [(SCOTLAND, councils), (SCOTLAND, cpcs)]
    result += [(cpc, directory.members(cpc)) for cpc in cpcs]
    return result


def _protect_period(cells: dict[str, _Cell], eqs: list[tuple[str, list[str]]],
                    threshold: int) -> None:
    for code, cell in cells.items():
        if code != SCOTLAND and cell.value is not None and 0 < cell.value < threshold:
            cell.hidden = True
    changed = True
    while changed:
        changed = False
        for total_code, parts in eqs:
            total = cells.get(total_code)
            present = [cells[p] for p in parts if p in cells]
            concealed = [c for c in present if c.concealed]
            shown = sorted((c for c in present if c.shown), key=lambda c: (c.value == 0, c.value))
            if total is not None and total.shown and len(concealed) == 1:
                if shown:
                    shown[0].hidden = True
                elif total_code != SCOTLAND:
                    total.hidden = True
                else:
                    continue
                changed = True
            elif (total is not None and total.hidden and not concealed and shown
                  and len(shown) == len(present)):
                shown[0].hidden = True
                changed = True


def protect_counts(frame: pd.DataFrame, directory: AreaDirectory,
                   threshold: int | None = None) -> pd.DataFrame:
    """Counts for every area of one indicator: columns area_code, period, value, symbol.

    Returns the frame with suppressed values removed (value None, symbol `[c]`) and a boolean
    `suppressed` column.
    """
    threshold = threshold or config.suppress_below()
    eqs = equations(directory)
    result = frame.copy()
    result["suppressed"] = False
    if result.empty:
        return result
    by_period: dict[object, dict[str, tuple[int, _Cell]]] = defaultdict(dict)
    for index, row in zip(result.index, result.itertuples(index=False), strict=True):
        value = None if pd.isna(row.value) else float(row.value)
        symbol = None if pd.isna(row.symbol) else row.symbol
        by_period[row.period][row.area_code] = (index, _Cell(value, symbol))
    hidden_index = []
    for cells in by_period.values():
        plain = {code: cell for code, (_, cell) in cells.items()}
        _protect_period(plain, eqs, threshold)
        hidden_index += [index for index, cell in cells.values() if cell.hidden]
    result["value"] = result["value"].astype("float64")
    result["symbol"] = result["symbol"].astype("object")
    result.loc[hidden_index, "value"] = None
    result.loc[hidden_index, "symbol"] = SUPPRESSED_SYMBOL
    result.loc[hidden_index, "suppressed"] = True
    return result
