"""/trends [24h|7d]: the lists this chat follows and its own /watch rules, ranked by volume and change,
and a chart of them. A rule is labelled with its text (bidi-isolated), keyed as spike detection keys it."""

from __future__ import annotations

from bot.alerts.arabic import isolate
from bot.alerts.plural import NEWS, SOURCES, counted
from bot.commands.context import Context, Deps, UsageError, Where, find_destination
from bot.commands.ports import TrendsStore
from bot.commands.reply import Reply, bold, phrase
from bot.commands.texts import T
from bot.domain.alerting import ChartPayload, OutboxDraft
from bot.domain.chat_rules import rule_list_id
from bot.domain.sanitize import plain_text
from bot.domain.trends import TrendRow, parse_period, trends

__all__ = ["show_trends", "change_text", "MAX_CHART_LINES"]

MAX_CHART_LINES = 5
SHOWN = 20


def _store(deps: Deps) -> TrendsStore:
    if deps.trends is None:
        raise UsageError(T.OPS_UNAVAILABLE)
    return deps.trends


def change_text(row: TrendRow) -> str:
    """'▲ 250٪ عن المعتاد (4)', 'كالمعتاد (3)', or why there is nothing to compare with."""
    if row.baseline is None:
        return T.TRENDS_NO_BASELINE
    usual = round(row.baseline, 1) if row.baseline < 10 else round(row.baseline)
    usual_text = f"{usual:g}"
    change = row.change
    if change is None:
        return T.TRENDS_NEW if row.stories else T.TRENDS_SAME.format(usual=usual_text)
    pct = round(abs(change) * 100)
    if pct == 0:
        return T.TRENDS_SAME.format(usual=usual_text)
    return (T.TRENDS_UP if change > 0 else T.TRENDS_DOWN).format(pct=pct, usual=usual_text)


async def show_trends(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """This chat's lists ranked by volume and change against what is usual, with a chart."""
    period = parse_period(args)
    if period is None:
        raise UsageError(T.TRENDS_BAD)
    store = _store(deps)
    dest = await find_destination(deps, ctx, where)
    lists = [w for w in await deps.chats.subscriptions(dest.id) if w in deps.index.builtins] if dest else []
    labels = {w: deps.index.topic(w).label for w in lists}
    names = dict(zip(lists, lists, strict=True))  # the id drawn in the chart's legend (Latin)
    for n, text in enumerate(await deps.chats.terms(dest.id) if dest else [], start=1):
        rid = rule_list_id(dest.id if dest else 0, text)
        labels[rid], names[rid] = isolate(plain_text(text)), f"rule{n}"
    if dest is None or not labels:
        return Reply().add(*phrase(T.TRENDS_NONE))
    now = deps.clock()
    history = await store.history(now - period.length * (period.baseline_periods + 1))
    rows = trends(history.sightings, list(labels), now, period, history.start)
    reply = Reply().add(bold(T.TRENDS_HEADER[period.name]))
    for n, row in enumerate(rows[:SHOWN], start=1):
        label = labels[row.watchlist]
        if not row.stories:
            reply.add(T.TRENDS_EMPTY.format(n=n, label=label, change=change_text(row)))
            continue
        reply.add(T.TRENDS_ROW.format(n=n, label=label, stories=counted(row.stories, NEWS),
                                      outlets=counted(row.outlets, SOURCES), change=change_text(row)))
    charted = rows[:MAX_CHART_LINES]
    legend = [f"{names[r.watchlist]} = {labels[r.watchlist]}" for r in charted]
    payload = ChartPayload((T.TRENDS_CAPTION[period.name], *legend),
                           tuple((names[r.watchlist], r.series) for r in charted), now - period.length,
                           int(period.step.total_seconds() // 60))
    key = f"trends:{period.name}:{int(now.timestamp() * 1000)}"
    if await store.enqueue([OutboxDraft.chart(dest.id, dest.chat_id, key, payload, now)]):
        reply.add(T.TRENDS_CHART)
    return reply
