"""Slack end to end with the Web API double enforcing Slack's rate limits (~1 message a second per
channel, short bursts tolerated, and a workspace-wide cap): a burst of slash commands in one channel
all answered, a fan-out to many channels and the replies beside it without a single 429, a note
that meets a 429 waits it out, and one given up is counted in /metrics."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from sqlalchemy import func, select

from bot.app import NewsBot
from bot.domain.states import OutboxKind
from bot.storage.models import Outbox
from tests.fakes.feed_server import FeedServer, Item
from tests.fakes.slack_api import FakeSlackAPI
from tests.support.waiting import wait_until
from tests.test_slack import NOW, all_text, fake, feeds, loopback_only, post, publish, running, slack_settings

__all__ = ["fake", "feeds", "loopback_only"]  # fixtures used here

STORY = "قمة حلف الناتو تبدأ اليوم في لاهاي"
WORKING = "⏳"


def crowd(fake: FakeSlackAPI, channel: str, users: range) -> list[str]:
    """A channel with the bot and ``users`` as members; returns their ids."""
    ids = [f"U{u}" for u in users]
    for uid in ids:
        fake.add_user(uid, f"user{uid}")
    fake.add_channel(channel, f"room-{channel.lower()}", members=ids)
    return ids


async def burst(bot: NewsBot, fake: FakeSlackAPI, channel: str, users: list[str]) -> dict[str, str]:
    """Every user sends ``/newsbot watch <their own word>`` at once; returns what each was answered."""
    async def one(uid: str) -> tuple[str, str]:
        status, body = await post(bot, fake.slash_command_body(text=f"watch كلمة{uid}", user_id=uid,
                                                               channel_id=channel, response_name=uid))
        assert status == 200, body
        return uid, all_text(json.loads(body))

    acked = dict(await asyncio.gather(*(one(uid) for uid in users)))

    def answered() -> dict[str, str]:  # a slow one says "working on it" in the ack, then answers via response_url
        out = {}
        for uid, text in acked.items():
            if WORKING not in text:
                out[uid] = text
            elif fake.responses[uid]:
                out[uid] = all_text(fake.responses[uid][-1])
        return out

    return await wait_until(lambda: (lambda a: a if len(a) == len(users) else None)(answered()), timeout=60,
                            what="an answer to every command", detail=lambda: f"{len(answered())} answered")


def notes_by_user(fake: FakeSlackAPI, channel: str, users: list[str]) -> Counter[str]:
    return Counter(uid for p in fake.posts_to(channel) for uid in users if f"<@{uid}>" in (p.text or ""))


async def subscribed_channels(bot: NewsBot, fake: FakeSlackAPI, channels: list[str]) -> None:
    now = datetime.now(UTC)
    for ch in channels:
        if ch not in fake.channels:
            fake.add_channel(ch, f"room-{ch.lower()}")
        dest = await bot.chats.ensure_destination("slack", ch, "channel", title=ch, now=now)
        await bot.chats.subscribe(dest.id, ["nato"], now)


def alerts_to(fake: FakeSlackAPI, channel: str) -> list[str]:
    return [all_text(p.blocks or []) + (p.text or "") for p in fake.posts_to(channel)
            if "الناتو" in all_text(p.blocks or []) + (p.text or "")]


async def test_a_burst_of_commands_in_one_channel_is_all_answered_and_every_note_posted_once(
        tmp_path: Path, fake: FakeSlackAPI, feeds: FeedServer) -> None:
    fake.set_flood_limits(None)  # Slack's: ~1/s per channel with a short burst, 20/s workspace-wide
    users = crowd(fake, "CBURST", range(100, 125))
    async with running(slack_settings(tmp_path, fake)) as bot:
        answers = await burst(bot, fake, "CBURST", users)
        for uid, text in answers.items():
            assert f"كلمة{uid}" in text, (uid, text)  # each read the answer to their own command
        notes = await wait_until(lambda: (lambda c: c if len(c) == len(users) else None)(
            notes_by_user(fake, "CBURST", users)), timeout=60, what="every channel note")
        assert set(notes.values()) == {1}, "a note posted twice"
        assert sorted((await bot.chats.terms((await bot.chats.find_destination("slack", "CBURST")).id))) == \
            sorted(f"كلمة{uid}" for uid in users)
        assert fake.flood_refusals == 0, fake.flood.refusals[:5]
        assert bot.metrics.replies_lost.labels("slack", "timeout")._value.get() == 0


async def test_an_alert_fanned_out_to_many_channels_earns_no_429(tmp_path: Path, fake: FakeSlackAPI,
                                                                 feeds: FeedServer) -> None:
    fake.set_flood_limits(None)
    channels = [f"CF{i:03d}" for i in range(60)]  # three seconds' worth of the workspace cap
    async with running(slack_settings(tmp_path, fake)) as bot:
        await bot.tick()
        await subscribed_channels(bot, fake, channels)
        publish(feeds, Item(STORY, "https://wire.example/summit", published=NOW))
        await bot.tick(timeout=60)
        assert Counter(len(alerts_to(fake, ch)) for ch in channels) == {1: len(channels)}
        assert STORY in alerts_to(fake, channels[0])[0]
        assert fake.flood_refusals == 0, fake.flood.refusals[:5]


async def test_replies_and_alerts_together_never_earn_a_429(tmp_path: Path, fake: FakeSlackAPI,
                                                            feeds: FeedServer) -> None:
    fake.set_flood_limits(None)
    users = crowd(fake, "CBURST", range(200, 220))
    channels = ["CBURST", *(f"CF{i:03d}" for i in range(60))]  # the busy channel gets the alert too
    async with running(slack_settings(tmp_path, fake)) as bot:
        await bot.tick()
        await subscribed_channels(bot, fake, channels)
        publish(feeds, Item(STORY, "https://wire.example/summit", published=NOW))
        fan_out = asyncio.create_task(bot.tick(timeout=90))
        await fake.wait_until(lambda: len(fake.posts) >= 5, timeout=30)
        answers = await burst(bot, fake, "CBURST", users)
        await asyncio.wait_for(fan_out, timeout=90)
        assert all(f"كلمة{uid}" in text for uid, text in answers.items())
        notes = await wait_until(lambda: (lambda c: c if len(c) == len(users) else None)(
            notes_by_user(fake, "CBURST", users)), timeout=60, what="every channel note")
        assert set(notes.values()) == {1}
        assert Counter(len(alerts_to(fake, ch)) for ch in channels) == {1: len(channels)}
        assert fake.flood_refusals == 0, fake.flood.refusals[:5]


async def test_a_note_refused_with_retry_after_waits_and_is_posted_once(tmp_path: Path, fake: FakeSlackAPI,
                                                                        feeds: FeedServer) -> None:
    async with running(slack_settings(tmp_path, fake)) as bot:
        fake.fail_next("chat.postMessage", error="429", channel="C1", retry_after=2)
        status, body = await post(bot, fake.slash_command_body(text="subscribe nato", user_id="U1", channel_id="C1"))
        assert status == 200 and "حلف الناتو" in all_text(json.loads(body))
        (note,) = await wait_until(lambda: fake.posts_to("C1"), timeout=15, what="the note after Retry-After")
        assert "<@U1>" in (note.text or "") and "حلف الناتو" in (note.text or "")
        tries = [p for m, p in fake.calls if m == "chat.postMessage" and p.get("channel") == "C1"]
        assert len(tries) == 2


async def test_a_note_still_refused_after_the_bound_is_counted_in_metrics(tmp_path: Path, fake: FakeSlackAPI,
                                                                          feeds: FeedServer) -> None:
    async with running(slack_settings(tmp_path, fake, reply_give_up=2)) as bot:
        assert bot.http is not None
        fake.set_outage("chat.postMessage", "429", retry_after=1)
        status, _body = await post(bot, fake.slash_command_body(text="subscribe nato", user_id="U1",
                                                                channel_id="C1"))
        assert status == 200

        async def lost() -> str:
            assert bot.http is not None
            async with aiohttp.ClientSession() as s, s.get(f"http://127.0.0.1:{bot.http.port}/metrics") as resp:
                text = await resp.text()
            return text if 'newsbot_replies_lost_total{platform="slack",reason="timeout"} 1.0' in text else ""

        assert await wait_until(lost, timeout=30, what="the lost note in /metrics")
        fake.clear_outage()
        assert fake.posts_to("C1") == []


async def test_exports_and_charts_in_a_burst_in_one_channel_earn_no_429_and_every_file_arrives_once(
        tmp_path: Path, fake: FakeSlackAPI, feeds: FeedServer) -> None:
    fake.set_flood_limits(None)  # sharing an uploaded file into the channel counts as a post there
    users = crowd(fake, "CFILES", range(300, 318))
    exporters, charters, watchers = users[:6], users[6:12], users[12:]
    async with running(slack_settings(tmp_path, fake)) as bot:
        await subscribed_channels(bot, fake, ["CFILES"])
        texts = {**dict.fromkeys(exporters, "export"), **dict.fromkeys(charters, "trends"),
                 **{uid: f"watch كلمة{uid}" for uid in watchers}}

        async def one(uid: str) -> None:
            status, body = await post(bot, fake.slash_command_body(text=texts[uid], user_id=uid, channel_id="CFILES",
                                                                   response_name=uid))
            assert status == 200, body

        await asyncio.gather(*(one(uid) for uid in users))
        # Two /trends in the same millisecond share one chart (its key): the charts queued are counted.
        async def arrived() -> tuple[int, int, int, int]:
            async with bot.db.read() as conn:
                charts = (await conn.execute(select(func.count()).select_from(Outbox).where(
                    Outbox.kind == OutboxKind.CHART))).scalar_one()
            mine = [u for u in fake.uploads if u.channel == "CFILES"]
            return (sum(u.filename.endswith(".yaml") for u in mine), sum(u.filename.endswith(".png") for u in mine),
                    charts, len(notes_by_user(fake, "CFILES", watchers)))

        async def all_in() -> bool:
            yaml, png, charts, notes = await arrived()
            return (yaml, notes) == (len(exporters), len(watchers)) and png == charts >= 1

        await wait_until(all_in, timeout=60, what="every export, chart and note",
                         detail=lambda: f"{fake.flood_refusals} refused")
        await asyncio.sleep(1.5)  # a second copy of any of them would be in by now
        assert await all_in()
        assert set(notes_by_user(fake, "CFILES", watchers).values()) == {1}
        assert fake.flood_refusals == 0, fake.flood.refusals[:5]
        assert bot.metrics.replies_lost.labels("slack", "timeout")._value.get() == 0


async def test_an_export_refused_with_retry_after_waits_and_the_file_arrives_once(
        tmp_path: Path, fake: FakeSlackAPI, feeds: FeedServer) -> None:
    async with running(slack_settings(tmp_path, fake)) as bot:
        status, _body = await post(bot, fake.slash_command_body(text="subscribe nato", user_id="U1", channel_id="C1"))
        assert status == 200
        fake.fail_next("files.completeUploadExternal", error="429", retry_after=2)
        status, _body = await post(bot, fake.slash_command_body(text="export", user_id="U1", channel_id="C1"))
        assert status == 200
        [upload] = await wait_until(lambda: [u for u in fake.uploads if u.channel == "C1"], timeout=30,
                                    what="the file after Retry-After")
        assert upload.filename.endswith(".yaml") and b"nato" in upload.data
        assert [m for m, _p in fake.calls].count("files.completeUploadExternal") == 2
