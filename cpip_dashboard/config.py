"""Configuration exactly as CONTRACT.md: environment first, then `.streamlit/secrets.toml`."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
REFERENCE_DIR = DATA_DIR / "reference"
SECRETS_FILE = PROJECT_ROOT / ".streamlit" / "secrets.toml"
DEFAULT_SQLITE_PATH = DATA_DIR / "cpip.sqlite"
DEFAULT_DATABASE_URL = f"sqlite:///{DEFAULT_SQLITE_PATH}"

DEFAULT_SUPPRESS_BELOW = 5
DEFAULT_MAX_UPLOAD_MB = 20
DEFAULT_CLASSIFICATION = "OFFICIAL-SENSITIVE"


def load_secrets_file(path: Path = SECRETS_FILE) -> dict[str, Any]:
    """The project's secrets.toml as a dict ({} when absent). The app uses st.secrets instead."""
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        return tomllib.load(handle)


@dataclass(frozen=True)
class DatabaseChoice:
    url: str
    is_default: bool  # the embedded SQLite file: created, migrated and given sample data on start

    @property
    def label(self) -> str:
        """The URL with any password hidden, for messages and the About page."""

        return make_url(self.url).render_as_string(hide_password=True)


def database_choice(
    environ: Mapping[str, str] | None = None, secrets: Mapping[str, Any] | None = None
) -> DatabaseChoice:
    """`DATABASE_URL`, else secrets `[connections.cpip] url`, else the default SQLite file."""
    environ = os.environ if environ is None else environ
    url = environ.get("DATABASE_URL", "").strip()
    if url:
        return DatabaseChoice(url, is_default=False)
    secrets = load_secrets_file() if secrets is None else secrets
    url = str(secrets.get("connections", {}).get("cpip", {}).get("url", "") or "").strip()
    if url:
        return DatabaseChoice(url, is_default=False)
    return DatabaseChoice(DEFAULT_DATABASE_URL, is_default=True)


def _positive_int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number, not {raw!r}.") from exc
    if value < 1:
        raise ValueError(f"{name} must be at least 1, not {value}.")
    return value


def suppress_below(environ: Mapping[str, str] | None = None) -> int:
    """Sub-national counts from 1 up to this number minus one are suppressed."""
    environ = os.environ if environ is None else environ
    return _positive_int(environ, "CPIP_SUPPRESS_BELOW", DEFAULT_SUPPRESS_BELOW)


def max_upload_mb(environ: Mapping[str, str] | None = None) -> int:
    environ = os.environ if environ is None else environ
    return _positive_int(environ, "CPIP_MAX_UPLOAD_MB", DEFAULT_MAX_UPLOAD_MB)


def classification(environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    return environ.get("CPIP_CLASSIFICATION", "").strip() or DEFAULT_CLASSIFICATION


DEFAULT_PARSE_MEMORY_MB = 1024
DEFAULT_PARSE_SECONDS = 120


def parse_memory_mb(environ: Mapping[str, str] | None = None) -> int:
    """The address space a worker reading an upload may use (`CPIP_PARSE_MEMORY_MB`)."""
    environ = os.environ if environ is None else environ
    return _positive_int(environ, "CPIP_PARSE_MEMORY_MB", DEFAULT_PARSE_MEMORY_MB)


def parse_seconds(environ: Mapping[str, str] | None = None) -> int:
    """How long a worker reading an upload may take before it is killed (`CPIP_PARSE_SECONDS`)."""
    environ = os.environ if environ is None else environ
    return _positive_int(environ, "CPIP_PARSE_SECONDS", DEFAULT_PARSE_SECONDS)
