"""A spike alert on Slack: its chart uploaded with the files.uploadV2 flow, the caption as its comment.

``files_upload_v2`` is three calls: files.getUploadURLExternal, a POST of the
bytes to the URL it returns, and files.completeUploadExternal, which shares
the file into the channel with the caption as ``initial_comment``. Outcomes
are classified like any other send (``sender.classify``).
"""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.adapters.slack.render import inert, render_spans
from bot.alerts.spike import SpikeView

__all__ = ["spike_comment", "upload_spike"]

COMMENT_MAX = 3900


def spike_comment(view: SpikeView) -> str:
    """The caption in Slack mrkdwn (escaped span by span, links as ``<url|title>``)."""
    text = "\n".join(render_spans(ln) for ln in view.lines)
    return text if len(text) <= COMMENT_MAX else inert(view.plain_text()[:COMMENT_MAX])


async def upload_spike(client: AsyncWebClient, channel: str, view: SpikeView) -> AsyncSlackResponse:
    """Upload the chart into ``channel`` with the caption (the three calls of files.uploadV2)."""
    return await client.files_upload_v2(
        channel=channel, file=view.chart, filename=view.filename, title=view.filename,
        alt_txt="chart", initial_comment=spike_comment(view))
