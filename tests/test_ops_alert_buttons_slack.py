"""Buttons on alerts end to end (Slack): Block Kit actions through the real Bolt app against the Slack double."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.commands.texts import T
from tests.fakes.feed_server import FeedServer, Item
from tests.fakes.slack_api import FakeSlackAPI, Post, validate_blocks
from tests.test_slack import NOW, all_text, command, fake, feeds, loopback_only, post, publish, running, slack_settings

__all__ = ["fake", "feeds", "loopback_only"]  # fixtures used here

TITLE = "الناتو يعقد قمة طارئة في بروكسل"


def controls(alert: Post) -> dict[str, Any]:
    """action_id -> (block_id, element) for the alert's work controls."""
    out = {}
    for block in alert.blocks or []:
        if block["type"] == "actions":
            for el in block["elements"]:
                out[el["action_id"]] = (block["block_id"], el)
    return out


async def click(bot: Any, fake: FakeSlackAPI, name: str, **kwargs: Any) -> dict[str, Any]:
    status, _ = await post(bot, fake.block_action_body(response_name=name, **kwargs))
    assert status == 200
    (answer,) = await fake.wait_for_response(name)
    return answer


async def test_slack_acknowledge_assign_and_forged_values(tmp_path: Path, fake: FakeSlackAPI,
                                                          feeds: FeedServer) -> None:
    async with running(slack_settings(tmp_path, fake)) as bot:
        await command(bot, fake, "subscribe nato")
        assert T.NOT_MEMBER in all_text(await command(bot, fake, "buttons on", user="U9"))
        assert T.BUTTONS_ON in all_text(await command(bot, fake, "buttons on"))
        await bot.tick(force=True, timeout=10)
        publish(feeds, Item(TITLE, "https://wire.example/nato-1", "تفاصيل القمة", published=NOW))
        await bot.tick(force=True, timeout=10)
        [alert] = [p for p in fake.posts_to("C1") if p.blocks and TITLE in json.dumps(p.blocks, ensure_ascii=False)]
        assert validate_blocks(alert.blocks) == []
        ctl = controls(alert)
        assert set(ctl) == {"work:a", "work:n", "work:f", "work:assign"}
        assert ctl["work:assign"][1]["type"] == "users_select"
        ack = ctl["work:a"][1]["value"]

        answer = await click(bot, fake, "ack1", action_id="work:a", value=ack, user_id="U2", user_name="bob",
                             channel_id="C1", message_ts=alert.ts, block_id="work")
        assert T.ACK_DONE in all_text(answer) and answer["replace_original"] is False
        await fake.wait_until(lambda: [u for u in fake.updates if u.ts == alert.ts])
        [update] = [u for u in fake.updates if u.ts == alert.ts]
        assert "✅ تابعه: \u2068bob\u2069 · " in all_text(update.blocks) and validate_blocks(update.blocks) == []

        second = await click(bot, fake, "ack2", action_id="work:a", value=ack, user_id="U1", user_name="alice",
                             channel_id="C1", message_ts=alert.ts, block_id="work")
        assert "تابعه bob في" in all_text(second)
        forged = await click(bot, fake, "forged", action_id="work:a", value=ack[:-3] + "xyz", user_id="U1",
                             channel_id="C1", message_ts=alert.ts, block_id="work")
        assert T.WORK_REFUSED in all_text(forged)
        moved = await click(bot, fake, "moved", action_id="work:a", value=ack, user_id="U1",
                            channel_id="C1", message_ts="1700000000.999999", block_id="work")
        assert T.WORK_REFUSED in all_text(moved)  # another message id of this channel
        await bot.drain(timeout=5)
        assert len([u for u in fake.updates if u.ts == alert.ts]) == 1

        # Assign with the picker: only a member of the channel; the assignee mentioned once, for real.
        block_id = ctl["work:assign"][0]
        outsider = await click(bot, fake, "assign0", action_id="work:assign", selected_user="U9", user_id="U1",
                               channel_id="C1", message_ts=alert.ts, block_id=block_id)
        assert T.ASSIGN_NOT_MEMBER in all_text(outsider)
        done = await click(bot, fake, "assign1", action_id="work:assign", selected_user="U1", user_id="U2",
                           user_name="bob", channel_id="C1", message_ts=alert.ts, block_id=block_id)
        assert "<@U1>" in all_text(done)
        await fake.wait_until(lambda: [p for p in fake.posts_to("C1") if p.thread_ts == alert.ts])
        [mention] = [p for p in fake.posts_to("C1") if p.thread_ts == alert.ts]
        assert "<@U1>" in all_text(mention.blocks) and "bob" in all_text(mention.blocks)
        await fake.wait_until(lambda: len([u for u in fake.updates if u.ts == alert.ts]) == 2)
        redrawn = [u for u in fake.updates if u.ts == alert.ts][-1]
        assert "👤 مسند إلى: <@U1>" in all_text(redrawn.blocks)
        history = all_text(await command(bot, fake, "history 2"))
        assert "أسند التنبيه" in history and "تابع التنبيه" in history and "bob" in history
