"""The sample data: built by code from `data/reference/`, loaded through the import pipeline as
one batch marked illustrative (rolling that batch back removes all of it).

Real: the Leadership Group's meetings (days invented where the source gives only a month, and
said so), the actions quoted from the CPIP report, the Systems Review and the internet safety
action plan, and the Scotland figures in `cp_scotland_national_indicators.csv`.
Illustrative: child populations by council, council series (national totals shared out by
population with deterministic variation, so councils add up to Scotland), the remaining
actions, status updates, meetings after 2019 where none was found, and review assessments.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from cpip_dashboard.imports.reading import RawSheet
from cpip_dashboard.store.reference import area_rows, read_csv

SAMPLE_FILE_NAME = "sample-data (illustrative).xlsx"
YEARS = range(2012, 2025)  # child protection years ending 31 July 2012 .. 2024
ILLUSTRATIVE = "Illustrative figure generated for the sample data - not an official statistic"


def _rng(*parts: object) -> random.Random:
    return random.Random("|".join(str(p) for p in parts))


# --- meetings ---------------------------------------------------------------------------------

INVENTED_DAYS = {"2017-06": 20, "2017-12": 12, "2018-03": 20, "2018-06": 21, "2019-01": 29,
                 "2019-09": 17}
LATER_MEETINGS = ["2020-03-10", "2020-09-22", "2021-03-16", "2021-09-21", "2022-09-20",
                  "2023-03-21", "2023-09-19", "2024-03-19", "2024-09-17"]


def meetings() -> list[dict]:
    result = []
    for row in read_csv("ncplg_meetings.csv"):
        month = row["meeting"]
        if len(month) == 7:
            day = dt.date.fromisoformat(f"{month}-{INVENTED_DAYS[month]:02d}")
            title = "National Child Protection Leadership Group (month from minutes; day illustrative)"
        else:
            day = dt.date.fromisoformat(month)
            title = "National Child Protection Leadership Group"
        chair = row["chair_role_as_minuted"] or None
        if row["chair"] and not row["chair"].startswith("("):
            chair = f"{row['chair']}, {row['chair_role_as_minuted']}".strip(", ")
        result.append({"Date": day, "Title": title, "Chair": chair})
    for day in LATER_MEETINGS:
        result.append({"Date": dt.date.fromisoformat(day),
                       "Title": "National Child Protection Leadership Group (illustrative meeting)",
                       "Chair": "Minister for Children and Young People (illustrative)"})
    return sorted(result, key=lambda m: m["Date"])


# --- populations and indicator series -------------------------------------------------------


def councils() -> list[dict]:
    return [a for a in area_rows()[0] if a["kind"] == "council"]


def child_populations() -> dict[tuple[str, int], int]:
    """Illustrative children aged 0-17 by council and year (mid-2018 totals x a child share)."""
    totals = {r["area_code"]: float(r["value"]) for r in read_csv("population_context.csv")
              if r["reference_date"] == "2018-06-30" and r["sex"] == "persons"
              and r["area_code"] != "S92000003"}
    result = {}
    for council in councils():
        code = council["code"]
        share = 0.17 + 0.04 * _rng("share", code).random()
        drift = -0.004 + 0.006 * _rng("drift", code).random()
        for year in YEARS:
            result[(code, year)] = round(totals[code] * share * (1 + drift * (year - 2018)))
    return result


def _real_scotland() -> dict[tuple[str, int], tuple[float, str]]:
    """Real Scotland figures: the revised figure where there is one, else the first published."""
    mapping = {"children_on_cp_register": "CP_REGISTER", "cp_registrations": "CP_REGISTRATIONS",
               "cp_deregistrations": "CP_DEREGISTRATIONS",
               "initial_and_prebirth_cppms": "CPPM_INITIAL"}
    found: dict[tuple[str, int], tuple[float, str]] = {}
    for row in read_csv("cp_scotland_national_indicators.csv"):
        code = mapping.get(row["indicator"])
        if code is None or row["breakdown"] != "All":
            continue
        year = int(row["reference_period"][-10:-6])
        if year not in YEARS:
            continue
        revised = row["vintage"].startswith("revised")
        if (code, year) in found and not revised:
            continue
        note = f"Official figure ({row['vintage']}, {row['publication']})"
        found[(code, year)] = (float(row["value"]), note)
    return found


# Share of children on the register with each concern, and the first year it is recorded.
# The 2023-24 shares of the five most common concerns are published; the other shares and the
# start years are illustrative.
CONCERN_SHARES = {
    "CONCERN_DOMESTIC_ABUSE": (0.45, 2012), "CONCERN_NEGLECT": (0.42, 2012),
    "CONCERN_PARENTAL_MENTAL_HEALTH": (0.37, 2012), "CONCERN_PARENTAL_SUBSTANCE": (0.39, 2012),
    "CONCERN_EMOTIONAL_ABUSE": (0.33, 2012), "CONCERN_PHYSICAL_ABUSE": (0.21, 2012),
    "CONCERN_SEXUAL_ABUSE": (0.08, 2012), "CONCERN_CSE": (0.03, 2016),
    "CONCERN_TRAFFICKING": (0.006, 2016), "CONCERN_ONLINE": (0.02, 2018),
}


def scotland_totals() -> dict[tuple[str, int], tuple[float, str]]:
    real = _real_scotland()
    totals: dict[tuple[str, int], tuple[float, str]] = dict(real)
    register_2012 = 2706.0
    totals.setdefault(("CP_REGISTER", 2012), (register_2012, ILLUSTRATIVE))
    for year in YEARS:
        register = totals[("CP_REGISTER", year)][0]
        r = _rng("scot", year)
        registrations = totals.get(("CP_REGISTRATIONS", year), (None,))[0]
        if registrations is None:
            registrations = round(register * (1.55 + 0.1 * r.random()))
            totals[("CP_REGISTRATIONS", year)] = (registrations, ILLUSTRATIVE)
        if ("CP_DEREGISTRATIONS", year) not in totals:
            previous = totals.get(("CP_REGISTER", year - 1), (register,))[0]
            totals[("CP_DEREGISTRATIONS", year)] = (
                max(0, registrations - (register - previous)), ILLUSTRATIVE)
        totals[("CP_REREGISTRATIONS", year)] = (round(registrations * (0.12 + 0.04 * r.random())),
                                                ILLUSTRATIVE)
        if ("CPPM_INITIAL", year) not in totals:
            totals[("CPPM_INITIAL", year)] = (round(registrations * (1.25 + 0.1 * r.random())),
                                              ILLUSTRATIVE)
        for code, (share, start) in CONCERN_SHARES.items():
            if year >= start:
                wobble = 1 + 0.08 * (r.random() - 0.5) if year < 2024 else 1
                totals[(code, year)] = (round(register * share * wobble), ILLUSTRATIVE)
    totals[("IRD", 2024)] = (16_850.0, ILLUSTRATIVE)
    return totals


# Cases built on purpose so that the sample shows what only this dashboard says (issue 23;
# data/README.md lists them and the flags they raise). Illustrative, like every council figure.
NOT_SUBMITTED = {  # (indicator, year) -> (council, note): a late figure
    ("IRD", 2024): ("S12000034", "Not submitted for 2023-24"),  # as in the real publication
    ("CPPM_INITIAL", 2024): ("S12000020", "Illustrative: not submitted for 2023-24"),  # Moray
}
# (indicator, council) -> (from year, share then, growth a year): a share rising steadily
RISING_SHARE = {("CP_REREGISTRATIONS", "S12000049"): (2020, 1.0, 1.15)}  # Glasgow City
JUMPS = {("CONCERN_PARENTAL_MENTAL_HEALTH", "S12000047", 2024): 2.3}  # Fife: an odd last year


def _variation(code: str, council: str, year: int) -> float:
    """A council's share of Scotland's figure, relative to its need: deterministic noise of
    up to 15% either way, except for the cases built on purpose (a share rising steadily
    since a year, without noise; one year's jump)."""
    rising = RISING_SHARE.get((code, council))
    if rising is not None and year >= rising[0]:
        return rising[1] * rising[2] ** (year - rising[0])
    jump = JUMPS.get((code, council, year), 1.0)
    return jump * (1 + 0.3 * (_rng(code, council, year).random() - 0.5))


def _share_out(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Whole numbers proportional to weights that add up exactly to total (largest remainder)."""
    whole = sum(weights.values())
    raw = {k: total * w / whole for k, w in weights.items()}
    result = {k: int(v) for k, v in raw.items()}
    left = total - sum(result.values())
    for k in sorted(raw, key=lambda k: raw[k] - result[k], reverse=True)[:left]:
        result[k] += 1
    return result


def indicator_rows(populations: dict[tuple[str, int], int]) -> list[dict]:
    """Scotland's figures and every council's share of them. Council figures add up exactly to
    Scotland, and keep the relations `data/reference/relations.csv` declares: each council's
    register at the end of a year is its register at the start plus registrations minus
    de-registrations (Scotland's own gap, at most 2, is carried by its largest council)."""
    totals = scotland_totals()
    factors = {c["code"]: 0.55 + 1.1 * _rng("need", c["code"]).random() for c in councils()}
    shares: dict[tuple[str, int], dict[str, int]] = {}
    for (code, year), (total, _note) in sorted(totals.items()):
        members = [c["code"] for c in councils()]
        if (code, year) in NOT_SUBMITTED:
            members.remove(NOT_SUBMITTED[(code, year)][0])
        weights = {m: populations[(m, year)] * factors[m] * _variation(code, m, year)
                   for m in members}
        shares[(code, year)] = _share_out(int(total), weights)
    for year in YEARS:
        if ("CP_REGISTER", year - 1) in shares:
            _keep_stock_and_flow(shares, totals, year)
    rows = []
    for (code, year), (total, note) in sorted(totals.items()):
        period = f"{year - 1}-{str(year)[2:]}"
        rows.append({"Indicator": code, "Area": "S92000003", "Period": period, "Value": total,
                     "Status": None, "Notes": note})
        if (code, year) in NOT_SUBMITTED:
            council, note = NOT_SUBMITTED[(code, year)]
            rows.append({"Indicator": code, "Area": council, "Period": period, "Value": "x",
                         "Status": None, "Notes": note})
        for member, value in shares[(code, year)].items():
            rows.append({"Indicator": code, "Area": member, "Period": period, "Value": value,
                         "Status": None, "Notes": None})
    return rows


def _keep_stock_and_flow(shares: dict, totals: dict, year: int) -> None:
    """Council de-registrations = register at the start + registrations - register at the
    end, so stock and flow hold for every council; registrations move from the largest
    council where a small one would need a negative number."""
    start, end = shares[("CP_REGISTER", year - 1)], shares[("CP_REGISTER", year)]
    added = shares[("CP_REGISTRATIONS", year)]
    largest = max(added, key=lambda m: (added[m], m))
    for member in added:
        short = end[member] - start[member] - added[member]
        if short > 0 and member != largest:
            added[member] += short
            added[largest] -= short
    removed = {m: start[m] + added[m] - end[m] for m in added}
    gap = int(totals[("CP_DEREGISTRATIONS", year)][0]) - sum(removed.values())
    removed[largest] += gap
    shares[("CP_DEREGISTRATIONS", year)] = removed


# --- actions and updates ----------------------------------------------------------------------

WORKSTREAM_NAMES = {"Child Protection Systems Review": "SYS", "Neglect": "NEG",
                    "Child Sexual Exploitation": "CSE", "Child Internet Safety": "NET",
                    "Leadership, Governance and Accountability": "SYS"}
LINKED = {"SYS": "CP_REGISTER,CP_REREGISTRATIONS down", "NEG": "CONCERN_NEGLECT",
          "CSE": "CONCERN_CSE", "TRAF": "CONCERN_TRAFFICKING", "DATA": "IRD",
          "CH": "CP_REGISTRATIONS", "LEAD": "CP_REREGISTRATIONS down", "INSP": "CP_REGISTER",
          "NET": "CONCERN_ONLINE"}
# Built on purpose (issue 23): an action whose own link and areas differ from its workstream's
# (CH-3 in Glasgow City, where re-registrations rise), and ratings given at the last meeting
# (REC-11 Red while re-registrations fall in Scotland). data/README.md lists them.
OWN_LINKS = {"CH-3": ("Glasgow City", "CP_REREGISTRATIONS down")}
LAST_MEETING = {"REC-11": ("Red", "Key partner capacity withdrawn; a revised plan is needed.")}
# Actions not found word for word: written in the programme's style, marked illustrative.
ILLUSTRATIVE_ACTIONS = [
    ("CSE-2", "CSE", "Refresh the National Action Plan to Prevent and Tackle Child Sexual Exploitation with partners.", "National CSE Working Group", "2018-03-31", ""),
    ("CSE-3", "CSE", "Develop guidance for practitioners on identifying and responding to child sexual exploitation.", "Scottish Government", "2018-12-31", ""),
    ("CSE-4", "CSE", "Run a national awareness campaign on child sexual exploitation for parents and carers.", "Police Scotland", "2019-03-31", ""),
    ("TRAF-1", "TRAF", "Deliver the children's actions of the Trafficking and Exploitation Strategy through the Child Trafficking Strategy Group.", "Child Trafficking Strategy Group", "2019-06-30", ""),
    ("TRAF-2", "TRAF", "Introduce Independent Child Trafficking Guardians for children who may have been trafficked.", "Scottish Government", "2019-12-31", ""),
    ("TRAF-3", "TRAF", "Update inter-agency guidance on child trafficking in the National Guidance for Child Protection.", "Scottish Government", "2020-03-31", ""),
    ("DATA-1", "DATA", "Develop a shared dataset for children and young people in need of care and protection.", "CELCIS", "2019-03-31", ""),
    ("DATA-2", "DATA", "Pilot the minimum dataset for Child Protection Committees in test-site committees.", "CELCIS", "2019-12-31", "S12000047,CPC05"),
    ("DATA-3", "DATA", "Collect inter-agency referral discussion figures in the national child protection statistics.", "Scottish Government", "2025-07-31", ""),
    ("DATA-4", "DATA", "Publish an annual analysis of child protection data for the Leadership Group.", "Scottish Government", "2020-06-30", ""),
    ("CH-1", "CH", "Strengthen the connection between child protection and the children's hearings system.", "Scottish Children's Reporter Administration", "2019-06-30", ""),
    ("CH-2", "CH", "Review the support available to panel members on child protection matters.", "Children's Hearings Scotland", "2019-03-31", ""),
    ("CH-3", "CH", "Improve information sharing between reporters and child protection services.", "Scottish Children's Reporter Administration", "2020-03-31", ""),
    ("LEAD-1", "LEAD", "Deliver Chief Officer leadership events on child protection across Scotland.", "Scottish Government", "2019-03-31", ""),
    ("LEAD-2", "LEAD", "Publish revised guidance on the roles of Child Protection Committees and Chief Officers.", "Scottish Government", "2019-01-31", ""),
    ("LEAD-3", "LEAD", "Develop a national workforce development framework for child protection.", "Scottish Social Services Council", "2020-06-30", ""),
    ("INSP-1", "INSP", "Introduce the revised model of joint inspection of services for children in need of care and protection.", "Care Inspectorate", "2018-04-30", ""),
    ("INSP-2", "INSP", "Agree link inspector arrangements to monitor improvement after joint inspections.", "Care Inspectorate", "2018-12-31", ""),
    ("INSP-3", "INSP", "Report annually to the Leadership Group on findings of joint inspections.", "Care Inspectorate", "2019-09-30", "S12000008,S12000021,S12000028"),
]
REC_SUMMARIES = {  # Systems Review recommendations 4-12: short illustrative summaries
    4: "Strengthen support for Child Protection Committees through Child Protection Committees Scotland.",
    5: "Develop a national approach to learning reviews replacing significant case reviews.",
    6: "Ensure the revised National Guidance for Child Protection reflects the review's findings.",
    7: "Strengthen multi-agency training on child protection.",
    8: "Improve consistency of inter-agency referral discussions across Scotland.",
    9: "Develop a national minimum dataset for child protection.",
    10: "Review the child protection register and its use.",
    11: "Improve the involvement of children and families in child protection processes.",
    12: "Support health boards to strengthen their child protection leadership.",
}


def actions() -> list[dict]:
    result = []
    for row in read_csv("programme_actions_verified.csv"):
        ref = row["ref"].replace("IS-", "NET-") if row["ref"].startswith("IS-") else row["ref"]
        ws = WORKSTREAM_NAMES[row["workstream"]]
        areas = "Dundee City, Inverclyde, Perth and Kinross" if ref == "NEG-3" else ""
        due = {"SR-2": "2018-04-30", "NEG-4": "2017-12-31", "NEG-3": "2017-12-31",
               "REC-1": "2017-06-30", "REC-2": "2019-01-31"}.get(ref, _due(ref))
        result.append({"Action ID": ref, "Workstream": ws, "Action": row["text"],
                       "Lead": row["named_lead_or_partner"], "Area": areas, "Due date": due,
                       "Indicators": LINKED[ws],
                       "Source": f"{row['document']} ({row['published']}); {row['source_url']}"})
    for ref, ws, text, lead, due, areas in ILLUSTRATIVE_ACTIONS:
        areas, linked = OWN_LINKS.get(ref, (areas, LINKED[ws]))
        result.append({"Action ID": ref, "Workstream": ws, "Action": text, "Lead": lead,
                       "Area": areas, "Due date": due, "Indicators": linked,
                       "Source": "Illustrative action written for the sample data"})
    for number, text in REC_SUMMARIES.items():
        result.append({"Action ID": f"REC-{number}", "Workstream": "SYS", "Action": text,
                       "Lead": "Scottish Government with partners", "Area": "",
                       "Due date": _due(f"REC-{number}"), "Indicators": LINKED["SYS"],
                       "Source": "Child Protection Systems Review recommendation "
                                 f"{number} (illustrative summary)"})
    return result


def _due(ref: str) -> str:
    r = _rng("due", ref)
    year = r.choice([2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025, 2025])
    return f"{year}-{r.choice(['03-31', '06-30', '12-31'])}"


# Status stories told by the real milestones; other actions follow a deterministic walk.
STORIES: dict[str, list[tuple[str, str, str]]] = {
    # (from meeting date, RAG, commentary)
    "NEG-4": [("2017-06-20", "Green", "Consultation on section 12 of the 1937 Act being prepared for 2017."),
              ("2017-12-12", "Amber", "Consultation slipped into 2018 while the reframed offence is scoped with partners."),
              ("2018-06-21", "Red", "Consultation not yet launched; 2017 timescale missed. Escalated to the Leadership Group."),
              ("2018-10-02", "Amber", "Consultation open; closes 14 November 2018."),
              ("2019-01-29", "Green", "Consultation closed 14 November 2018 with 221 responses; analysis under way."),
              ("2019-09-17", "Complete", "Consultation analysis published.")],
    "SR-2": [("2017-06-20", "Green", "Review Group to reconvene in April 2018."),
             ("2018-06-21", "Complete", "Systems Review Group reconvened in April 2018 to review progress.")],
    "REC-1": [("2017-06-20", "Complete", "National Child Protection Leadership Group established; first meeting June 2017.")],
    "REC-2": [("2017-06-20", "Green", "Work on CPC and Chief Officer responsibilities scoped."),
              ("2018-10-02", "Amber", "Revised guidance drafting behind plan; recovery plan agreed."),
              ("2019-01-29", "Green", "Revised CPC and Chief Officer guidance on track for end of January 2019."),
              ("2019-09-17", "Complete", "Guidance published.")],
    "DATA-3": [("2017-06-20", "Green", "Scoping the national collection of inter-agency referral discussion (IRD) figures."),
               ("2023-09-19", "Amber", "First national IRD collection (2023-24) under way; one council's return is at risk."),
               ("2024-09-17", "Red", "2023-24 IRD figures published without Aberdeenshire, which did not submit; escalation needed to complete the national collection.")],
    "REC-8": [("2017-06-20", "Green", "Work to improve the consistency of IRDs scoped with partners."),
              ("2024-03-19", "Amber", "Review of national IRD guidance delayed; recovery plan agreed with Police Scotland and health boards.")],
    "INSP-1": [("2017-06-20", "Green", "Revised model being developed with partners."),
               ("2018-06-21", "Complete", "Revised model of joint inspection began in April 2018.")],
}
COMMENTS = {
    "Red": ["Delivery will miss the agreed date; escalation to the Leadership Group requested.",
            "Key partner capacity withdrawn; a revised plan is needed.",
            "Funding not yet confirmed; work paused pending decision."],
    "Amber": ["Timescale at risk; recovery plan agreed with the lead.",
              "Dependencies on partner work delaying progress.",
              "Scope being revised after stakeholder feedback."],
    "Green": ["On track.", "Progressing to plan.", "Milestones met this period."],
    "Complete": ["Delivered.", "Completed and handed to business as usual."],
    "Not started": ["Scheduled to start later in the programme."],
}


def updates(action_rows: list[dict], meeting_rows: list[dict]) -> list[dict]:
    result = []
    dates = [m["Date"] for m in meeting_rows]
    for action in action_rows:
        ref = action["Action ID"]
        r = _rng("walk", ref)
        due = dt.date.fromisoformat(action["Due date"])
        start_index = 0 if r.random() < 0.8 else r.randint(1, 3)
        story = [(dt.date.fromisoformat(d), s, c) for d, s, c in STORIES.get(ref, [])]
        status = "Green"
        for index, meeting in enumerate(dates):
            reporting = meeting - dt.timedelta(days=7)
            if index < start_index:
                status, comment = "Not started", COMMENTS["Not started"][0]
            elif story:
                status, comment = next(((s, c) for d, s, c in reversed(story) if d <= meeting),
                                       ("Green", "On track."))
            elif status != "Complete":
                status = _next_status(status, meeting, due, r)
                comment = r.choice(COMMENTS[status])
            else:
                comment = "Delivered."
            # A few gaps so the register has stale actions and changes without commentary.
            if index == len(dates) - 1 and ref in ("CSE-4", "TRAF-3"):
                continue
            if index == len(dates) - 1 and ref in LAST_MEETING:
                status, comment = LAST_MEETING[ref]
            if ref == "CH-2" and index == 5 and status in ("Green", "Complete"):
                comment = ""
            progress = {"Not started": 0, "Complete": 100}.get(
                status, min(95, 10 + 10 * (index - start_index)))
            revised = "2018-12-31" if ref == "NEG-4" and meeting >= dt.date(2018, 6, 21) else None
            result.append({"Action ID": ref, "Reporting date": reporting, "RAG": status,
                           "Progress %": progress, "Commentary": comment or None,
                           "Next steps": None if status == "Complete" else "Report progress at the next meeting.",
                           "Revised due date": revised})
    return result


def _next_status(status: str, meeting: dt.date, due: dt.date, r: random.Random) -> str:
    if status == "Not started":
        return "Green"
    late = meeting > due
    near = meeting >= due - dt.timedelta(days=120)
    roll = r.random()
    if near and roll < (0.3 if late else 0.2):
        return "Complete" if status == "Green" else "Green"
    if status == "Green":
        return "Amber" if roll > (0.82 if late else 0.9) else "Green"
    if status == "Amber":
        return "Red" if roll > 0.9 else ("Green" if roll > 0.55 else "Amber")
    return "Amber" if roll > 0.4 else "Red"


# --- planning review --------------------------------------------------------------------------

RATINGS = ["Excellent", "Very good", "Good", "Good", "Adequate", "Adequate", "Weak",
           "Unsatisfactory"]
LINKED_ACTIONS = {"PR-07": "REC-2", "PR-12": "LEAD-2", "PR-13": "DATA-2", "PR-14": "REC-5",
                  "PR-15": "INSP-2"}


def review_rows() -> list[dict]:
    rows = []
    criteria = [r["code"] for r in read_csv("planning_review_dimensions.csv")]
    first, follow_up = dt.date(2018, 6, 1), dt.date(2019, 8, 30)
    for council in councils():
        for criterion in criteria:
            r = _rng("review", council["code"], criterion)
            rating = r.choice(RATINGS)
            weak = rating in ("Weak", "Unsatisfactory")
            needs = weak or rating == "Adequate"
            row = {"Area": council["code"], "Criterion": criterion, "Rating": rating,
                   "Assessed on": first,
                   "Evidence": f"Illustrative: evidence reviewed for {criterion} in {council['name']} "
                               "(plans, minutes and self-evaluation).",
                   "Finding": ("Illustrative: arrangements are not yet consistent with guidance."
                               if weak else "Illustrative: arrangements broadly meet guidance."),
                   "Recommendation": ("Illustrative: strengthen arrangements and report progress "
                                      "to the Chief Officers' Group." if needs else None),
                   "Owner": "Chief Officers' Group" if needs else None,
                   "Target date": dt.date(2019, 3, 31) if needs else None,
                   "Progress": (r.choice(["Not started", "In progress", "Done"]) if needs else None),
                   "Action ID": LINKED_ACTIONS.get(criterion) if needs else None}
            rows.append(row)
            if weak and r.random() < 0.6:
                rows.append(dict(row, **{"Assessed on": follow_up,
                                         "Rating": r.choice(["Adequate", "Good"]),
                                         "Finding": "Illustrative: improvement seen at follow-up.",
                                         "Progress": "Done"}))
    return rows


# --- the workbook -------------------------------------------------------------------------------


def _sheet(name: str, rows: list[dict]):
    headers = list(rows[0])
    cells = [headers] + [["" if r[h] is None else r[h] for h in headers] for r in rows]
    return RawSheet(name, cells)


def sample_sheets():
    """The sample data as sheets, in the upload templates' layout."""
    meeting_rows = meetings()
    populations = child_populations()
    action_rows = actions()
    pop_rows = [{"Area": code, "Year": year, "Children aged 0-17": value}
                for (code, year), value in sorted(populations.items())]
    scot = defaultdict(int)
    for (_, year), value in populations.items():
        scot[year] += value
    pop_rows += [{"Area": "S92000003", "Year": y, "Children aged 0-17": v}
                 for y, v in sorted(scot.items())]
    return [
        _sheet("Meetings", [{"Date": m["Date"], "Title": m["Title"], "Chair": m["Chair"]}
                            for m in meeting_rows]),
        _sheet("Populations", pop_rows),
        _sheet("Actions", action_rows),
        _sheet("Updates", updates(action_rows, meeting_rows)),
        _sheet("Indicators", indicator_rows(populations)),
        _sheet("Review", review_rows()),
    ]
