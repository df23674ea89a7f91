"""Slack end to end: /newsbot import with a shared file (its ID or its permalink) instead of pasted text.

The real Bolt app over signed HTTP against FakeSlackAPI: files.info, then the download with the bot token
from the configured Slack host only, within the document limit; a brand-new channel's plan lists only
what really changes (not the defaults).
"""

from __future__ import annotations

from pathlib import Path

from bot.domain.chat_config import MAX_DOCUMENT
from bot.commands.texts import T
from tests.fakes.feed_server import FeedServer
from tests.fakes.slack_api import FakeSlackAPI
from tests.test_rules_transfer_slack import _action, wire
from tests.test_slack import all_text, command, fake, feeds, loopback_only, post, running, slack_settings

__all__ = ["fake", "feeds", "loopback_only"]  # fixtures used here

RULE = "وقف إطلاق النار + غزة -كرة"


async def test_a_shared_file_named_by_id_or_permalink_is_imported(tmp_path: Path, fake: FakeSlackAPI, feeds: FeedServer) -> None:
    fake.add_channel("C5", "desk", members=["U1"])
    async with running(slack_settings(tmp_path, fake)) as bot:
        for text in ("subscribe nato", f"watch {RULE}", "exclude مباراة", "quiet 22:00-07:00"):
            await command(bot, fake, text)
        await command(bot, fake, "export")
        await fake.wait_until(lambda: [u for u in fake.uploads if u.channel == "C1"])
        [upload] = [u for u in fake.uploads if u.channel == "C1"]
        file_id = fake.share_file("U1", upload.filename, upload.data)

        plan = await command(bot, fake, f"import {file_id}", channel="C5")
        text = all_text(plan)
        assert "سيغيّر الاستيراد" in text and RULE in text and "مباراة" in text
        assert [f for f, auth in fake.downloads] == [file_id]
        assert fake.downloads[0][1] == f"Bearer {fake.bot_token}"
        assert (await bot.chats.find_destination("slack", "C5")) is None
        status, _ = await post(bot, fake.block_action_body(response_name="apply", action_id=_action(plan, "تطبيق"),
                                                           user_id="U1", channel_id="C5"))
        assert status == 200
        (done,) = await fake.wait_for_response("apply", timeout=15)
        assert "طُبّق الاستيراد" in all_text(done)
        dest = await bot.chats.find_destination("slack", "C5")
        assert dest is not None and await bot.chats.terms(dest.id) == [RULE]
        assert (await bot.chats.attention(dest.id)).quiet is not None

        # The permalink ("Copy link"), as Slack sends a typed URL: the same file, and now nothing changes.
        again = all_text(await command(bot, fake, "import " + wire(fake.permalink(file_id)), channel="C5"))
        assert T.IMPORT_NOTHING in again
        assert [f for f, _ in fake.downloads] == [file_id, file_id]


async def test_a_new_channel_sees_only_real_changes(tmp_path: Path, fake: FakeSlackAPI, feeds: FeedServer) -> None:
    fake.add_channel("C5", "desk", members=["U1"])
    async with running(slack_settings(tmp_path, fake)) as bot:
        await command(bot, fake, f"watch {RULE}")  # everything else left at the defaults
        await command(bot, fake, "export")
        await fake.wait_until(lambda: [u for u in fake.uploads if u.channel == "C1"])
        [upload] = [u for u in fake.uploads if u.channel == "C1"]
        text = all_text(await command(bot, fake, f"import {fake.share_file('U1', 'a.yaml', upload.data)}",
                                      channel="C5"))
        assert "سيغيّر الاستيراد" in text and RULE in text
        for default in (T.IMPORT_ATTENTION, T.IMPORT_BUTTONS_OFF, T.IMPORT_BUTTONS_ON, T.IMPORT_POLICY_ON):
            assert default not in text


async def test_files_off_the_slack_host_or_too_big_are_refused(tmp_path: Path, fake: FakeSlackAPI, feeds: FeedServer) -> None:
    fake.add_channel("C5", "desk", members=["U1"])
    async with running(slack_settings(tmp_path, fake)) as bot:
        elsewhere = fake.share_file("U1", "x.yaml", b"newsbot: 1\n", url="http://127.0.0.2:9/evil.yaml")
        big = fake.share_file("U1", "big.yaml", b"#" * (MAX_DOCUMENT + 1))
        for file_id in (elsewhere, big, "F99999999"):
            text = all_text(await command(bot, fake, f"import {file_id}", channel="C5"))
            assert "تعذّر تنزيل الملف من Slack" in text or "الملف كبير جداً" in text, text
        assert "الملف كبير جداً" in all_text(await command(bot, fake, f"import {big}", channel="C5"))
        assert fake.downloads == []  # nothing was fetched from the other host, nor the oversized file
        assert (await bot.chats.find_destination("slack", "C5")) is None
