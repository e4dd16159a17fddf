"""The data model (SQLAlchemy 2 typed ORM).

Reference tables (`area`, `area_alias`, `workstream`, `review_criterion`, the built-in rows of
`indicator`) are synchronised from `data/reference/` on start. Everything the secretariat uploads
is **append-only** and carries the `upload_batch` that brought it: the current view of a key is
its row from the latest committed, not rolled-back batch (see `current`); a batch pending
approval or rejected is never current.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class BatchState(StrEnum):
    """Where a batch stands (stored as its value in `upload_batch.state`)."""
    PENDING = "pending"  # stored, awaiting approval; shows nowhere
    COMMITTED = "committed"  # current: its rows are on every page
    REJECTED = "rejected"  # refused by an approver, or withdrawn by its uploader
    ROLLED_BACK = "rolled_back"  # its rows left every page; history keeps them


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# --- reference ---------------------------------------------------------------------------


class Area(Base):
    """Scotland, a council (GSS code) or a child protection committee (CPC id)."""

    __tablename__ = "area"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # scotland / council / cpc
    parent_code: Mapped[str | None] = mapped_column(String(16))  # a council's CPC
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    name_verified: Mapped[bool] = mapped_column(Boolean, default=True)
    source_url: Mapped[str | None] = mapped_column(Text)


class AreaAlias(Base):
    """A normalised name, variant or superseded code that means an area."""

    __tablename__ = "area_alias"
    alias: Mapped[str] = mapped_column(String(200), primary_key=True)
    area_code: Mapped[str] = mapped_column(ForeignKey("area.code"))
    kind: Mapped[str] = mapped_column(String(24))  # name / variant / superseded code / code


class Workstream(Base):
    __tablename__ = "workstream"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class ReviewCriterion(Base):
    __tablename__ = "review_criterion"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    planning_process: Mapped[str] = mapped_column(String(100))
    dimension: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


# --- batches and audit -------------------------------------------------------------------


class UploadBatch(Base):
    __tablename__ = "upload_batch"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file_name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    kinds: Mapped[str] = mapped_column(String(200))  # comma-separated sheet kinds
    uploaded_by: Mapped[str] = mapped_column(String(200))
    committed_at: Mapped[dt.datetime] = mapped_column(DateTime)  # UTC, naive
    changes_json: Mapped[str] = mapped_column(Text)  # per sheet: added / changed / unchanged
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)
    # pending (awaiting a second secretariat member) / committed / rejected / rolled_back
    state: Mapped[str] = mapped_column(String(16), default=BatchState.COMMITTED, index=True)
    rolled_back_by: Mapped[str | None] = mapped_column(String(200))
    rolled_back_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Two-person approval (migration 0004): the batch became current when approved; a
    # rejected (or, by its uploader, withdrawn) batch never does.
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # UTC, naive
    rejected_by: Mapped[str | None] = mapped_column(String(200))
    rejected_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    rejected_reason: Mapped[str | None] = mapped_column(Text)
    # Who, by identity (migration 0008): a signed-in person's "<iss>|<sub>", a command-line
    # name as written; the *_by columns above keep the name (and email) for display. NULL on
    # rows from before identities were kept: those are matched by name (`auth.same_person`).
    uploaded_by_id: Mapped[str | None] = mapped_column(String(512))
    approved_by_id: Mapped[str | None] = mapped_column(String(512))
    rejected_by_id: Mapped[str | None] = mapped_column(String(512))
    rolled_back_by_id: Mapped[str | None] = mapped_column(String(512))


class BatchPreview(Base):
    """What a pending batch would change, exactly as its uploader saw it (the preview's
    tables and warnings, as JSON), for the second secretariat member who approves it."""

    __tablename__ = "batch_preview"
    batch_id: Mapped[int] = mapped_column(ForeignKey("upload_batch.id"), primary_key=True)
    preview_json: Mapped[str] = mapped_column(Text)


class AuditEvent(Base):
    """Append-only and tamper-evident (migration 0008): each row's `hash` is the SHA-256 of its
    content and the row before's hash (`audit.canonical`), written only by `audit.write`; on
    PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    user: Mapped[str] = mapped_column(String(200))  # the name (and email), for display
    event: Mapped[str] = mapped_column(String(32))  # upload / rollback / pack / download / sign-in
    detail: Mapped[str] = mapped_column(Text, default="")
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("upload_batch.id"))
    user_id: Mapped[str | None] = mapped_column(String(512))  # "<iss>|<sub>", or a CLI name
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


# --- uploaded, append-only ----------------------------------------------------------------


