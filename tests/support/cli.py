"""Running ``newsbot match`` as a user would, in a subprocess, with JSON Lines in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.matching import ROOT

__all__ = ["run_match", "lines"]


def run_match(*args: str, stdin: str = "", cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", "match", *args], input=stdin, capture_output=True, text=True,
        encoding="utf-8", cwd=cwd, env=env, timeout=60, check=False,
    )


def lines(*objs: object) -> str:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs)
