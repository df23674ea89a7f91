"""The follow button's pure parts: its signed token, the reply's wording, its outbox row, its place on Telegram."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.adapters.telegram.render import render_alert
from bot.alerts.model import Alert, format_alert
from bot.alerts.work import LABELS, follow_up_notice, with_work, work_lines
from bot.domain.alerting import OutboxDraft
from bot.domain.alertwork import AlertWork, sign, verify
from bot.domain.states import AlertAction, OutboxKind

NOW = datetime(2026, 12, 4, 20, 31, tzinfo=UTC)
RIYADH = ZoneInfo("Asia/Riyadh")


def test_follow_token_verifies_only_for_its_chat() -> None:
    token = sign(b"k" * 32, AlertAction.FOLLOW, 42, "telegram", "-100")
    assert token.startswith("w|f|42|") and len(token.encode()) <= 64
    pressed = verify(b"k" * 32, token, "telegram", "-100")
    assert pressed is not None and (pressed.action, pressed.outbox_id) == (AlertAction.FOLLOW, 42)
    assert verify(b"k" * 32, token, "telegram", "-200") is None
    assert verify(b"k" * 32, token.replace("|f|", "|a|"), "telegram", "-100") is None  # not another action


def test_follow_line_shows_who_and_goes_when_unfollowed() -> None:
    followed = AlertWork(1, followed_by="سارة", followed_by_id="7", followed_at=NOW)
    [line] = work_lines(followed, RIYADH)
    assert "".join(s.text for s in line) == "\u200f🔔 القصة متابَعة (تابعها: \u2067سارة\u2069)"
    assert work_lines(AlertWork(1), RIYADH) == ()


def test_follow_up_reply_names_the_outlet_and_its_link_with_feed_text_made_plain() -> None:
    notice = follow_up_notice("قمة\u202e الناتو", "الصحيفة\u2066 الأخرى", "https://other.example/a/77")
    assert notice.title == "\u200f🔔 تحديث للقصة التي تتابعونها: قمة الناتو"
    assert notice.lines == ("\u200f🗞️ أوردتها أيضاً: \u2067الصحيفة الأخرى\u2069", "https://other.example/a/77")
    assert follow_up_notice("t", "", "https://x.example").lines[0].endswith("مصدر آخر\u2069")


def test_follow_up_row_is_once_per_alert_and_outlet_and_carries_the_reply_target() -> None:
    draft = OutboxDraft.follow_up(3, 4, 42, 9, "1234", follow_up_notice("t", "o", "https://x.example"), NOW)
    assert (draft.kind, draft.dedupe_key, draft.story_id) == (OutboxKind.FOLLOW, "follow:42:9", None)
    assert draft.payload["reply_to"] == "1234" and draft.payload["title"].endswith("t")


def test_telegram_keyboard_puts_follow_next_to_not_relevant() -> None:
    view = format_alert(Alert(1, "الناتو", "", "https://news.example/1", "وكالة", NOW, (), ()), RIYADH)
    tokens = {a: f"w|{a.value}|1|sig" for a in AlertAction}
    rendered = render_alert(with_work(view, None, RIYADH, tokens))
    labels = [[label for label, _ in row] for row in rendered.buttons]
    assert labels == [[LABELS[AlertAction.ACK], LABELS[AlertAction.ASSIGN]],
                      [LABELS[AlertAction.FOLLOW], LABELS[AlertAction.IRRELEVANT]]]
