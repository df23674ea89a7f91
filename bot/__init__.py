"""newsbot: news feeds in, Arabic alerts out, on Telegram and Slack."""

__version__ = "0.1.0"
