"""The About page's view: the indicator catalogue, the last disclosure audit and the data's
status, as at the data version."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection

from cpip_dashboard.protection.publication import summary as publication_summary
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
    shown = catalogue.rename(columns={
        "code": "Code", "name": "Name", "unit": "Unit", "frequency": "Frequency",
        "definition": "Definition", "polarity": "Polarity", "source": "Official source",
        "series_notes": "Series notes and breaks", "version": "Version"})[
        ["Code", "Name", "Unit", "Frequency", "Polarity", "Definition",
         "Series notes and breaks", "Official source", "Version"]]
    return AboutView(
        audit_line=audit_line, catalogue=shown,
        headline_codes=", ".join(catalogue.loc[catalogue["headline"].astype(bool), "name"]),
        status=data_status(conn), batches=batch_table(conn),
        population_sources=population_sources(conn))