class Indicator(Base):
    """An indicator definition. Built-in versions have no batch; uploads add versions."""

    __tablename__ = "indicator"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(32))  # count / rate per 1,000 / percent
    frequency: Mapped[str] = mapped_column(String(16))  # annual / monthly / quarterly
    definition: Mapped[str] = mapped_column(Text)
    polarity: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)
    headline: Mapped[bool] = mapped_column(Boolean, default=False)
    numerator: Mapped[str | None] = mapped_column(String(64))  # count a rate is built on
    denominator: Mapped[str | None] = mapped_column(String(100))
    series_notes: Mapped[str | None] = mapped_column(Text)
    # how it relates to the others, canonical text (`relation_forms`): none / part of CODE /
    # rate of CODE / sum of CODE over N periods / sum of CODE, CODE; None for built-ins
    relation: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("upload_batch.id"), index=True)


class Action(Base):
    """One version of a register action (a new row per changed upload)."""

    __tablename__ = "action"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ref: Mapped[str] = mapped_column(String(32))
    workstream_code: Mapped[str] = mapped_column(ForeignKey("workstream.code"))
    title: Mapped[str] = mapped_column(Text)
    lead: Mapped[str] = mapped_column(String(300))
    areas: Mapped[str] = mapped_column(Text)  # comma-separated area codes
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    indicators: Mapped[str] = mapped_column(Text, default="")  # comma-separated codes
    source: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[int] = mapped_column(ForeignKey("upload_batch.id"))

    __table_args__ = (Index("ix_action_ref_batch", "ref", "batch_id"),)


class ActionUpdate(Base):
    __tablename__ = "action_update"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    action_ref: Mapped[str] = mapped_column(String(32))
    reporting_date: Mapped[dt.date] = mapped_column(Date)
    rag: Mapped[str] = mapped_column(String(16))
    progress: Mapped[float | None] = mapped_column(Float)
    commentary: Mapped[str | None] = mapped_column(Text)
    next_steps: Mapped[str | None] = mapped_column(Text)
    revised_due_date: Mapped[dt.date | None] = mapped_column(Date)
    batch_id: Mapped[int] = mapped_column(ForeignKey("upload_batch.id"))

    __table_args__ = (
        Index("ix_action_update_key_batch", "action_ref", "reporting_date", "batch_id"),
    )


class Meeting(Base):
    __tablename__ = "meeting"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_date: Mapped[dt.date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(300))
    chair: Mapped[str | None] = mapped_column(String(300))
    batch_id: Mapped[int] = mapped_column(ForeignKey("upload_batch.id"))

    __table_args__ = (Index("ix_meeting_key_batch", "meeting_date", "batch_id"),)


class Population(Base):
    __tablename__ = "population"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    area_code: Mapped[str] = mapped_column(ForeignKey("area.code"))
    year: Mapped[int] = mapped_column(Integer)
    children: Mapped[float] = mapped_column(Float)
    source: Mapped[str | None] = mapped_column(Text)  # None: the default (kinds.POPULATION_SOURCE)
    batch_id: Mapped[int] = mapped_column(ForeignKey("upload_batch.id"))

    __table_args__ = (Index("ix_population_key_batch", "area_code", "year", "batch_id"),)


class IndicatorValue(Base):
    __tablename__ = "indicator_value"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    indicator_code: Mapped[str] = mapped_column(String(64))
    # area_code and batch_id: on PostgreSQL checked once per statement by triggers instead of
    # these foreign keys (`STATEMENT_CHECKED`)
    area_code: Mapped[str] = mapped_column(ForeignKey("area.code"))
    period: Mapped[dt.date] = mapped_column(Date)  # the date the period ends
    value: Mapped[float | None] = mapped_column(Float)
    symbol: Mapped[str | None] = mapped_column(String(8))  # missing-value symbol, kept
    status: Mapped[str | None] = mapped_column(String(16))  # provisional / revised
    notes: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[int] = mapped_column(ForeignKey("upload_batch.id"))

    __table_args__ = (
        # Covers the "current value per key" query for one indicator, and rollback's join.
        # No batch-only index: every import would pay for it (migration 0002).
        Index("ix_indicator_value_key_batch", "indicator_code", "area_code", "period", "batch_id"),
    )


