"""Button data: plain for the chat it is in, signed when it names another chat, refused when forged."""

from __future__ import annotations

from bot.commands.actions import Action, ActionCodec, TargetRef


def test_target_rides_signed_and_a_forgery_is_refused() -> None:
    codec = ActionCodec(b"k" * 32)
    target = TargetRef("-1004001", "channel")
    data = codec.encode("toggle", "nato", platform="telegram", origin="1001", target=target)
    assert len(data.encode()) <= 64
    assert codec.decode(data, platform="telegram", origin="1001") == Action("toggle", "nato", target)
    assert codec.decode(data, platform="telegram", origin="1002") is None  # shown to another chat
    assert codec.decode(data, platform="slack", origin="1001") is None
    assert codec.decode(data.replace("-1004001", "-1004002"), platform="telegram", origin="1001") is None
    assert codec.decode(data.replace("nato", "gaza"), platform="telegram", origin="1001") is None
    assert ActionCodec(b"x" * 32).decode(data, platform="telegram", origin="1001") is None
    assert codec.decode("toggle:nato@c-1004001", platform="telegram", origin="1001") is None  # unsigned


def test_plain_actions_and_garbage() -> None:
    codec = ActionCodec(b"k" * 32)
    assert codec.encode("toggle", "nato", platform="slack", origin="C1") == "toggle:nato"
    assert codec.decode("toggle:nato", platform="slack", origin="C1") == Action("toggle", "nato")
    assert codec.decode("watch:a@b.c", platform="slack", origin="C1") == Action("watch", "a@b.c")
    for junk in ("", "toggle", ":x", "to ggle:x", "toggle:x@zz.sig"):
        assert codec.decode(junk, platform="slack", origin="C1") is None
