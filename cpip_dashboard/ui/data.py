"""Cached access to the database for the pages.

`engine()` is one per database URL per process (`st.cache_resource`); it migrates the database
and, for the embedded default SQLite file, loads the sample data on first start.

The data version (the latest publication's id) is read once per run, by the frame, and keys
everything cached: `view(fn, **params)` returns a page's view (`cpip_dashboard.views`), built
once per data version and parameters and shared by every session of the process without a
copy (views are read-only); `q(fn, *args)` does the same for a single query. A commit, an
approval or a rollback in any process moves the version, so every session sees it on its next
run.
"""

from __future__ import annotations

import importlib
import threading

import streamlit as st
from sqlalchemy import Engine

from cpip_dashboard import auth, config
from cpip_dashboard.batches.setup import init_db
from cpip_dashboard.store.db import data_version, make_engine
from cpip_dashboard.ui import keys
from cpip_dashboard.views import frame as frame_view


def read_secrets() -> dict:
    try:
        return st.secrets.to_dict()
    except FileNotFoundError:  # no secrets.toml at all
        return {}


def secrets() -> dict:
    """The secrets, parsed once per run (the frame keeps them for the run; parsing them is a
    measurable share of a page's run)."""
    cached = st.session_state.get(keys.RUN_SECRETS)
    return cached if cached is not None else read_secrets()


def identity() -> auth.Identity:
    """Who is asking, and their role: from the sign-in and the configured roles."""
    user = st.user.to_dict() if hasattr(st.user, "to_dict") else dict(st.user)
    return auth.identify(secrets(), user)


def database_url() -> str:
    return config.database_choice(secrets=secrets()).url


@st.cache_resource(show_spinner="Preparing the database…")
def _engine(url: str) -> Engine:
    engine = make_engine(url)
    is_default = url == config.DEFAULT_DATABASE_URL
    init_db(engine, sample=is_default, user="dashboard (first start)")
    return engine


def engine() -> Engine:
    return _engine(database_url())


def read_version() -> str:
    with engine().connect() as conn:
        return data_version(conn)


def begin_run() -> str:
    """The frame calls this first in every run: the one read of the data version per run."""
    value = read_version()
    st.session_state[keys.RUN_VERSION] = value
    return value


def begin_secrets() -> None:
    st.session_state[keys.RUN_SECRETS] = read_secrets()


def end_run() -> None:
    st.session_state.pop(keys.RUN_VERSION, None)
    st.session_state.pop(keys.RUN_SECRETS, None)


def version() -> str:
    """This run's data version (read once by the frame; a page run alone reads it itself)."""
    value = st.session_state.get(keys.RUN_VERSION)
    return value if value is not None else read_version()


# Views and queries built at once in this process. Python runs one thread at a time, so more
# builds at once finish no sooner, but each holds its rows in memory until it ends: at a
# million values 20 different area profiles opened together peaked at 875 MB unbounded
# (420 MB one after another). Visitors whose view is cached never wait here.
BUILDS = threading.BoundedSemaphore(2)


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(function: str, url: str, data_version_key: str, args: tuple):
    module_name, name = function.rsplit(".", 1)
    fn = getattr(importlib.import_module(module_name), name)
    with BUILDS, _engine(url).connect() as conn:
        return fn(conn, *args)


def q(fn, *args):
    """`fn(conn, *args)` from the package, cached until the data changes."""
    url = database_url()
    _engine(url)
    return _cached(f"{fn.__module__}.{fn.__qualname__}", url, version(), args)


# One process holds a few hundred views (a view is a few hundred kilobytes at most); older
# data versions fall out first.
@st.cache_resource(show_spinner=False, max_entries=384)
def _view(function: str, url: str, data_version_key: str, params: tuple):
    module_name, name = function.rsplit(".", 1)
    fn = getattr(importlib.import_module(module_name), name)
    with BUILDS, _engine(url).connect() as conn:
        return fn(conn, **dict(params))


def view(fn, **params):
    """A page's view `fn(conn, **params)`, built once per data version and parameters. The
    result is shared between sessions: draw it, never change it."""
    url = database_url()
    _engine(url)
    return _view(f"{fn.__module__}.{fn.__qualname__}", url, version(),
                 tuple(sorted(params.items())))


def live(fn, *args):
    """`fn(conn, *args)` read now, uncached: for the few lists that change without the data
    version moving (archived packs, uploads awaiting approval, the audit trail)."""
    with engine().connect() as conn:
        return fn(conn, *args)


def clear() -> None:
    """After this session changed the data (upload, rollback): this run's version is stale."""
    _cached.clear()
    if keys.RUN_VERSION in st.session_state:
        st.session_state[keys.RUN_VERSION] = read_version()


def shared() -> frame_view.FrameView:
    """What every page's frame needs (areas and their labels, illustrative batches)."""
    return view(frame_view.view)
