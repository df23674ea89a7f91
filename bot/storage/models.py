"""The database schema (SQLAlchemy 2). Alembic migrations are written from it.

Shape of the data, and why:

* ``feeds`` carry their own polling state and a lease, so several replicas can
  share polling (a row is claimed by exactly one of them until the lease ends).
* ``stories`` are stored *before* anything is alerted; ``state`` records what
  the ingest step decided. ``url_key`` (canonical URL) makes a story unique.
* ``chats`` are the unit of pacing and of delivery leases (Telegram limits are
  per chat); ``destinations`` are where alerts land (a chat or one forum topic
  of it) and hold the settings: subscriptions, own terms, mute, feeds.
* ``outbox`` has one row per (destination, story) — unique — and every send
  goes through it with an explicit outcome.
* ``leases`` name singleton jobs (ingest, Telegram update polling, ops digest).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Base",
    "Feed",
    "Story",
    "StorySighting",
    "Chat",
    "Destination",
    "Subscription",
    "CustomTerm",
    "DestinationFeed",
    "Outbox",
    "AuditEntry",
    "AlertWorkRow",
    "AlertFeedback",
    "Lease",
    "Replica",
    "Meta",
    "PendingImportRow",
    "UTCDateTime",
    "table",
]


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: dict[Any, Any] = {datetime: UTCDateTime, dict[str, Any]: JSON}


class Feed(Base):
    __tablename__ = "feeds"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    url: Mapped[str] = mapped_column(Text)  # current address (301s update it)
    source_url: Mapped[str] = mapped_column(Text)  # as configured or added
    name: Mapped[str] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(16), default="ar")
    origin: Mapped[str] = mapped_column(String(16), default="config")  # config | chat
    trusted: Mapped[bool] = mapped_column(Boolean, default=False)  # may reach private hosts
    interval: Mapped[int | None] = mapped_column(Integer, nullable=True)  # configured seconds
    poll_interval: Mapped[int | None] = mapped_column(Integer, nullable=True)  # seconds the last poll chose
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    etag: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_modified: Mapped[str | None] = mapped_column(Text, nullable=True)
    content_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    next_poll_at: Mapped[datetime] = mapped_column(index=True)
    last_polled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(nullable=True)
    first_fetch_done: Mapped[bool] = mapped_column(Boolean, default=False)
    failure_count: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime]


class Story(Base):
    __tablename__ = "stories"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    url_key: Mapped[str] = mapped_column(String(2048), unique=True)
    link: Mapped[str] = mapped_column(Text)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    lang: Mapped[str | None] = mapped_column(String(16), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(nullable=True)
    first_seen_at: Mapped[datetime] = mapped_column(index=True)
    # new -> (seen | old | nomatch | alerted | duplicate)
    state: Mapped[str] = mapped_column(String(16), default="new")
    cluster_id: Mapped[int | None] = mapped_column(BigId, nullable=True, index=True)
    fingerprint: Mapped[str | None] = mapped_column(Text, nullable=True)
    matches: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    breaking: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")  # a "breaking" category

    __table_args__ = (Index("ix_stories_state_id", "state", "id"),)


class StorySighting(Base):
    """Another outlet carrying a story already alerted (for 'وأوردته أيضاً')."""

    __tablename__ = "story_sightings"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), index=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    link: Mapped[str] = mapped_column(Text)
    seen_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("story_id", "feed_id"),)


class Chat(Base):
    __tablename__ = "chats"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))  # telegram | slack | console
    external_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # private | group | supergroup | channel | slack | console
    title: Mapped[str | None] = mapped_column(Text, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    deactivated_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    is_ops: Mapped[bool] = mapped_column(Boolean, default=False)
    next_send_at: Mapped[datetime | None] = mapped_column(nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("platform", "external_id"),)


class Destination(Base):
    __tablename__ = "destinations"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"))
    thread_id: Mapped[int] = mapped_column(BigInteger, default=0)  # 0: the chat itself
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    muted_until: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime]
    # Attention (issue 16): NULL everywhere means "off" or "the deployment's default".
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)  # NULL: NEWSBOT_TIMEZONE
    quiet_start: Mapped[str | None] = mapped_column(String(5), nullable=True)  # local "HH:MM"
    quiet_end: Mapped[str | None] = mapped_column(String(5), nullable=True)
    quiet_all: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    digest_times: Mapped[str | None] = mapped_column(Text, nullable=True)  # "HH:MM,HH:MM"
    digest_watchlists: Mapped[str | None] = mapped_column(Text, nullable=True)  # "id,id"; NULL: all lists
    cap: Mapped[int | None] = mapped_column(Integer, nullable=True)  # NULL: NEWSBOT_DEFAULT_CAP; -1: off
    notify: Mapped[str] = mapped_column(String(16), default="all", server_default="all")
    slack_here: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    urgent_watchlists: Mapped[str | None] = mapped_column(Text, nullable=True)  # the chat's /urgent lists
    last_cap_notice_at: Mapped[datetime | None] = mapped_column(nullable=True)
    buttons: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")  # /buttons on|off
    missed_alerts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # dropped by the mute
    missed_upto: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # highest root counted
    __table_args__ = (UniqueConstraint("chat_id", "thread_id"),)


class Subscription(Base):
    __tablename__ = "subscriptions"
    destination_id: Mapped[int] = mapped_column(
        ForeignKey("destinations.id", ondelete="CASCADE"), primary_key=True
    )
    watchlist_id: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)
    created_at: Mapped[datetime]


class CustomTerm(Base):
    __tablename__ = "custom_terms"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    destination_id: Mapped[int] = mapped_column(ForeignKey("destinations.id", ondelete="CASCADE"))
    term: Mapped[str] = mapped_column(String(600))  # a /watch rule (a plain term is the simplest)
    key: Mapped[str] = mapped_column(String(1200))
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("destination_id", "key"),)


class ChatExclusion(Base):
    """A /exclude term: vetoes every alert of its destination whose story contains it."""

    __tablename__ = "chat_exclusions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    destination_id: Mapped[int] = mapped_column(ForeignKey("destinations.id", ondelete="CASCADE"))
    term: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(400))
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("destination_id", "key"),)


class DestinationFeed(Base):
    __tablename__ = "destination_feeds"
    destination_id: Mapped[int] = mapped_column(
        ForeignKey("destinations.id", ondelete="CASCADE"), primary_key=True
    )
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True, index=True)
    added_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime]


class Outbox(Base):
    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    destination_id: Mapped[int] = mapped_column(ForeignKey("destinations.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"))
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), nullable=True)
    kind: Mapped[str] = mapped_column(String(16), default="alert")  # alert | ops
    dedupe_key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # pending -> sent | failed | gone; held -> digested
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime]
    story_seen_at: Mapped[datetime | None] = mapped_column(nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
    message_ref: Mapped[str | None] = mapped_column(String(100), nullable=True)
    edit_due_at: Mapped[datetime | None] = mapped_column(nullable=True)
    edits: Mapped[int] = mapped_column(Integer, default=0)
    # Attention: the tier it was decided with, and for a held row when and why it is released.
    tier: Mapped[str | None] = mapped_column(String(16), nullable=True)  # urgent | normal
    release_at: Mapped[datetime | None] = mapped_column(nullable=True)
    hold_reason: Mapped[str | None] = mapped_column(String(16), nullable=True)
    urgent_at: Mapped[datetime | None] = mapped_column(nullable=True)  # became urgent by spread
    # A dead letter (state failed): why (refused | exhausted | missing), when, and how often re-queued.
    failed_reason: Mapped[str | None] = mapped_column(String(16), nullable=True)
    failed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    replays: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        UniqueConstraint("destination_id", "dedupe_key"),
        Index("ix_outbox_state_chat", "state", "chat_id", "id"),
        Index("ix_outbox_story", "story_id"),
        Index("ix_outbox_dedupe_key", "dedupe_key"),
        Index("ix_outbox_edit_due", "edit_due_at"),
        Index("ix_outbox_state_release", "state", "release_at"),
    )


class AuditEntry(Base):
    """Who changed what, where and when: settings commands, and work on alerts (ack, assign)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))  # the platform's chat id
    thread_id: Mapped[int] = mapped_column(BigInteger, default=0)
    chat_title: Mapped[str | None] = mapped_column(Text, nullable=True)
    user_id: Mapped[str] = mapped_column(String(64))
    user_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    action: Mapped[str] = mapped_column(String(32))
    args: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    __table_args__ = (Index("ix_audit_log_where", "platform", "chat_id", "id"),)


