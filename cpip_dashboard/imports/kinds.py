"""The seven sheet kinds of CONTRACT.md as data: columns, synonyms, keys, help for templates.

The same specs drive header matching, the checks, the templates and their notes sheets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cpip_dashboard.store.reference import POPULATION_SOURCE


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    help: str
    synonyms: tuple[str, ...] = ()
    example: str = ""
    choices: str = ""  # named list for template drop-downs: rag, workstream, area, rating, ...


@dataclass(frozen=True)
class Kind:
    name: str  # sheet kind, as in CONTRACT.md
    sheet: str  # template sheet name
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # canonical columns forming the key (after parsing)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


RELATION_HELP = (
    "How the indicator relates to the others, so that no small number can be worked out from "
    "them (any case; CODE an indicator code known or defined in this file): none (no relation "
    "beyond the area sums, which always apply); part of CODE (at most CODE, same area and "
    "period; for a percent, CODE is its base); rate of CODE (a rate per 1,000 children whose "
    "count is CODE); sum of CODE over N periods (CODE's N periods ending on this one's, N 2 or "
    "more); sum of CODE, CODE, ... (those indicators' values, same area and period). Required "
    "for a new indicator; for a known one a blank keeps its relation.")
DATE_HELP = "A date: 2024-07-31, 31/07/2024 (day first) or 31 July 2024."

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("actions", "Actions", "One row per action; a new row for an existing Action ID is "
             "a new version of that action.", (
                 Column("Action ID", True, "Unique reference, e.g. NEG-3.", ("Ref", "Reference", "ID"), "NEG-3"),
                 Column("Workstream", True, "A workstream code or name (see Lists).", ("Strand",), "NEG", "workstream"),
                 Column("Action", True, "What will be done. Not empty.", ("Title", "Description"), "Evaluate the neglect improvement work"),
                 Column("Lead", True, "Lead organisation. Not empty.", ("Lead organisation", "Owner"), "Scottish Government"),
                 Column("Area", False, "Scotland, or one or more council or CPC names or codes, comma-separated. Blank means Scotland.", ("Areas",), "Scotland", "area"),
                 Column("Due date", False, DATE_HELP, ("Target date", "Timescale"), "2018-03-31"),
                 Column("Indicators", False, "Comma-separated indicator codes the action is meant to move, each optionally followed by up or down: the way it means to move it.", ("Linked indicators",), "CP_REREGISTRATIONS down"),
                 Column("Source", False, "The document the action comes from.", ("Source document",), "CPIP report 2017"),
             ), ("Action ID",)),
        Kind("updates", "Updates", "One row per action per reporting date.", (
            Column("Action ID", True, "An action in the register or in the same file.", ("Ref", "Reference", "ID"), "NEG-3"),
            Column("Reporting date", True, DATE_HELP, ("Date", "As at"), "2018-09-20"),
            Column("RAG", True, "Red, Amber, Green, Complete or Not started (R, A, G, C, Blue, Completed and Done are accepted).", ("Status", "RAG status"), "Amber", "rag"),
            Column("Progress %", False, "0 to 100 (45, 45% or 0.45 in a percentage column).", ("Progress",), "45"),
            Column("Commentary", False, "Required when RAG is Red or Amber.", ("Comment", "Update"), "Consultation delayed to 2018."),
            Column("Next steps", False, "Text.", (), "Publish the consultation analysis."),
            Column("Revised due date", False, DATE_HELP, (), ""),
        ), ("Action ID", "Reporting date")),
        Kind("indicators", "Indicators", "One row per indicator, area and period (long layout). "
             "Published tables with areas down and periods across are read too.", (
                 Column("Indicator", True, "A known indicator code or its exact name.", ("Indicator code", "Measure"), "CP_REGISTER", "indicator"),
                 Column("Area", True, "A council, CPC or Scotland (name or code).", ("Area code", "Local authority", "Council", "CPC"), "Fife", "area"),
                 Column("Period", True, "Annual: 2024, 2023-24 or 31/07/2024 (years end 31 July). Monthly: 2024-03. Quarterly: 2024 Q1.", ("Year", "Date", "Reference period"), "2023-24"),
                 Column("Value", True, "A number 0 or more, or a missing-value symbol (*, c, x, z, .., -, :).", (), "123"),
                 Column("Status", False, "provisional or revised.", ("Flag",), "", "status"),
                 Column("Notes", False, "Text.", (), ""),
             ), ("Indicator", "Area", "Period")),
        Kind("review", "Review", "One row per area, criterion and assessment date.", (
            Column("Area", True, "A council or CPC.", (), "Fife", "area"),
            Column("Criterion", True, "A criterion code, PR-01 to PR-17 (see Lists).", (), "PR-01", "criterion"),
            Column("Rating", True, "Excellent, Very good, Good, Adequate, Weak or Unsatisfactory.", (), "Good", "rating"),
            Column("Assessed on", False, DATE_HELP + " Blank means the upload date.", (), "2018-06-01"),
            Column("Evidence", False, "Text.", (), ""),
            Column("Finding", False, "Text.", (), ""),
            Column("Recommendation", False, "Text.", (), ""),
            Column("Owner", False, "Text.", (), ""),
            Column("Target date", False, DATE_HELP, (), ""),
            Column("Progress", False, "Not started, In progress or Done.", (), "", "progress"),
            Column("Action ID", False, "The register action that carries the recommendation forward.", (), ""),
        ), ("Area", "Criterion", "Assessed on")),
        Kind("meetings", "Meetings", "The Leadership Group's meetings: the 'as at' choices.", (
            Column("Date", True, DATE_HELP, (), "2018-10-02"),
            Column("Title", True, "Text.", (), "National Child Protection Leadership Group"),
            Column("Chair", False, "Text.", (), "Minister for Children and Young People"),
        ), ("Date",)),
        Kind("populations", "Populations", "Children aged 0-17 by area and year: the "
             "denominators for rates.", (
                 Column("Area", True, "A council, CPC or Scotland.", (), "Fife", "area"),
                 Column("Year", True, "The year of the mid-year estimate, e.g. 2023.", (), "2023"),
                 Column("Children aged 0-17", True, "A whole number.", (), "70000"),
                 Column("Source", False, "Where the estimate comes from. Blank means "
                        f"{POPULATION_SOURCE}.", (), POPULATION_SOURCE),
             ), ("Area", "Year")),
        Kind("definitions", "Definitions", "New indicators, or new versions of known ones.", (
            Column("Code", True, "Upper-case code, e.g. CP_REGISTER.", (), "CP_REGISTER"),
            Column("Name", True, "Text.", (), "Children on the child protection register at 31 July"),
            Column("Unit", True, "count, rate per 1,000 or percent.", (), "count", "unit"),
            Column("Frequency", True, "annual, monthly or quarterly.", (), "annual", "frequency"),
            Column("Definition", True, "Text.", (), ""),
            Column("Polarity", True, "higher is better, lower is better or neither.", (), "neither", "polarity"),
            Column("Source", True, "Text.", (), "Children's Social Work Statistics"),
            Column("Headline", False, "yes or no.", (), "no", "yesno"),
            Column("Series notes", False, "Definition changes with dates.", (), ""),
            Column("Relation", False, RELATION_HELP, (), "none"),
        ), ("Code",)),
    )
}

# Sheet names: the kind's name, singular or plural, any case.
SHEET_NAMES = {
    "action": "actions", "actions": "actions", "update": "updates", "updates": "updates",
    "indicator": "indicators", "indicators": "indicators", "review": "review",
    "reviews": "review", "meeting": "meetings", "meetings": "meetings",
    "population": "populations", "populations": "populations",
    "definition": "definitions", "definitions": "definitions",
}
# "Problems": the summary sheet of the marked copy of a rejected file (imports/marking.py);
# "Notes" and "Lists": the templates' own sheets.
SKIPPED_SHEETS = {"notes", "note", "guidance", "read me", "readme", "lists", "list", "problems"}
# The context columns of a pre-filled template (`template updates --current`): what the officer
# reads beside each action, never loaded, never warned about.
CONTEXT_COLUMNS = {"updates": ("Action", "Lead", "Last RAG", "Last reporting date")}
# In a pre-filled template a row is an action left without news when these are all blank (a
# reporting date filled down the column alone is no news): it is skipped silently.
NEWS_COLUMNS = {"updates": ("RAG", "Progress %", "Commentary", "Next steps",
                            "Revised due date")}
PUBLISHED_FIRST_HEADERS = {"local authority", "council", "area"}

RATINGS = ("Excellent", "Very good", "Good", "Adequate", "Weak", "Unsatisfactory")
REVIEW_PROGRESS = ("Not started", "In progress", "Done")
UNITS = ("count", "rate per 1,000", "percent")
POLARITIES = ("higher is better", "lower is better", "neither")


def normalise_header(text: object) -> str:
    """Headers match ignoring case, surrounding spaces and punctuation."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", str(text).lower()).split())


def header_lookup(kind: Kind) -> dict[str, str]:
    """Normalised header or synonym -> canonical column name."""
    lookup: dict[str, str] = {}
    for column in kind.columns:
        for label in (column.name, *column.synonyms):
            lookup.setdefault(normalise_header(label), column.name)
    return lookup


def kind_for_sheet_name(name: str) -> str | None:
    return SHEET_NAMES.get(" ".join(name.strip().lower().split()))


def is_skipped_sheet(name: str) -> bool:
    return " ".join(name.strip().lower().split()) in SKIPPED_SHEETS
