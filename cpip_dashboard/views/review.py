"""The Planning review's view: ratings by area and criterion as at a meeting, themes, areas
needing support and progress on recommendations, for Scotland, a council or a committee."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection

from cpip_dashboard.render import charts
from cpip_dashboard.rules import review
from cpip_dashboard.store.areas import SCOTLAND
from cpip_dashboard.store.queries import area_directory, criteria, review_assessments
from cpip_dashboard.views.common import Download, meeting_date, records_download


@dataclass(frozen=True)
class Criterion:
    code: str
    name: str  # the short name: what is reviewed
    question: str
    basis: str


@dataclass(frozen=True)
class ReviewView:
    empty_sentence: str | None  # when nothing is loaded for the area as at the meeting
    batch_ids: frozenset[int]
    criteria: tuple[Criterion, ...]
    area_names: dict[str, str]
    scale_note: str
    matrix_by_name: pd.DataFrame  # cells as shown, indexed by area code
    matrix_weakest: pd.DataFrame
    matrix_download: Download | None
    themes_header: str
    themes_sentence: str
    themes_chart: dict | None
    themes_table: pd.DataFrame
    support_note: str
    support: pd.DataFrame
    progress: dict[str, int]
    overdue_note: str
    recommendations: pd.DataFrame
    recommendations_download: Download | None
    rows: pd.DataFrame  # the assessments shown, for one assessment's detail

    def detail(self, area: str, code: str) -> pd.DataFrame | None:
        match = self.rows[(self.rows["area_code"] == area) & (self.rows["criterion_code"] == code)]
        if match.empty:
            return None
        criterion = next(c for c in self.criteria if c.code == code)
        return review.assessment_detail(match.iloc[0], pd.Series(
            {"question": criterion.question, "basis": criterion.basis}))


def _themes_chart(themes: pd.DataFrame, sentence: str) -> dict:
    return charts.spec(charts.themes_chart(themes.head(17), sentence))


def view(conn: Connection, meeting: dt.date | None, area: str) -> ReviewView:
    directory = area_directory(conn)
    current = review.as_at(review_assessments(conn), meeting)
    shown = review.for_area(current, area, directory)
    crit = criteria(conn)
    codes = list(crit["code"])
    listed = tuple(Criterion(r["code"], r["dimension"], r["question"], r["basis"])
                   for r in crit.to_dict("records"))
    name = directory.name(area)
    if shown.empty:
        return ReviewView(
            empty_sentence="No planning-review assessment is loaded" + (
                "" if area == SCOTLAND else f" for {name}") + " as at this meeting.",
            batch_ids=frozenset(), criteria=listed, area_names={}, scale_note="",
            matrix_by_name=pd.DataFrame(), matrix_weakest=pd.DataFrame(),
            matrix_download=None, themes_header="", themes_sentence="", themes_chart=None,
            themes_table=pd.DataFrame(), support_note="", support=pd.DataFrame(),
            progress={}, overdue_note="", recommendations=pd.DataFrame(),
            recommendations_download=None, rows=shown)
    by_name = review.matrix(shown, directory, codes, "area")
    areas_shown = shown["area_code"].nunique()
    themes = review.themes(shown, crit)
    if area == SCOTLAND:
        header, sentence = "National themes", review.describe_themes(themes)
    elif areas_shown > 1:
        header = f"Themes across {name}'s areas"
        sentence = review.describe_themes(themes)
    else:
        header = f"Where {name} is rated Weak or Unsatisfactory"
        weak = themes[themes["weak"] > 0]
        sentence = (f"{name} is rated Weak or Unsatisfactory on {len(weak)} of "
                    f"{int((themes['assessed'] > 0).sum())} criteria assessed"
                    + (": " + "; ".join(f"{r.code} {r.criterion}" for r in weak.itertuples())
                       if len(weak) else "") + ".")
    day = meeting or dt.date.today()
    recs = review.recommendations_table(shown, day, directory)
    return ReviewView(
        empty_sentence=None, batch_ids=frozenset(int(b) for b in shown["batch_id"]),
        criteria=listed,
        area_names={a: directory.name(a) for a in by_name["area_code"]},
        scale_note="Ratings use the six-point scale: " + ", ".join(
            f"{r} ({review.ABBREVIATIONS[r]})" for r in review.RATINGS)
        + ". Each cell shows the rating in words; colour only repeats it. Column headers name "
          "each criterion; hover or focus a header for its question.",
        matrix_by_name=review.matrix_cells(by_name, codes),
        matrix_weakest=review.matrix_cells(review.matrix(shown, directory, codes, "weakest"),
                                           codes),
        matrix_download=records_download(conn, review.matrix_download(by_name, codes),
                                         f"planning-review-matrix-{meeting}"),
        themes_header=header, themes_sentence=sentence,
        themes_chart=_themes_chart(themes, sentence) if areas_shown > 1 else None,
        themes_table=review.themes_table(themes if areas_shown > 1
                                         else themes[themes["weak"] > 0]),
        support_note=f"Every area with {review.NEEDS_SUPPORT_AT} or more ratings of Weak or "
                     "Unsatisfactory: those assessments, and the area's recommendations, open "
                     "or done.",
        support=review.support_table(review.needing_support(shown), directory),
        progress=review.progress(shown, day),
        overdue_note=f"Overdue: target date before {meeting_date(day)} and not done.",
        recommendations=recs,
        recommendations_download=records_download(
            conn, recs, f"planning-review-recommendations-{meeting}"),
        rows=shown)


cell_style = review.cell_style  # the ratings table's cell colours, for the page