class AlertWorkRow(Base):
    """Work on one sent alert: who took it (first press wins) and who it is assigned to."""

    __tablename__ = "alert_work"
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"), primary_key=True)
    acked_by: Mapped[str | None] = mapped_column(Text, nullable=True)
    acked_by_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    acked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    assignee_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    assignee_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    assigned_by: Mapped[str | None] = mapped_column(Text, nullable=True)
    followed_by: Mapped[str | None] = mapped_column(Text, nullable=True)
    followed_by_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    followed_at: Mapped[datetime | None] = mapped_column(nullable=True)


class AlertFeedback(Base):
    """'Not relevant' presses, with the terms that fired the alert (one per person and alert)."""

    __tablename__ = "alert_feedback"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"))
    destination_id: Mapped[int] = mapped_column(BigId, index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    terms: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"terms": [...]}
    at: Mapped[datetime] = mapped_column(index=True)
    __table_args__ = (UniqueConstraint("outbox_id", "user_id"),)


class Lease(Base):
    """A named singleton job held by one replica until ``until``."""

    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    until: Mapped[datetime | None] = mapped_column(nullable=True)


class Replica(Base):
    __tablename__ = "replicas"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime] = mapped_column(index=True)


class Meta(Base):
    """Small counters shared by replicas (e.g. the custom-terms generation)."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class PendingImportRow(Base):
    """An /import plan shown and awaiting its "apply" press: any replica may confirm it, once, until it expires."""

    __tablename__ = "pending_imports"
    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None] = mapped_column(nullable=True)


def table(model: type[Base]) -> Table:
    """A model's Core table, typed as one (``__table__`` is declared as a bare FromClause)."""
    return cast(Table, model.__table__)
