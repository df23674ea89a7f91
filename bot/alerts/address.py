"""How a message names the chat it is for: a person in a private chat, the group or channel as such.

"أضفتُ «الناتو» إلى قائمتك. ستصلك…" is right in a private chat and wrong in a group, where the
list is the group's: "…إلى متابعات هذه المجموعة. ستصلها…". A chat named with "@" from a private
chat is "القناة" (its name is the reply's first line). Command replies (``bot.commands.address``)
and the notices the pipeline writes (the end of a mute) both read these words.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Addressee", "addressee_for"]


@dataclass(frozen=True, slots=True)
class Addressee:
    own: str  # whose list: "قائمتك" | "متابعات هذه المجموعة"
    gets: str  # "will reach …": "ستصلك" | "ستصلها" | "ستصله"
    follows: str  # "what … follows": "ما تتابعه" | "ما تتابعه هذه المجموعة"
    missed: str  # "… missed" (before a counted noun): "فاتك" | "فات هذه المجموعة"
    missed_none: str  # "nothing was missed": "لم يفتك أي تنبيه" | "لم يفت هذه المجموعة أي تنبيه"


_PERSON = Addressee("قائمتك", "ستصلك", "ما تتابعه", "فاتك", "لم يفتك أي تنبيه")


def _chat(noun: str, masculine: bool = False) -> Addressee:
    missed, none = f"فات {noun}", f"لم يفت {noun} أي تنبيه"
    if masculine:
        return Addressee(f"متابعات {noun}", "ستصله", f"ما يتابعه {noun}", missed, none)
    return Addressee(f"متابعات {noun}", "ستصلها", f"ما تتابعه {noun}", missed, none)


def addressee_for(kind: str, thread_id: int = 0, *, named: bool = False) -> Addressee:
    """The words for a destination of this chat kind (``named``: set up from elsewhere with "@")."""
    if named:
        return _chat("المجموعة" if kind in ("group", "supergroup") else "القناة")
    if kind == "private":
        return _PERSON
    if thread_id:
        return _chat("هذا الموضوع", masculine=True)  # a forum topic (Telegram's own word for it)
    if kind in ("group", "supergroup"):
        return _chat("هذه المجموعة")
    return _chat("هذه القناة")
