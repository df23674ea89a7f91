"""Telegram over python-telegram-bot: commands in, Arabic alerts out.

Modules: ``adapter`` (lifecycle, update polling lease, webhook route),
``handlers`` (updates -> the command core), ``permissions`` (admin checks and
@channel resolution), ``processor`` (per-chat ordered update processing),
``render`` (Telegram HTML, escaping, the 4096 limit), ``sender`` (the Sender
port and its outcome mapping) and ``webhook`` (secret and route).
"""
