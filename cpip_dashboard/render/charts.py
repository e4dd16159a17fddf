"""Altair charts and the sentences that describe them (the same facts in words: the caption,
the chart's accessible description, and the meeting pack's text)."""

from __future__ import annotations

import hashlib
import threading

import altair as alt
import pandas as pd
import pyarrow as pa

from cpip_dashboard.rules import provenance, rag, stats
from cpip_dashboard.rules.values import period_label

FONT = "Arial"


ROW_STEP = 24  # pixels per row, so every label of a ranked chart fits (13 px type); a height
# in pixels (rows times this), not a Vega "step": Streamlit fits the width, and a step warns


def _base(chart: alt.Chart, description: str, entry_width: int = 110) -> alt.Chart:
    """Shared fonts; the legend below the chart, its entries in one row where the plot is wide
    enough for them (`entry_width` pixels each), else in as many columns as fit (a phone)."""
    columns = alt.ExprRef(f"max(1, floor(width / {entry_width}))")
    return chart.properties(description=description).configure_axis(
        labelFontSize=13, titleFontSize=13, labelColor="#333333", titleColor="#333333",
        labelFont=FONT, titleFont=FONT,
    ).configure_legend(labelFontSize=13, titleFontSize=13, labelFont=FONT, titleFont=FONT,
                       orient="bottom", direction="horizontal", columns=columns,
                       labelLimit=0).configure_view(strokeWidth=0)


def _every_label(limit: int = 0, narrow: int | None = None, **kwargs) -> alt.Axis:
    """A band axis that draws every row's label (Streamlit's theme hides overlapping ones),
    each up to `limit` pixels (0: whole), or `narrow` pixels in a container narrower than
    500 (a phone), so the plot keeps room beside the labels."""
    if narrow is not None:
        limit = alt.ExprRef(f"containerSize()[0] > 0 && containerSize()[0] < 500 ? {narrow} "
                            f": {limit}")
    return alt.Axis(labelLimit=limit, labelOverlap=False, **kwargs)


def year_axis(**kwargs) -> alt.Axis:
    """A time axis with one tick a year at most, labelled by its year: never "2013 2013"."""
    return alt.Axis(format="%Y", tickCount=alt.TimeIntervalStep(interval="year", step=1),
                    **kwargs)


def rag_by_workstream_table(register: pd.DataFrame, workstreams: pd.DataFrame) -> pd.DataFrame:
    """Counts of actions by workstream and RAG (every level, zeros included)."""
    names = dict(zip(workstreams["code"], workstreams["name"], strict=True))
    order = list(workstreams["code"])
    table = (register.groupby(["workstream", "rag"]).size().unstack(fill_value=0)
             .reindex(index=order, columns=list(rag.NAMES), fill_value=0))
    table = table[table.sum(axis=1) > 0]
    table.insert(0, "Workstream", [names.get(code, code) for code in table.index])
    table["Total"] = table[list(rag.NAMES)].sum(axis=1)
    return table.reset_index(drop=True)


