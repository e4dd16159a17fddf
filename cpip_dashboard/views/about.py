"""The About page's view: the indicator catalogue, the last disclosure audit and the data's
status, as at the data version."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection

from cpip_dashboard.protection.disclosure import SUPPRESSED_SYMBOL, how_protected, suppression_rule
from cpip_dashboard.protection.publication import summary as publication_summary
from cpip_dashboard.rules import provenance, rag
from cpip_dashboard.rules.values import MISSING_SYMBOLS, long_moment
from cpip_dashboard.store.queries import (
    batch_table,
    data_status,
    indicator_catalogue,
    population_sources,
)


@dataclass(frozen=True)
class AboutView:
    audit_line: str | None
    catalogue: pd.DataFrame
    headline_codes: str
    status: dict
    batches: pd.DataFrame
    population_sources: str | None  # where the child populations loaded come from
    rag_table: pd.DataFrame  # each RAG level, word and symbol, with its meaning
    rag_order: str  # "Red, Amber, Green, Complete", from `rag.LEVELS`
    symbols: pd.DataFrame  # every symbol a table or chart can show, with its meaning
    protection: tuple[str, ...]  # how small numbers are protected, sentence by sentence
    last_update: str | None  # "17 September 2024 14:05 UTC", None before any data


def rag_table() -> pd.DataFrame:
    return pd.DataFrame([{"Status": rag.label(level.name), "Meaning": level.definition}
                         for level in rag.LEVELS])


def symbols_table() -> pd.DataFrame:
    symbols = [{"Symbol": SUPPRESSED_SYMBOL,
                "Meaning": "Suppressed by this dashboard to protect children's confidentiality: "
                           + suppression_rule()}]
    symbols += [{"Symbol": s, "Meaning": m[0].upper() + m[1:] + " (as uploaded)"}
                for s, m in MISSING_SYMBOLS.items() if s != SUPPRESSED_SYMBOL]
    symbols += [{"Symbol": symbol, "Meaning": meaning[0].upper() + meaning[1:] + " (shown only "
                 "where the uploaded file gives that status)"}
                for symbol, meaning in provenance.MARKERS.values()]
    return pd.DataFrame(symbols)


def view(conn: Connection) -> AboutView:
    audit = publication_summary(conn)
    audit_line = None
    if audit:
        audit_line = (f"Last check (data version {audit['data_version']}): {audit['figures']:,} "
                      f"figures, {audit['suppressed']:,} hidden, "
                      + ("every hidden figure protected." if not audit["unprotected"] else
                         f"{len(audit['unprotected'])} could not be protected: ask the "
                         "secretariat."))
    catalogue = indicator_catalogue(conn)
    status = data_status(conn)
    shown = catalogue.rename(columns={
        "code": "Code", "name": "Name", "unit": "Unit", "frequency": "Frequency",
        "definition": "Definition", "polarity": "Polarity", "source": "Official source",
        "series_notes": "Series notes and breaks", "version": "Version"})[
        ["Code", "Name", "Unit", "Frequency", "Polarity", "Definition",
         "Series notes and breaks", "Official source", "Version"]]
    return AboutView(
        audit_line=audit_line, catalogue=shown,
        headline_codes=", ".join(catalogue.loc[catalogue["headline"].astype(bool), "name"]),
        status=status, batches=batch_table(conn),
        population_sources=population_sources(conn), rag_table=rag_table(),
        rag_order=rag.SCALE_WORDS,
        symbols=symbols_table(), protection=tuple(how_protected()),
        last_update=(long_moment(status["last_committed_at"])
                     if status["last_committed_at"] is not None else None))
