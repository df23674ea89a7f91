"""A new user's first hour on Slack (issue 14): third-person channel notes in Slack's syntax, resume-only
changes that claim nothing more, and a refusal that gives the right reason.

The real NewsBot with the real Bolt app over HTTP against FakeSlackAPI (helpers from tests/test_slack.py).
"""

from __future__ import annotations

from pathlib import Path

from bot.commands.texts import T
from tests.fakes.feed_server import FeedServer
from tests.fakes.slack_api import FakeSlackAPI
from tests.test_slack import all_text, command, fake, feeds, loopback_only, running, settings_of, slack_settings

__all__ = ["fake", "feeds", "loopback_only"]  # fixtures used here

BIDI = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069\u200e\u200f"))


def readable(text: str) -> str:
    return text.translate(BIDI)


async def test_channel_notes_are_third_person_in_slack_syntax_and_claim_only_what_changed(
        tmp_path: Path, fake: FakeSlackAPI, feeds: FeedServer) -> None:
    # The notes' wording, one right after another: no channel pacing (tests/test_slack_rate_limits.py has it).
    async with running(slack_settings(tmp_path, fake, slack_channel_interval=0)) as bot:
        reply = await command(bot, fake, "watch لافروف")
        assert "أضفتُ «لافروف» إلى متابعات هذه القناة. ستصلها الأخبار التي تذكرها." in readable(all_text(reply))
        assert readable(fake.posts_to("C1")[-1].text) == "أضاف <@U1> عبارة «لافروف» إلى متابعات هذه القناة."

        await command(bot, fake, "subscribe nato", user="U2")
        assert readable(fake.posts_to("C1")[-1].text) == \
            "أضاف <@U2> المتابعات الجاهزة حلف الناتو إلى متابعات هذه القناة."

        reply = await command(bot, fake, "unsubscribe")
        paused = readable(fake.posts_to("C1")[-1].text)
        assert paused.startswith("أوقف <@U1> التنبيهات في هذه القناة مؤقتاً") and paused.endswith("/newsbot resume")
        assert "/newsbot resume" in readable(all_text(reply)) and "/resume" not in readable(all_text(reply)).replace("/newsbot resume", "")

        before = len(fake.posts_to("C1"))
        reply = await command(bot, fake, "subscribe")  # resume only: nothing new is subscribed, nothing claimed
        assert "استؤنفت التنبيهات" in readable(all_text(reply)) and "تم الاشتراك" not in readable(all_text(reply))
        notes = fake.posts_to("C1")[before:]
        assert [readable(n.text) for n in notes] == ["استأنف <@U1> التنبيهات في هذه القناة."]
        assert "nato" in (await settings_of(bot, "C1"))["subs"] and "ceasefire" not in (await settings_of(bot, "C1"))["subs"]

        await command(bot, fake, "unsubscribe")
        reply = await command(bot, fake, "resume")
        assert "استؤنفت التنبيهات" in readable(all_text(reply))
        assert readable(fake.posts_to("C1")[-1].text) == "استأنف <@U1> التنبيهات في هذه القناة."

        await command(bot, fake, "mute 2h")
        assert readable(fake.posts_to("C1")[-1].text).startswith("كتم <@U1> التنبيهات في هذه القناة حتى ")
        await command(bot, fake, "unwatch لافروف")
        assert readable(fake.posts_to("C1")[-1].text) == "حذف <@U1> عبارة «لافروف» من متابعات هذه القناة."
        # Nothing a note says is the private first person.
        assert not any(w in readable(p.text) for p in fake.posts_to("C1") for w in ("أضفتُ", "قائمتك", "ستصلك"))


async def test_a_non_member_is_refused_because_they_are_not_in_the_channel(
        tmp_path: Path, fake: FakeSlackAPI, feeds: FeedServer) -> None:
    async with running(slack_settings(tmp_path, fake)) as bot:
        reply = await command(bot, fake, "watch لافروف", user="U9")
        assert readable(all_text(reply)).startswith(T.NOT_MEMBER) and "لمشرفيها" not in all_text(reply)
        assert await settings_of(bot, "C1") == {} and fake.posts_to("C1") == []
    async with running(slack_settings(tmp_path, fake, slack_settings_policy="admins")) as bot:
        reply = await command(bot, fake, "watch لافروف", user="U1")
        assert readable(all_text(reply)).startswith(T.NOT_WORKSPACE_ADMIN)
