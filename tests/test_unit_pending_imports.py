"""The pending-import store (issue 17): a token is taken once, by its owner, before it expires.

The same contract runs against the SQL store on a SQLite file (two ``Database`` objects on it,
as two replicas would have) and against the in-memory fake the command-core tests use.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.commands.ports import PendingImportStore
from bot.domain.chat_config import ConfigPlan, FeedEntry
from bot.domain.pending_import import IMPORT_TTL, ImportOwner, PendingImport, claimable, plan_from_json, plan_to_json
from bot.storage.db import Database
from bot.storage.imports_repo import ImportPlansRepo
from tests.fakes.memory import MemoryPendingImports

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
OWNER = ImportOwner("telegram", "-4001", "1002")
PAYLOAD = {"where": ["-4001", "group", 0, "مجموعة", ""], "plan": {"add_rules": ["غزة"]}}


@dataclass
class Stores:
    a: PendingImportStore  # the replica that showed the plan
    b: PendingImportStore  # another replica (the same store for the fake)
    forget: Any


@pytest.fixture(params=["sql", "memory"])
async def stores(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Stores]:
    if request.param == "memory":
        fake = MemoryPendingImports()
        yield Stores(fake, fake, fake.forget_expired)
        return
    url = f"sqlite+aiosqlite:///{tmp_path / 'pending.db'}"
    first, second = Database(url), Database(url)
    first.migrate()
    a, b = ImportPlansRepo(first), ImportPlansRepo(second)
    try:
        yield Stores(a, b, a.forget_expired)
    finally:
        await first.dispose()
        await second.dispose()


async def test_a_token_is_claimed_once_on_any_replica(stores: Stores) -> None:
    token = await stores.a.put(OWNER, PAYLOAD, NOW, IMPORT_TTL)
    seen = await stores.b.peek(token, OWNER, NOW + timedelta(seconds=5))
    assert seen is not None and seen.payload == PAYLOAD  # peeking leaves it in place
    got = await stores.b.claim(token, OWNER, NOW + timedelta(seconds=10))
    assert got is not None and got.payload == PAYLOAD and got.owner == OWNER
    assert await stores.a.claim(token, OWNER, NOW + timedelta(seconds=11)) is None
    assert await stores.b.claim(token, OWNER, NOW + timedelta(seconds=12)) is None
    assert await stores.a.peek(token, OWNER, NOW + timedelta(seconds=12)) is None


async def test_racing_claims_give_the_plan_to_exactly_one(stores: Stores) -> None:
    tokens = [await stores.a.put(OWNER, PAYLOAD, NOW, IMPORT_TTL) for _ in range(5)]
    for token in tokens:
        results = await asyncio.gather(*(s.claim(token, OWNER, NOW) for s in (stores.a, stores.b, stores.a, stores.b)))
        assert sum(r is not None for r in results) == 1


async def test_a_stranger_or_another_chat_cannot_take_it_and_it_stays(stores: Stores) -> None:
    token = await stores.a.put(OWNER, PAYLOAD, NOW, IMPORT_TTL)
    for other in (ImportOwner("telegram", "-4001", "1003"), ImportOwner("telegram", "-4002", "1002"),
                  ImportOwner("slack", "-4001", "1002")):
        assert await stores.b.claim(token, other, NOW) is None
        assert await stores.b.drop(token, other) is False
    assert await stores.b.claim("not-a-token", OWNER, NOW) is None
    assert await stores.b.claim(token, OWNER, NOW) is not None


async def test_expiry_is_enforced_by_the_store_and_retention_forgets(stores: Stores) -> None:
    late = await stores.a.put(OWNER, PAYLOAD, NOW, IMPORT_TTL)
    used = await stores.a.put(OWNER, PAYLOAD, NOW, IMPORT_TTL)
    fresh = await stores.a.put(OWNER, PAYLOAD, NOW + timedelta(minutes=9), IMPORT_TTL)
    assert await stores.b.claim(used, OWNER, NOW + timedelta(minutes=9)) is not None
    after = NOW + IMPORT_TTL
    assert await stores.b.peek(late, OWNER, after) is None
    assert await stores.b.claim(late, OWNER, after) is None  # exactly ten minutes: expired
    assert await stores.forget(after) == 2  # the expired one and the used one
    assert await stores.b.claim(fresh, OWNER, after) is not None


async def test_cancel_drops_the_plan(stores: Stores) -> None:
    token = await stores.a.put(OWNER, PAYLOAD, NOW, IMPORT_TTL)
    assert await stores.b.drop(token, OWNER) is True
    assert await stores.a.claim(token, OWNER, NOW) is None


def test_claimable_is_owner_unused_and_fresh() -> None:
    item = PendingImport("t", OWNER, {}, NOW, NOW + IMPORT_TTL)
    assert claimable(item, OWNER, NOW + timedelta(minutes=9, seconds=59))
    assert not claimable(item, OWNER, NOW + IMPORT_TTL)
    assert not claimable(item, ImportOwner("telegram", "-4001", "9"), NOW)
    assert not claimable(PendingImport("t", OWNER, {}, NOW, NOW + IMPORT_TTL, used_at=NOW), OWNER, NOW)


def test_a_plan_survives_its_json_form() -> None:
    p = ConfigPlan(add_topics=("nato",), remove_rules=("غزة + وقف",), add_feeds=(FeedEntry("https://a.example/f", "أ"),),
                   enabled=False, muted_until=NOW, unmute=False, buttons=True,
                   attention={"timezone": "Asia/Riyadh", "quiet": None, "cap": 5})
    assert plan_from_json(plan_to_json(p)) == p
    assert plan_from_json(plan_to_json(ConfigPlan())) == ConfigPlan()
