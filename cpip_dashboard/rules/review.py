"""The Leadership Group's first-year review of planning arrangements (pure, over frames).

A review rating as at meeting M (date d) is the current assessment with the latest assessed-on
date on or before d; its progress is the one recorded by the end of d (UK local time): that of
the latest upload of the assessment committed by then, or, when none was, its earliest upload.
Areas needing support have two or more Weak or Unsatisfactory ratings; every such area is
listed, with its recommendations open or done. A recommendation is overdue when its target
date has passed and it is not Done.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from cpip_dashboard.rules.register import day_end_utc
from cpip_dashboard.store.areas import AreaDirectory

RATINGS = ("Excellent", "Very good", "Good", "Adequate", "Weak", "Unsatisfactory")
WEAK = ("Weak", "Unsatisfactory")
ABBREVIATIONS = {"Excellent": "Exc", "Very good": "VG", "Good": "Good", "Adequate": "Adeq",
                 "Weak": "Weak", "Unsatisfactory": "Unsat"}
# Colour-blind-safe diverging scale (blue = strong, orange = weak); words always shown.
RATING_COLOURS = {"Excellent": "#08306b", "Very good": "#2171b5", "Good": "#6baed6",
                  "Adequate": "#d9d9d9", "Weak": "#fdae6b", "Unsatisfactory": "#d94801"}
RATING_TEXT = {"Excellent": "#ffffff", "Very good": "#ffffff", "Good": "#000000",
               "Adequate": "#000000", "Weak": "#000000", "Unsatisfactory": "#ffffff"}
NEEDS_SUPPORT_AT = 2


KEY = ["area_code", "criterion_code", "assessed_on"]  # CONTRACT.md: review keys


def as_at(assessments: pd.DataFrame, day: dt.date | None) -> pd.DataFrame:
    """The latest assessment per area and criterion assessed on or before `day` (None: today).

    `assessments` holds every upload of every assessment (`batch_id`, `committed_at`): the
    current one per key gives the rating; as at `day`, the progress is the one committed by
    the end of that day, else the earliest."""
    if assessments.empty:
        return assessments
    ordered = assessments.sort_values("batch_id", kind="stable")
    rows = ordered.groupby(KEY).tail(1)
    if day is not None:
        rows = rows[rows["assessed_on"] <= day].copy()
        then = ordered[ordered["committed_at"] < day_end_utc(day)].groupby(KEY).tail(1)
        recorded = pd.concat([ordered.groupby(KEY).head(1), then]).groupby(KEY).tail(1)
        progress = {tuple(k): p for *k, p in recorded[[*KEY, "progress"]].itertuples(
            index=False)}
        rows["progress"] = pd.Series([progress[tuple(k)] for k in rows[KEY].itertuples(
            index=False)], index=rows.index, dtype=object)
    return (rows.sort_values("assessed_on", kind="stable")
            .groupby(["area_code", "criterion_code"]).tail(1).reset_index(drop=True))


def for_area(current: pd.DataFrame, area: str, directory: AreaDirectory) -> pd.DataFrame:
    """A council shows itself (and its CPC's rows); a CPC shows its councils; Scotland all."""
    if area == "S92000003" or current.empty:
        return current
    return current[current["area_code"].isin(directory.covering(area))]


def matrix(current: pd.DataFrame, directory: AreaDirectory, criteria: list[str],
           sort: str = "area") -> pd.DataFrame:
    """Areas down, criteria across, ratings as words."""
    if current.empty:
        return pd.DataFrame(columns=["Area", *criteria])
    table = current.pivot_table(index="area_code", columns="criterion_code", values="rating",
                                aggfunc="last").reindex(columns=criteria).astype(object)
    table.insert(0, "Area", [directory.name(a) for a in table.index])
    weak = table[criteria].isin(WEAK).sum(axis=1)
    table["Weak or unsatisfactory"] = weak
    if sort == "weakest":
        table = table.sort_values(["Weak or unsatisfactory", "Area"], ascending=[False, True])
    else:
        order = {a: directory.areas[a].sort_order for a in table.index}
        table = table.loc[sorted(table.index, key=order.get)]
    return table.reset_index(names="area_code")


def themes(current: pd.DataFrame, criteria: pd.DataFrame) -> pd.DataFrame:
    """For each criterion, how many areas are rated Weak or Unsatisfactory; most often weak first."""
    rows = []
    for crit in criteria.to_dict("records"):
        mine = current[current["criterion_code"] == crit["code"]]
        weak = int(mine["rating"].isin(WEAK).sum())
        rows.append({"code": crit["code"], "criterion": crit["dimension"],
                     "planning_process": crit["planning_process"], "assessed": len(mine),
                     "weak": weak})
    result = pd.DataFrame(rows, columns=["code", "criterion", "planning_process", "assessed",
                                         "weak"])
    return result.sort_values(["weak", "code"], ascending=[False, True]).reset_index(drop=True)


def describe_themes(table: pd.DataFrame) -> str:
    if table.empty or table["assessed"].sum() == 0:
        return "No assessments to summarise."
    top = table[table["weak"] == table["weak"].max()]
    if top["weak"].iloc[0] == 0:
        return "No criterion is rated Weak or Unsatisfactory in any area."
    names = [f"{r.code} {r.criterion}" for r in top.itertuples()]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return (f"{listed} {'is' if len(names) == 1 else 'are'} most often rated Weak or "
            f"Unsatisfactory ({int(top['weak'].iloc[0])} of {int(top['assessed'].iloc[0])} "
            f"areas); {int((table['weak'] > 0).sum())} of {len(table)} criteria have at least "
            "one such rating.")


def needing_support(current: pd.DataFrame) -> pd.DataFrame:
    """Every area with two or more Weak or Unsatisfactory ratings: its weak assessments and
    those carrying a recommendation (open or done), most weak ratings first."""
    if current.empty:
        return current.assign(weak_count=pd.Series(dtype="int64"))
    is_weak = current["rating"].isin(WEAK)
    counts = current[is_weak].groupby("area_code").size()
    areas = counts[counts >= NEEDS_SUPPORT_AT].index
    rows = current[current["area_code"].isin(areas)
                   & (is_weak | current["recommendation"].map(lambda r: bool(_text(r))))]
    return rows.assign(weak_count=rows["area_code"].map(counts)).sort_values(
        ["weak_count", "area_code", "criterion_code"], ascending=[False, True, True])


def progress(current: pd.DataFrame, day: dt.date) -> dict[str, int]:
    """Recommendations: not started, in progress, done, and overdue against target dates."""
    recs = current[current["recommendation"].notna()]
    status = _progress(recs)
    overdue = recs[(status != "Done") & recs["target_date"].map(
        lambda t: t is not None and not pd.isna(t) and t < day)]
    return {"Not started": int((status == "Not started").sum()),
            "In progress": int((status == "In progress").sum()),
            "Done": int((status == "Done").sum()), "Overdue": len(overdue)}


def overdue(current: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    recs = current[current["recommendation"].notna()]
    status = _progress(recs)
    mask = (status != "Done") & recs["target_date"].map(
        lambda t: t is not None and not pd.isna(t) and t < day)
    return recs[mask]


# --- tables and charts for people ---------------------------------------------------------------


def _text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _progress(recs: pd.DataFrame) -> pd.Series:
    """A recommendation's progress in words: blank is Not started (any column dtype)."""
    return recs["progress"].map(lambda p: _text(p) or "Not started").astype(object)


def matrix_cells(table: pd.DataFrame, criteria: list[str]) -> pd.DataFrame:
    """The matrix as shown: one row per area (indexed by code), ratings abbreviated in words."""
    cells = table.set_index("area_code")[["Area", *criteria, "Weak or unsatisfactory"]].copy()
    for code in criteria:
        cells[code] = cells[code].map(lambda r: ABBREVIATIONS.get(r, "") if isinstance(r, str)
                                      else "")
    return cells


def matrix_download(table: pd.DataFrame, criteria: list[str]) -> pd.DataFrame:
    """The matrix as downloaded: area names and ratings in words, blank where not assessed."""
    return table[["Area", *criteria]].fillna("").reset_index(drop=True)


_BY_ABBREVIATION = {v: k for k, v in ABBREVIATIONS.items()}


def cell_style(abbreviation: str) -> str:
    """CSS for a matrix cell: the colour repeats the word, with readable text on it."""
    rating = _BY_ABBREVIATION.get(abbreviation)
    if rating is None:
        return ""
    return f"background-color: {RATING_COLOURS[rating]}; color: {RATING_TEXT[rating]}"


def assessment_detail(row: pd.Series, criterion: pd.Series) -> pd.DataFrame:
    fields = [("Question", criterion["question"]), ("Basis", criterion["basis"]),
              ("Rating", row["rating"]), ("Assessed on", row["assessed_on"]),
              ("Evidence", row["evidence"]), ("Finding", row["finding"]),
              ("Recommendation", row["recommendation"]), ("Owner", row["owner"]),
              ("Target date", row["target_date"]), ("Progress", row["progress"]),
              ("Register action", row["action_ref"])]
    return pd.DataFrame({"Field": [f for f, _ in fields],
                         "Text": [_text(v) for _, v in fields]})


def themes_table(table: pd.DataFrame) -> pd.DataFrame:
    return table.rename(columns={"code": "Criterion", "criterion": "What is reviewed",
                                 "planning_process": "Planning process",
                                 "assessed": "Areas assessed", "weak": "Weak or unsatisfactory"})


def support_table(support: pd.DataFrame, directory: AreaDirectory) -> pd.DataFrame:
    return pd.DataFrame({
        "Area": support["area_code"].map(directory.name),
        "Weak or unsatisfactory": support["weak_count"], "Criterion": support["criterion_code"],
        "Rating": support["rating"], "Recommendation": support["recommendation"].map(_text),
        "Owner": support["owner"].map(_text),
        "Progress": [(_text(p) or "Not started") if _text(r) else ""
                     for r, p in zip(support["recommendation"], support["progress"],
                                     strict=True)],
        "Target date": support["target_date"].map(_text)})


def recommendations_table(current: pd.DataFrame, day: dt.date,
                          directory: AreaDirectory) -> pd.DataFrame:
    recs = current[current["recommendation"].notna()]
    late = overdue(current, day)
    return pd.DataFrame({
        "Area": recs["area_code"].map(directory.name), "Criterion": recs["criterion_code"],
        "Rating": recs["rating"], "Recommendation": recs["recommendation"].map(_text),
        "Owner": recs["owner"].map(_text), "Target date": recs["target_date"].map(_text),
        "Progress": _progress(recs),
        "Overdue": recs.index.isin(late.index).astype(bool),
        "Register action": recs["action_ref"].map(_text)})


def findings_table(current: pd.DataFrame, criteria: pd.DataFrame,
                   directory: AreaDirectory) -> pd.DataFrame:
    """An area's assessments with what each criterion reviews (criteria indexed by code)."""
    return pd.DataFrame({
        "Area": current["area_code"].map(directory.name), "Criterion": current["criterion_code"],
        "What is reviewed": current["criterion_code"].map(criteria["dimension"]),
        "Rating": current["rating"], "Finding": current["finding"].map(_text),
        "Recommendation": current["recommendation"].map(_text),
        "Progress": current["progress"].map(_text)})
