"""The command table: every command declared once, in the order /help and the menus show them.

An entry says what a command is called, what it does and how it is used (in
Arabic), whether it changes settings (``mutates``: only someone who manages
the chat may run it), whether it may act on another chat named with "@"
(``targetable``), and which plain function answers it. The command core
routes and checks permissions from here; the Telegram menu, /help, the
unknown-command answer and Slack's usage lines are all read from here.

Adding a command: write its handler (``async def x(deps, ctx, where, args) -> Reply``
with a one-line docstring) next to its peers, add its entry below, and test it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from bot.commands import (
    about,
    alertwork,
    attention,
    audit,
    deadletters,
    exclusions,
    feeds,
    greeting,
    sources,
    subscriptions,
    terms,
    transfer,
    trends,
)
from bot.commands.context import Context, Deps, Where
from bot.commands.reply import Reply

__all__ = ["Command", "Handler", "COMMANDS", "command_table"]

Handler = Callable[[Deps, Context, Where, str], Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # what follows the "/" (Telegram) or "/newsbot " (Slack): a-z, 0-9, _
    description: str  # Arabic, for the Telegram menu and /help
    usage: str  # the arguments only, in Arabic ("العبارة"); "" when there are none
    handler: Handler
    mutates: bool = False  # changes settings: needs someone who manages the chat
    targetable: bool = False  # may act on another chat named with "@channel" as the first argument
    raw: bool = False  # gets its argument with the layout kept (a pasted document), not folded into one line
    admin: bool = False  # changes nothing but is for those who manage the chat (in private chats: anyone)
    # A lone "@name" is the argument itself, not a target (/addfeed @channel adds a Telegram channel).
    lone_handle_is_argument: bool = False


def command_table(entries: Iterable[Command]) -> Mapping[str, Command]:
    """Entries by name, in order, read-only; a name declared twice is a programming error."""
    table: dict[str, Command] = {}
    for entry in entries:
        if entry.name in table:
            raise ValueError(f"command declared twice: {entry.name}")
        table[entry.name] = entry
    return MappingProxyType(table)


COMMANDS: Mapping[str, Command] = command_table([
    Command("start", "التعريف بالبوت وأول خطوة", "", greeting.start),
    Command("help", "قائمة الأوامر وطريقة استخدامها", "", about.show_help),
    Command("topics", "المتابعات الجاهزة وتفعيلها أو إيقافها", "", subscriptions.show_topics, targetable=True),
    Command("subscribe", "الاشتراك في متابعات جاهزة", "[الأسماء…]", subscriptions.subscribe,
            mutates=True, targetable=True),
    Command("resume", "استئناف التنبيهات بعد إيقافها", "", subscriptions.resume, mutates=True, targetable=True),
    Command("unsubscribe", "إلغاء الاشتراك أو إيقاف التنبيهات", "[الأسماء…]", subscriptions.unsubscribe,
            mutates=True, targetable=True),
    Command("watch", "إضافة كلمة أو عبارة أو قاعدة إلى متابعات المحادثة", "العبارة أو القاعدة",
            terms.watch, mutates=True, targetable=True),
    Command("unwatch", "حذف كلمة أو عبارة أو قاعدة من متابعات المحادثة", "العبارة أو القاعدة", terms.unwatch,
            mutates=True, targetable=True),
    Command("exclude", "لا تنبيه عن أي خبر يذكر هذه الكلمة", "الكلمة", exclusions.exclude,
            mutates=True, targetable=True),
    Command("include", "إلغاء استبعاد كلمة", "الكلمة", exclusions.include, mutates=True, targetable=True),
    Command("watchlist", "كل ما تتابعه هذه المحادثة", "", terms.show_watchlist, targetable=True),
    Command("preview", "الأخبار الأخيرة التي كانت ستطابق عبارة أو قاعدة", "العبارة أو القاعدة", terms.preview),
    Command("mute", "كتم التنبيهات مدة محددة", "2h", subscriptions.mute, mutates=True, targetable=True),
    Command("unmute", "إلغاء الكتم", "", subscriptions.unmute, mutates=True, targetable=True),
    Command("addfeed", "إضافة مصدر أخبار (رابط RSS أو Atom أو JSON Feed أو خريطة أخبار، أو قناة تيليجرام عامة @القناة)",
            "الرابط أو @القناة", feeds.add_feed, mutates=True, targetable=True, lone_handle_is_argument=True),
    Command("removefeed", "حذف مصدر أضفته", "الرابط", feeds.remove_feed, mutates=True, targetable=True),
    Command("feeds", "المصادر التي أضافتها هذه المحادثة", "", feeds.list_feeds, targetable=True),
    Command("export", "ملف بكل إعدادات هذه المحادثة (YAML)", "", transfer.export, targetable=True),
    Command("import", "استيراد إعدادات من ملف YAML أو مصادر من ملف OPML", "الملف", transfer.import_config,
            mutates=True, targetable=True, raw=True),
    Command("status", "حالة البوت: المصادر والتنبيهات", "", about.show_status),
    Command("sources", "حالة كل مصدر: آخر خبر، آخر جلب ناجح، الفاصل، الإخفاقات وآخر خطأ", "",
            sources.show_sources, targetable=True),
    Command("trends", "موضوعاتك مرتبة بحجم الأخبار وتغيّره عن المعتاد، مع رسم بياني", "[24h|7d]", trends.show_trends),
    Command("timezone", "المنطقة الزمنية لساعات الهدوء والملخص", "Area/City", attention.set_timezone,
            mutates=True, targetable=True),
    Command("quiet", "ساعات الهدوء: تأجيل التنبيهات العادية إلى ملخص", "HH:MM-HH:MM [all] | off",
            attention.set_quiet, mutates=True, targetable=True),
    Command("digest", "جمع التنبيهات العادية في ملخص بأوقات محددة", "HH:MM[,HH:MM…] [المعرفات…] | off",
            attention.set_digest, mutates=True, targetable=True),
    Command("cap", "حد أقصى للتنبيهات العادية في الساعة", "N | off", attention.set_cap,
            mutates=True, targetable=True),
    Command("notify", "الإشعار لكل التنبيهات أو للعاجلة وحدها", "all | urgent", attention.set_notify,
            mutates=True, targetable=True),
    Command("urgent", "جعل تنبيهات موضوع عاجلة", "[off] المعرف", attention.set_urgent,
            mutates=True, targetable=True),
    Command("failed", "التنبيهات التي تعذّر إرسالها إلى هذه المحادثة وسبب ذلك", "", deadletters.show_failed,
            admin=True),
    Command("retry", "إعادة إرسال التنبيهات المتعثرة مرة واحدة بترتيبها", "[all|الرقم…]",
            deadletters.retry_failed, mutates=True),
    Command("history", "آخر تغييرات الإعدادات ومتابعة التنبيهات: من ومتى وماذا", "[العدد]", audit.show_history,
            admin=True, targetable=True),
    Command("buttons", "أزرار المتابعة على التنبيهات الجديدة: تشغيل أو إيقاف", "on|off", alertwork.set_buttons,
            mutates=True, targetable=True),
    Command("assign", "إسناد تنبيه إلى عضو (ردّاً على التنبيه)", "@المستخدم", alertwork.assign_command),
])