class ReviewAssessment(Base):
    __tablename__ = "review_assessment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    area_code: Mapped[str] = mapped_column(ForeignKey("area.code"))
    criterion_code: Mapped[str] = mapped_column(ForeignKey("review_criterion.code"))
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    rating: Mapped[str] = mapped_column(String(16))
    evidence: Mapped[str | None] = mapped_column(Text)
    finding: Mapped[str | None] = mapped_column(Text)
    recommendation: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(300))
    target_date: Mapped[dt.date | None] = mapped_column(Date)
    progress: Mapped[str | None] = mapped_column(String(16))
    action_ref: Mapped[str | None] = mapped_column(String(32))
    batch_id: Mapped[int] = mapped_column(ForeignKey("upload_batch.id"))

    __table_args__ = (
        Index(
            "ix_review_assessment_key_batch",
            "area_code",
            "criterion_code",
            "assessed_on",
            "batch_id",
        ),
    )


class MeetingPack(Base):
    __tablename__ = "meeting_pack"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_date: Mapped[dt.date] = mapped_column(Date)
    area_code: Mapped[str] = mapped_column(ForeignKey("area.code"))
    sha256: Mapped[str] = mapped_column(String(64))
    data_version: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # "meeting|area|data version": archived once (`pack.once_key`); NULL on a copy archived
    # before that rule (migration 0009)
    once_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # the release whose headline indicators the pack shows as at its meeting, and the last
    # period end shown when the first release stands in for an earlier meeting (migration 0011)
    figures_release: Mapped[int | None] = mapped_column(Integer, nullable=True)
    figures_until: Mapped[dt.date | None] = mapped_column(Date, nullable=True)

    __table_args__ = (Index("ux_meeting_pack_once_key", "once_key", unique=True),)


class Publication(Base):
    """What the pages show changed: a commit or a rollback (the data version is its id).

    `figures_from` names the publication whose protected figures are current: a change that
    touches no indicator value, population or definition keeps the figures it had."""
    __tablename__ = "publication"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)  # UTC, naive
    event: Mapped[str] = mapped_column(String(32))  # commit / rollback / start
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("upload_batch.id"))
    figures_from: Mapped[int | None] = mapped_column(Integer)
    threshold: Mapped[int] = mapped_column(Integer)
    summary_json: Mapped[str] = mapped_column(Text)  # figures, suppressed, audit findings


class PublishedFigure(Base):
    """A figure as the dashboard publishes it from one data version to another: protected, at
    published precision. Pages, downloads and packs only read these rows."""
    __tablename__ = "published_figure"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # on PostgreSQL checked once per statement by a trigger instead (`STATEMENT_CHECKED`)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publication.id"))
    indicator_code: Mapped[str] = mapped_column(String(64))
    measure: Mapped[str] = mapped_column(String(16))  # count / rate / percent
    area_code: Mapped[str] = mapped_column(String(16))
    period: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[float | None] = mapped_column(Float)
    symbol: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str | None] = mapped_column(String(16))
    suppressed: Mapped[bool] = mapped_column(Boolean, default=False)
    count: Mapped[float | None] = mapped_column(Float)  # the count shown beside a rate or %
    population: Mapped[float | None] = mapped_column(Float)  # children aged 0-17 used
    population_year: Mapped[int | None] = mapped_column(Integer)
    base: Mapped[float | None] = mapped_column(Float)  # a percentage's denominator count
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)
    batch_id: Mapped[int | None] = mapped_column(Integer)
    # the publication from which this figure is no longer shown (None: shown now); a figure is
    # stored once per value, from `publication_id` until then (migration 0006)
    valid_to: Mapped[int | None] = mapped_column(Integer)
    # the counts behind the figure at its release, never shown: what later releases' attacker
    # problem ties this release's quantities to (figures._Releases)
    truth: Mapped[float | None] = mapped_column(Float)
    den_truth: Mapped[float | None] = mapped_column(Float)
    # a count row that also stands for its empty rate (`..`, nothing behind it), over the
    # same validity (migration 0010; publication.stored_rows gives both rows back)
    rate_empty: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (
        Index("ix_published_figure_current", "valid_to", "indicator_code", "measure",
              "area_code"),
    )


# Foreign keys that PostgreSQL does not hold as constraints (migration 0012_perf): it checks a
# foreign key with a query and a row lock per inserted row, 2.3 s of the server's 4.2 s in a
# 100,000-row import (README Performance), so triggers there check the rows a statement wrote
# at once and refuse the same rows (and deleting or rekeying a row they refer to). SQLite keeps
# them: its check is an in-process index probe, and a trigger per row cost it three times more.
STATEMENT_CHECKED = ("fk_indicator_value_area_code_area",
                     "fk_indicator_value_batch_id_upload_batch",
                     "fk_published_figure_publication_id_publication")
