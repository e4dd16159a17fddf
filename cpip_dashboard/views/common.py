"""Pieces every view uses: prepared downloads and the data version they name."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection

from .. import downloads
from .. import provenance as prov
from ..db import data_version
from ..queries import data_status


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "data"


@dataclass(frozen=True)
class Download:
    """A table's CSV and Excel files, built once with the view (formula-safe, provenance
    inside: Status, Source and Data version columns; in Excel a Notes sheet too)."""

    name: str  # file name without extension
    csv: bytes
    xlsx: bytes


def download(frame: pd.DataFrame, name: str, provenance: prov.Provenance,
             notes: list[str] | None = None) -> Download:
    stem = slug(name)
    return Download(stem, downloads.to_csv(frame, provenance),
                    downloads.to_excel(frame, notes=notes, provenance=provenance))


def records_download(conn: Connection, frame: pd.DataFrame, name: str) -> Download:
    """A table of the programme's records (not figures), marked from the batches current."""
    return download(frame, name, prov.records(len(frame), data_status(conn),
                                              data_version(conn), slug(name)))
