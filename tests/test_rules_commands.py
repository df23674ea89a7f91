"""/watch with rules, /unwatch, /exclude, /include, /preview and /help watch through the command core.

The real NewsBot (console only) on a SQLite file; the replies are read as a user reads them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import NewsBot
from bot.commands.service import Context
from bot.commands.texts import T
from bot.domain.states import FeedOrigin, StoryState
from bot.pipeline.preview import preview_rule
from bot.pipeline.watchindex import WatchIndex
from bot.storage.records import StoryRecord
from tests.conftest import make_settings, write_config
from tests.support.matching import builtin_lists

NOW = datetime.now(UTC)


@pytest.fixture
async def bot(tmp_path: Path):
    write_config(tmp_path / "config", [])
    b = NewsBot(make_settings(tmp_path, commands_per_minute=1000), console=True, http=False)
    await b.prepare()
    try:
        yield b
    finally:
        await b.stop()


def private(user: str = "42") -> Context:
    return Context("telegram", user, "private", user)


async def say(bot: NewsBot, text: str, user: str = "42") -> tuple[str, bool]:
    reply = await bot.commands.handle(private(user), text)
    assert reply is not None
    plain = "".join(c for c in reply.plain_text() if c not in "\u2066\u2067\u2068\u2069\u200f")
    return plain, reply.error


async def test_watch_says_what_expansion_added_and_equals_turns_it_off(bot: NewsBot) -> None:
    text, error = await say(bot, "/watch NATO")
    assert not error and "أضفتُ «NATO»" in text
    assert "يشمل أيضاً:" in text and "الناتو" in text
    text, _ = await say(bot, "/watch Sudan")
    assert "«السودان»" in text and "«سوداني»" in text
    text, error = await say(bot, "/watch =OTAN")
    assert not error and "يشمل أيضاً" not in text and T.WATCH_LITERAL in text


async def test_watch_stores_a_rule_and_unwatch_finds_it_in_any_order(bot: NewsBot) -> None:
    text, error = await say(bot, "/watch وقف إطلاق النار + غزة -كرة")
    assert not error and "أضفتُ القاعدة" in text
    text, _ = await say(bot, "/watch غزة + وقف إطلاق النار -كرة")
    assert "موجودة مسبقاً في قائمتك" in text
    listed, _ = await say(bot, "/watchlist")
    assert "وقف إطلاق النار + غزة -كرة" in listed
    text, _ = await say(bot, "/unwatch -كرة + غزة + وقف إطلاق النار")
    assert "حذفتُ «وقف إطلاق النار + غزة -كرة»" in text


async def test_several_things_in_one_watch_are_stored_separately(bot: NewsBot) -> None:
    text, error = await say(bot, "/watch لافروف، شويغو")
    assert not error and "فصلتُ ما كتبتَه إلى عبارتين" in text
    text, _ = await say(bot, "/watch Hamas حماس\nالحوثيون")
    assert "إلى 3 عبارات" in text
    listed, _ = await say(bot, "/watchlist")
    for term in ("لافروف", "شويغو", "Hamas", "حماس", "الحوثيون"):
        assert f"«{term}»" in listed
    assert "Hamas حماس" not in listed


@pytest.mark.parametrize("rule,where", [
    ("غزة + (هدنة", "الحرف 7"),
    ("غزة +", "نهاية القاعدة"),
    ("-كرة", "الحرف 1"),
    ("Zelensky ~99 Trump", "الحرف 10"),
])
async def test_a_bad_rule_is_refused_with_its_position_and_nothing_is_stored(bot: NewsBot, rule: str,
                                                                               where: str) -> None:
    text, error = await say(bot, f"/watch {rule}")
    assert error and where in text and "الاستعمال الصحيح" in text
    listed, _ = await say(bot, "/watchlist")
    assert "لا تتابع هذه المحادثة شيئاً بعد" in listed


async def test_exclude_is_shown_in_the_watchlist_and_include_removes_it(bot: NewsBot) -> None:
    text, error = await say(bot, "/exclude كرة القدم")
    assert not error and "لا تنبيه في هذه المحادثة" in text
    text, _ = await say(bot, "/exclude كرة القدم")
    assert "مستبعدة مسبقاً" in text
    listed, _ = await say(bot, "/watchlist")
    assert "مستبعدة" in listed and "«كرة القدم»" in listed
    text, error = await say(bot, "/exclude *")
    assert error
    text, _ = await say(bot, "/include كرة القدم")
    assert "ألغيتُ استبعاد" in text
    text, _ = await say(bot, "/include كرة القدم")
    assert "ليست مستبعدة" in text


async def test_help_watch_explains_the_grammar_with_arabic_examples(bot: NewsBot) -> None:
    text, _ = await say(bot, "/help watch")
    for example in ("وقف إطلاق النار + غزة", "زيلينسكي -(نادي | الدوري | هدف)", "title:عاجل + ترامب",
                    "Zelensky ~5 Trump", "=NATO", "لافروف، شويغو"):
        assert example in text
    general, _ = await say(bot, "/help")
    assert "/help watch" in general


def _story(i: int, title: str, hours: float = 1) -> StoryRecord:
    return StoryRecord(id=i, url_key=f"k{i}", link=f"https://news.example/{i}", feed_id=1, title=title, summary="",
                       lang="ar", published_at=None, first_seen_at=NOW - timedelta(hours=hours),
                       state=StoryState.ALERTED, feed_name="الوكالة", feed_origin=FeedOrigin.CONFIG, feed_key="wire")


class _Archive:
    def __init__(self, rows: list[StoryRecord]) -> None:
        self.rows = rows

    async def recent(self, since: datetime, limit: int = 5000) -> list[StoryRecord]:
        return [r for r in self.rows if r.first_seen_at >= since][:limit]


async def test_preview_counts_hits_and_ranks_the_near_misses_a_veto_removed() -> None:
    index = WatchIndex(builtin_lists())
    archive = _Archive([
        _story(1, "هدنة غزة تدخل يومها الثاني"),
        _story(2, "غزة تستضيف مباراة ودية في الملعب البلدي"),  # vetoed by the rule, two words matched
        _story(3, "مباراة في غزة"),  # vetoed, one word
        _story(4, "غزة بعد الحرب", hours=24 * 10),  # too old
        _story(5, "غزة وحكاية كرة"),  # the chat's own exclusion
    ])
    result = await preview_rule(archive, index.rule_set(), "(غزة | الملعب) -(مباراة | كأس)", days=3, now=NOW,
                                exclusions=["كرة"])
    assert [h.story.id for h in result.hits] == [1]
    assert [n.story.id for n in result.near][0] == 2  # the strongest: two words of the rule
    assert {n.story.id for n in result.near} == {2, 3, 5}
    by_id = {n.story.id: n for n in result.near}
    assert {m.surface for m in by_id[2].vetoes} == {"مباراة"}
    assert {m.surface for m in by_id[5].vetoes} == {"كرة"}
    assert {m.surface for m in by_id[2].matches} == {"غزة", "الملعب"}
