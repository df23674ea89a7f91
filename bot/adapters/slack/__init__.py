"""Slack: slash command, topic buttons and Block Kit alerts over the shared command core and outbox.

Modules: ``adapter`` (lifecycle, Socket Mode or HTTP, readiness), ``handlers``
(slash command and button clicks -> ``CommandService``), ``access`` (who may
change a channel's settings), ``render`` (escaping and Block Kit), ``sender``
(the outbox's Sender port and its outcome mapping).
"""