def rag_by_workstream(table: pd.DataFrame, description: str) -> alt.Chart:
    long = table.melt(id_vars=["Workstream"], value_vars=list(rag.NAMES), var_name="Status",
                      value_name="Actions")
    long = long[long["Actions"] > 0].copy()
    long["Label"] = long["Status"].map(rag.label)
    order = {name: i for i, name in enumerate(rag.WORST_FIRST)}
    long["order"] = long["Status"].map(order)
    labels = list(order)  # the legend's swatch is its symbol: the word beside it, once
    colours = [rag.BY_NAME[n].colour for n in order]
    bars = alt.Chart(long).mark_bar(stroke="#ffffff", strokeWidth=1).encode(
        y=alt.Y("Workstream:N", sort=list(table["Workstream"]), title=None,
                axis=_every_label(320, narrow=150)),
        x=alt.X("sum(Actions):Q", title="Actions", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("Status:N", scale=alt.Scale(domain=labels, range=colours),
                        title="Status"),
        order=alt.Order("order:Q"),
        tooltip=["Workstream", alt.Tooltip("Label:N", title="Status"), "Actions"],
    )
    text = alt.Chart(long).mark_text(color="#ffffff", fontSize=12, font=FONT, dx=-8,
                                     align="right").encode(
        y=alt.Y("Workstream:N", sort=list(table["Workstream"])),
        x=alt.X("sum(Actions):Q", stack="zero"),
        detail="Label:N", order=alt.Order("order:Q"),
        text=alt.Text("Symbol:N"),
    ).transform_calculate(Symbol="datum.Actions")
    return _base((bars + text).properties(height=30 * len(table)), description)


def describe_rag_by_workstream(table: pd.DataFrame) -> str:
    if table.empty:
        return "No actions to show."
    attention = table["Red"] + table["Amber"]
    worst = table.loc[attention.idxmax()]
    most = int(attention.max())
    if most == 0:
        return (f"No workstream has an action at Amber or Red; {int(table['Complete'].sum())} "
                f"of {int(table['Total'].sum())} actions are complete.")
    tied = table.loc[attention == most, "Workstream"].tolist()
    done = (f"{int(table['Complete'].sum())} of {int(table['Total'].sum())} actions are "
            "complete.")
    if len(tied) == 1:
        return (f"{tied[0]} has the most actions at Amber or Red ({most} of "
                f"{int(worst['Total'])}); {done}")
    who = ", ".join(tied[:-1]) + " and " + tied[-1]
    return f"{who} have the most actions at Amber or Red ({most} each); {done}"


# --- indicators -----------------------------------------------------------------------------

COMPARISON_COLOURS = {  # colour-blind-safe (blue/orange/grey); always labelled in words
    "neither": {"Significantly higher": "#1f4e99", "Similar": "#9e9e9e",
                "Significantly lower": "#7fa7e0", "Not compared": "#e0e0e0"},
    "better": "#1f4e99", "worse": "#c15400",
}


def _fmt(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def trend_chart(frame: pd.DataFrame, names: dict[str, str], unit_title: str,
                breaks: list[tuple], description: str, height: int = 320) -> alt.Chart:
    """Lines per area over time; Scotland dashed; suppressed points left out; breaks marked."""
    data = frame.dropna(subset=["value"]).copy()
    data["Area"] = data["area_code"].map(names)
    data["Period end"] = pd.to_datetime(data["period"])
    data["Line"] = data["area_code"].map(lambda a: "Scotland" if a == "S92000003" else "Area")
    # official or illustrative, and a status its publisher gave it (provisional / revised)
    data["Status"] = [provenance.label(i, s) for i, s in zip(
        data["illustrative"] if "illustrative" in data else [None] * len(data),
        data["status"] if "status" in data else [None] * len(data), strict=True)]
    order = [names[a] for a in names]
    lines = alt.Chart(data).mark_line(point=alt.OverlayMarkDef(size=50), strokeWidth=2.5).encode(
        x=alt.X("Period end:T", title="Period ending", axis=year_axis()),
        # short enough to fit beside a low plot: the tooltip and the caption give it in full
        y=alt.Y("value:Q", title=unit_title.replace("Rate per 1,000 children aged",
                                                    "Per 1,000 aged"),
                scale=alt.Scale(zero=True), axis=alt.Axis(titleLimit=0)),
        color=alt.Color("Area:N", sort=order, title="Area",
                        scale=alt.Scale(range=["#0065bd", "#c15400", "#2a7d3f", "#7b3294",
                                               "#333333", "#b8860b"])),
        strokeDash=alt.StrokeDash("Line:N", scale=alt.Scale(domain=["Area", "Scotland"],
                                                             range=[[1, 0], [6, 4]]),
                                  legend=None),
        tooltip=["Area", alt.Tooltip("Period end:T", format="%d %b %Y"),
                 alt.Tooltip("value:Q", format=",.2f", title=unit_title), "Status"],
    )
    layers = [lines]
    if breaks and not data.empty:
        first, last = data["Period end"].min(), data["Period end"].max()
        marks = pd.DataFrame([{"Period end": pd.Timestamp(d), "Break": note}
                              for d, note in breaks if first <= pd.Timestamp(d) <= last])
        if not marks.empty:
            layers.append(alt.Chart(marks).mark_rule(color="#555555", strokeDash=[2, 2]).encode(
                x="Period end:T", tooltip=["Break"]))
    return _base(alt.layer(*layers).properties(height=height), description,
                 entry_width=12 + 8 * max(len(n) for n in names.values()))


def describe_trend(frame: pd.DataFrame, names: dict[str, str], unit: str, frequency: str,
                   decimals: int) -> str:
    """'Fife's rate fell from 3.1 to 2.4 per 1,000 between 2019-20 and 2023-24; Scotland's ...'"""

    sentences = []
    for code, name in names.items():
        rows = frame[(frame["area_code"] == code)].dropna(subset=["value"]).sort_values("period")
        if rows.empty:
            sentences.append(f"{name}: no figures can be shown")
            continue
        first, last = rows.iloc[0], rows.iloc[-1]
        a, b = period_label(first["period"], frequency), period_label(last["period"], frequency)
        if len(rows) == 1:
            sentences.append(f"{name}: {_fmt(last['value'], decimals)}{unit} in {b}")
            continue
        change = last["value"] - first["value"]
        verb = "rose" if change > 0 else ("fell" if change < 0 else "was unchanged")
        sentences.append(f"{name} {verb} from {_fmt(first['value'], decimals)} to "
                         f"{_fmt(last['value'], decimals)}{unit} between {a} and {b}")
    hidden = int(frame["suppressed"].fillna(False).astype(bool).sum())
    text = "; ".join(sentences) + "."
    if hidden:
        text += f" {hidden} figure{'s are' if hidden > 1 else ' is'} suppressed to protect confidentiality."
    return text


def comparison_chart(table: pd.DataFrame, scotland: float | None, polarity: str,
                     unit_title: str, description: str, highlight: str | None = None) -> alt.Chart:
    """Areas ranked, coloured by their comparison with Scotland (named in the legend, never by
    colour alone); every bar labelled in full; the chosen area outlined and labelled
    '(chosen)'."""
    data = table.dropna(subset=["value"]).copy()
    data["Comparison"] = [stats.comparison_label(c, polarity) for c in data["comparison"]]
    data["Chosen"] = data["area_code"] == highlight if "area_code" in data else False
    data["area"] = [f"{a} (chosen)" if chosen else a
                    for a, chosen in zip(data["area"], data["Chosen"], strict=True)]
    domain = sorted(set(data["Comparison"]))
    colours = []
    for label in domain:
        if "(better)" in label:
            colours.append(COMPARISON_COLOURS["better"])
        elif "(worse)" in label:
            colours.append(COMPARISON_COLOURS["worse"])
        else:
            colours.append(COMPARISON_COLOURS["neither"].get(label, "#9e9e9e"))
    order = list(data["area"])
    bars = alt.Chart(data).mark_bar().encode(
        y=alt.Y("area:N", sort=order, title=None,
                axis=_every_label(labelFontWeight=alt.ExprRef(
                    expr="indexof(datum.value, '(chosen)') >= 0 ? 'bold' : 'normal'"))),
        x=alt.X("value:Q", title=unit_title),
        color=alt.Color("Comparison:N", scale=alt.Scale(domain=domain, range=colours),
                        title="Compared with Scotland"),
        stroke=alt.condition("datum.Chosen", alt.value("#000000"), alt.value(None)),
        strokeWidth=alt.condition("datum.Chosen", alt.value(3), alt.value(0)),
        tooltip=["area", alt.Tooltip("value:Q", format=",.1f"), "Comparison",
                 *(["Status"] if "Status" in data else [])],
    )
    layers = [bars]
    if {"lower", "upper"} <= set(data.columns) and data["lower"].notna().any() \
            and unit_title.startswith("Rate"):
        layers.append(alt.Chart(data.dropna(subset=["lower"])).mark_rule(color="#333333").encode(
            y=alt.Y("area:N", sort=order), x="lower:Q", x2="upper:Q"))
    if scotland is not None:
        layers.append(alt.Chart(pd.DataFrame({"Scotland": [scotland]})).mark_rule(
            color="#000000", strokeDash=[6, 4], strokeWidth=2).encode(x="Scotland:Q",
                                                                      tooltip=["Scotland"]))
    return _base(alt.layer(*layers).properties(height=ROW_STEP * len(data)), description,
                 entry_width=230)


def _mark_of(label: str) -> tuple[str, str]:
    """(colour, shape) of a comparison class: colour-blind-safe colours and a different
    symbol each, so neither colour nor shape alone carries the meaning."""
    if "(better)" in label:
        return COMPARISON_COLOURS["better"], "circle"
    if "(worse)" in label:
        return COMPARISON_COLOURS["worse"], "triangle-up"
    if label.startswith("Significantly higher"):
        return COMPARISON_COLOURS["neither"]["Significantly higher"], "triangle-up"
    if label.startswith("Significantly lower"):
        return "#4a78c2", "triangle-down"
    if label == "Similar":
        return "#6b6b6b", "square"
    return "#9e9e9e", "diamond"


PROFILE_ROW = 46  # pixels per indicator: its name on a line of its own, the point below it
# (the name's baseline 9 px above the row's middle, where the point sits)


def profile_chart(points: pd.DataFrame, description: str) -> alt.Chart:
    """An area's indicators against Scotland at a glance (a spine, as Fingertips draws it):
    each indicator's latest figure as a percentage of Scotland's (Scotland = 100, the dashed
    line) with its 95% interval, coloured and shaped by its comparison, named in the
    legend and the tooltip. Each indicator's name is written across the chart above its
    point, so even a phone shows where names differ (an axis beside the points leaves a phone
    "Children on the regi…" for nine of them)."""
    data = points.copy()
    domain = list(dict.fromkeys(sorted(data["Comparison"])))
    marks = [_mark_of(label) for label in domain]
    order = list(data["Indicator"])
    y = alt.Y("Indicator:N", sort=order, title=None, axis=None)
    scale = alt.Scale(zero=False, nice=True)
    tooltip = ["Indicator", "Measure", "Period",
               alt.Tooltip("value:Q", title="This area", format=",.1f"),
               alt.Tooltip("scotland:Q", title="Scotland", format=",.1f"),
               alt.Tooltip("relative:Q", title="Per cent of Scotland's", format=",.0f"),
               "Comparison"]
    layers = [alt.Chart(data).mark_text(
        align="left", baseline="bottom", dy=-9, fontSize=13, font=FONT, color="#333333",
        limit=alt.ExprRef("width")).encode(
        y=y, x=alt.value(0), text="Indicator:N", tooltip=tooltip)]
    if data["lower"].notna().any():
        layers.append(alt.Chart(data.dropna(subset=["lower", "upper"])).mark_rule(
            color="#333333", strokeWidth=1.5).encode(
            y=y, x=alt.X("lower:Q", scale=scale), x2="upper:Q"))
    layers.append(alt.Chart(data).mark_point(filled=True, size=140, opacity=1,
                                             stroke="#000000", strokeWidth=0.5).encode(
        y=y,
        x=alt.X("relative:Q", scale=scale, title="% of Scotland's figure (= 100)"),
        color=alt.Color("Comparison:N", title="Compared with Scotland",
                        scale=alt.Scale(domain=domain, range=[m[0] for m in marks])),
        shape=alt.Shape("Comparison:N", title="Compared with Scotland",
                        scale=alt.Scale(domain=domain, range=[m[1] for m in marks])),
        tooltip=tooltip))
    layers.append(alt.Chart(pd.DataFrame({"Scotland": [100]})).mark_rule(
        color="#000000", strokeDash=[6, 4], strokeWidth=2).encode(x="Scotland:Q"))
    return _base(alt.layer(*layers).properties(height=PROFILE_ROW * len(order)), description,
                 entry_width=230)


def describe_profile(points: pd.DataFrame, name: str, shown: int) -> str:
    """'Of 9 indicators compared with Scotland, East Lothian is significantly higher (worse)
    on 2, similar on 6 ...' - the chart's facts in a sentence."""
    if points.empty:
        return f"No indicator of {name} can be placed against Scotland's figure."
    counts = points["Comparison"].value_counts()
    parts = [f"{label.lower()} on {int(n)}" for label, n in counts.items()]
    left = shown - len(points)
    tail = (f" {left} of the {shown} indicators (counts, or figures not shown) are in the "
            "table only." if left else "")
    return (f"Of {len(points)} indicators compared with Scotland, {name} is "
            + ", ".join(parts) + " (the chart shows each figure as a percentage of Scotland's, "
            "the dashed line at 100, with its 95% interval)." + tail)


def describe_comparison(table: pd.DataFrame, period_text: str, polarity: str) -> str:
    counts = table["comparison"].value_counts()
    parts = [f"{int(counts.get(c, 0))} {c.lower()}" for c in
             ("Significantly higher", "Similar", "Significantly lower") if counts.get(c, 0)]
    compared = "; ".join(parts) if parts else "none could be compared"
    shown = table.dropna(subset=["value"])
    top = f" Highest: {shown.iloc[0]['area']}; lowest: {shown.iloc[-1]['area']}." \
        if len(shown) > 1 else ""
    return f"In {period_text}, compared with Scotland: {compared}.{top}"


def themes_chart(themes: pd.DataFrame, description: str) -> alt.Chart:
    """The planning review's criteria, most often rated Weak or Unsatisfactory first: a bar
    and a label for every criterion."""
    data = themes.assign(Criterion=themes["code"] + " " + themes["criterion"])
    chart = alt.Chart(data).mark_bar(color="#d94801").encode(
        y=alt.Y("Criterion:N", sort=list(data["Criterion"]), title=None, axis=_every_label()),
        x=alt.X("weak:Q", title="Areas rated Weak or Unsatisfactory",
                axis=alt.Axis(tickMinStep=1)),
        tooltip=["Criterion", alt.Tooltip("weak:Q", title="Weak or Unsatisfactory"),
                 alt.Tooltip("assessed:Q", title="Areas assessed")],
    ).properties(height=ROW_STEP * len(data))
    return _base(chart, description)


# --- specifications, built once per data version ----------------------------------------------

_SPEC_LOCK = threading.Lock()  # Altair's theme and data-transformer registries are global


def _arrow_bytes(frame: pd.DataFrame) -> bytes:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    sink = pa.BufferOutputStream()
    with pa.RecordBatchStreamWriter(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def spec(chart: alt.TopLevelMixin) -> dict:
    """The chart's Vega-Lite specification as a dictionary, with its data as Arrow bytes (how
    the page sends it), without Altair's jsonschema validation: views build this once per data
    version, so no request validates or deep-copies a chart."""
    datasets: dict[str, bytes] = {}

    def to_arrow(data) -> dict:
        raw = _arrow_bytes(data)
        name = "data-" + hashlib.sha256(raw).hexdigest()[:16]
        datasets[name] = raw
        return {"name": name}

    with _SPEC_LOCK:
        alt.data_transformers.register("cpip_arrow", to_arrow)
        with alt.theme.enable("none"), alt.data_transformers.enable("cpip_arrow"):
            result = chart.to_dict(validate=False)
    result["datasets"] = {**result.get("datasets", {}), **datasets}
    # drawn as SVG (Streamlit honours vega-embed's options here): sharp at any zoom, and its
    # labels are text a browser test can count
    result["usermeta"] = {**result.get("usermeta", {}), "embedOptions": {"renderer": "svg"}}
    # the height given is the plot's: axes and legend add to it (Streamlit's theme fits the
    # whole chart, legend included, into that height, which flattens a small chart to nothing)
    result["autosize"] = {"type": "fit-x", "contains": "padding"}
    return result
