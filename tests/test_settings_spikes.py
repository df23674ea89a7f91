"""The spike settings, set in the environment as an operator would, checked on the job they build."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import NewsBot
from bot.settings import Settings, SettingsError, load_settings
from tests.conftest import write_config


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., Settings]:
    monkeypatch.chdir(tmp_path)  # no stray .env file
    write_config(tmp_path / "config", [])
    base = {"DATABASE_URL": f"sqlite:///{tmp_path / 'newsbot.db'}", "NEWSBOT_CONFIG_DIR": str(tmp_path / "config"),
            "PORT": "0", "NEWSBOT_HTTP_HOST": "127.0.0.1", "LOG_LEVEL": "WARNING"}

    def build(**variables: str) -> Settings:
        for k, v in {**base, **variables}.items():
            monkeypatch.setenv(k, v)
        return load_settings()

    return build


def test_the_defaults_build_the_documented_detector(env: Callable[..., Settings]) -> None:
    job = NewsBot(env(), http=False).spike_job
    assert job is not None
    assert job.rules.minimum == 8 and job.rules.min_outlets == 3
    assert job.cooldown == timedelta(hours=3) and job.interval == timedelta(seconds=60)


def test_spike_settings_from_the_environment(env: Callable[..., Settings]) -> None:
    job = NewsBot(env(NEWSBOT_SPIKE_MIN="12", NEWSBOT_SPIKE_COOLDOWN="6h", NEWSBOT_SPIKE_INTERVAL="300"),
                  http=False).spike_job
    assert job is not None
    assert job.rules.minimum == 12 and job.rules.per_outlet == 4
    assert job.cooldown == timedelta(hours=6) and job.interval == timedelta(minutes=5)


def test_spikes_can_be_switched_off(env: Callable[..., Settings]) -> None:
    assert NewsBot(env(NEWSBOT_SPIKES="false"), http=False).spike_job is None


@pytest.mark.parametrize(("variable", "value", "named"), [
    ("NEWSBOT_SPIKE_COOLDOWN", "10m", "NEWSBOT_SPIKE_COOLDOWN: must be at least 30m"),
    ("NEWSBOT_SPIKE_COOLDOWN", "soon", "NEWSBOT_SPIKE_COOLDOWN"),
    ("NEWSBOT_SPIKE_MIN", "0", "NEWSBOT_SPIKE_MIN"),
    ("NEWSBOT_SPIKE_INTERVAL", "-1", "NEWSBOT_SPIKE_INTERVAL"),
])
def test_impossible_spike_settings_are_refused_by_name(env: Callable[..., Settings], variable: str, value: str,
                                                       named: str) -> None:
    with pytest.raises(SettingsError) as err:
        env(**{variable: value})
    assert named in str(err.value)
