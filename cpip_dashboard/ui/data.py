"""Cached access to the database for the pages.

`engine()` is one per database URL per process (`st.cache_resource`); it migrates the database
and, for the embedded default SQLite file, loads the sample data on first start. `q(fn, *args)`
runs a query function of the package, cached on the database's data version, so a commit or a
rollback anywhere is visible on the next rerun of every session.
"""

from __future__ import annotations

import importlib

import streamlit as st
from sqlalchemy import Engine

from .. import config
from ..db import data_version, make_engine
from ..setup import init_db


def database_url() -> str:
    try:
        secrets = st.secrets.to_dict()
    except FileNotFoundError:  # no secrets.toml at all
        secrets = {}
    return config.database_choice(secrets=secrets).url


@st.cache_resource(show_spinner="Preparing the database…")
def _engine(url: str) -> Engine:
    engine = make_engine(url)
    is_default = url == config.DEFAULT_DATABASE_URL
    init_db(engine, sample=is_default, user="dashboard (first start)")
    return engine


def engine() -> Engine:
    return _engine(database_url())


def version() -> str:
    with engine().connect() as conn:
        return data_version(conn)


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(function: str, url: str, data_version_key: str, args: tuple):
    module_name, name = function.rsplit(".", 1)
    fn = getattr(importlib.import_module(module_name), name)
    with _engine(url).connect() as conn:
        return fn(conn, *args)


def q(fn, *args):
    """`fn(conn, *args)` from the package, cached until the data changes."""
    url = database_url()
    _engine(url)
    return _cached(f"{fn.__module__}.{fn.__qualname__}", url, version(), args)


def clear() -> None:
    """After this session changed the data (upload, rollback)."""
    _cached.clear()
