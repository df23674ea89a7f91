"""/import across replicas (issue 17): the plan shown by one NewsBot is confirmed through another, once.

Two NewsBot instances share one database (real PostgreSQL, as production runs several replicas;
and one SQLite file), each with its own real Bolt app over signed HTTP against one FakeSlackAPI.
The slash command reaches replica A; the "apply" press reaches replica B, which applies the plan;
a second press, on either replica, is refused with the "expired or already applied" answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.app import NewsBot
from bot.commands.texts import T
from tests.fakes.feed_server import FeedServer
from tests.fakes.slack_api import FakeSlackAPI
from tests.test_rules_transfer_slack import _action
from tests.test_slack import all_text, command, fake, feeds, loopback_only, post, running, slack_settings

__all__ = ["fake", "feeds", "loopback_only"]  # fixtures used here

RULE = "وقف إطلاق النار + غزة -كرة"
EXPIRED = T.IMPORT_EXPIRED.split(".")[0]  # "expired or already applied" (the command is named per platform)


@asynccontextmanager
async def two_replicas(tmp_path: Path, fake: FakeSlackAPI, url: str) -> AsyncIterator[tuple[NewsBot, NewsBot]]:
    async with AsyncExitStack() as stack:
        bots = [await stack.enter_async_context(running(slack_settings(tmp_path, fake, database_url=url,
                                                                       replica_id=name)))
                for name in ("replica-a", "replica-b")]
        yield bots[0], bots[1]


async def _press(bot: NewsBot, fake: FakeSlackAPI, plan: dict[str, Any], name: str, user: str = "U1") -> str:
    status, _ = await post(bot, fake.block_action_body(response_name=name, action_id=_action(plan, "تطبيق"),
                                                       user_id=user, channel_id="C5"))
    assert status == 200
    (answer,) = await fake.wait_for_response(name, timeout=15)
    return all_text(answer)


async def _shown_by_one_applied_by_the_other(tmp_path: Path, fake: FakeSlackAPI, url: str) -> None:
    fake.add_channel("C5", "desk", members=["U1", "U2"])
    async with two_replicas(tmp_path, fake, url) as (a, b):
        assert a.replica != b.replica
        for text in ("subscribe nato", f"watch {RULE}", "exclude مباراة"):
            await command(a, fake, text)
        await command(a, fake, "export")
        await fake.wait_until(lambda: [u for u in fake.uploads if u.channel == "C1"])
        [upload] = [u for u in fake.uploads if u.channel == "C1"]
        file_id = fake.share_file("U1", upload.filename, upload.data)

        plan = await command(a, fake, f"import {file_id}", channel="C5")
        assert "سيغيّر الاستيراد" in all_text(plan) and RULE in all_text(plan)
        assert await b.chats.find_destination("slack", "C5") is None
        assert EXPIRED in await _press(b, fake, plan, "stranger", user="U2")  # not the one who asked
        assert "طُبّق الاستيراد" in await _press(b, fake, plan, "apply")
        dest = await a.chats.find_destination("slack", "C5")
        assert dest is not None and await a.chats.terms(dest.id) == [RULE]
        assert await a.chats.exclusions(dest.id) == ["مباراة"]
        assert EXPIRED in await _press(a, fake, plan, "again-a")
        assert EXPIRED in await _press(b, fake, plan, "again-b")
        assert await a.chats.terms(dest.id) == [RULE]
        history = await a.desk.audit.latest("slack", "C5")
        assert [e.action for e in history].count("import") == 1  # applied once


@pytest.mark.postgres
async def test_import_confirmed_on_another_replica_pg(pg_url: str, tmp_path: Path, fake: FakeSlackAPI,
                                                      feeds: FeedServer) -> None:
    await _shown_by_one_applied_by_the_other(tmp_path, fake, pg_url)


async def test_import_confirmed_on_another_replica_sqlite(tmp_path: Path, fake: FakeSlackAPI,
                                                          feeds: FeedServer) -> None:
    await _shown_by_one_applied_by_the_other(tmp_path, fake, f"sqlite:///{tmp_path / 'shared.db'}")
