"""Pieces every view uses: prepared downloads and the data version they name."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection

from cpip_dashboard.render import downloads
from cpip_dashboard.rules import provenance as prov
from cpip_dashboard.store.db import data_version
from cpip_dashboard.store.queries import data_status


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


_MEMO: OrderedDict[tuple, object] = OrderedDict()
_MEMO_LOCK = threading.Lock()
MEMO_ENTRIES = 256


def memo(conn: Connection, fn, *args):
    """`fn(conn, *args)` once per database and data version in this process: what several
    views read (the register as at a meeting, an indicator's protected series) is read once,
    whichever view asks first. Results are shared: never change them."""
    key = (str(conn.engine.url), data_version(conn), fn.__module__, fn.__qualname__, args)
    with _MEMO_LOCK:
        if key in _MEMO:
            _MEMO.move_to_end(key)
            return _MEMO[key]
    value = fn(conn, *args)
    with _MEMO_LOCK:
        _MEMO[key] = value
        while len(_MEMO) > MEMO_ENTRIES:
            _MEMO.popitem(last=False)
    return value
