"""Feed bytes to text: the encoding chosen in the right order, and the bytes have the last word.

Order of evidence: a byte-order mark (UTF-8, UTF-32, UTF-16), the first bytes
of a BOM-less UTF-16/32 document (``<`` or ``<?`` padded with NULs), then the
HTTP ``charset``, then the XML prolog. A declaration loses when the bytes prove
it wrong: text that is valid, non-ASCII UTF-8 is UTF-8 whatever a server's
Latin-1 default says, and a declared UTF-8 that is mostly broken is not UTF-8.
A few stray bytes in an otherwise UTF-8 document are replaced (U+FFFD) where
they are, so one bad item does not turn every headline into mojibake. Latin-1
is read as windows-1252 (what every browser does). Only when nothing is
declared and the bytes are not UTF-8 is charset-normalizer asked to guess.
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache

__all__ = ["decode_document", "sniff_declared"]

_PROLOG = re.compile(rb"^\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9._:-]{1,40})[\"']", re.IGNORECASE)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]{1,40})", re.IGNORECASE)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# XML 1.0 appendix F: the first four bytes of a document without a BOM.
_NUL_PATTERNS = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)
_LATIN1 = {"latin-1", "iso8859-1", "ascii"}
_UNICODE_WIDE = {"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}
_STRAY_RATIO = 0.02  # at most 2 broken sequences per 100 well-formed multi-byte ones
_STRAY_FEW = 3  # ... or this many, in a document with little non-ASCII text


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        found = codecs.lookup(name.strip()).name
    except LookupError:
        return None
    return "cp1252" if found in _LATIN1 else found


def sniff_declared(body: bytes, content_type: str = "") -> tuple[str | None, str | None]:
    """(HTTP charset, XML prolog encoding) as codec names, None where absent or unknown."""
    cm = _CHARSET.search(content_type or "")
    pm = _PROLOG.match(body[:512])
    return (_codec(cm.group(1)) if cm else None,
            _codec(pm.group(1).decode("ascii", "replace")) if pm else None)


def _utf8_quality(body: bytes) -> tuple[int, int]:
    """(well-formed multi-byte sequences, broken ones) — one linear pass in C."""
    text = body.decode("utf-8", errors="replace")
    broken = text.count("\ufffd") - body.count(b"\xef\xbf\xbd")
    multi = len(text) - len(text.encode("ascii", errors="ignore")) - broken
    return max(0, multi), max(0, broken)


def _mostly_utf8(body: bytes) -> bool:
    """UTF-8 with a few stray bytes: the broken sequences are rare beside the well-formed ones.

    Legacy text (windows-1256 Arabic, windows-1252) is almost never well-formed
    multi-byte UTF-8, so a document whose well-formed sequences outnumber its
    broken ones at least two to one, with at most a handful broken (or 2 %),
    is UTF-8 with strays, not another encoding.
    """
    multi, broken = _utf8_quality(body)
    if broken == 0:
        return True
    return multi >= 2 * broken and broken <= max(_STRAY_FEW, multi * _STRAY_RATIO)


def _strict(body: bytes, enc: str) -> str | None:
    try:
        return body.decode(enc)
    except (UnicodeDecodeError, LookupError):
        return None


def _single_byte(body: bytes, enc: str) -> str:
    """Decode with a legacy codec; bytes it leaves undefined (cp1252's 0x81...) stay as Latin-1."""
    if enc == "cp1252":
        return body.decode("cp1252", errors="latin1fallback")
    return body.decode(enc, errors="replace")


def _latin1_fallback(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start:exc.end].decode("latin-1"), exc.end


codecs.register_error("latin1fallback", _latin1_fallback)


def _guess(body: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(body[:256 * 1024]).best()
    return _codec(best.encoding) if best is not None and best.encoding else "cp1256"  # type: ignore[return-value]


def decode_document(body: bytes, content_type: str = "") -> tuple[str, str]:
    """(text, encoding used) for a feed document; never raises on bad bytes."""
    for bom, enc in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(enc, errors="replace"), enc
    for head, enc in _NUL_PATTERNS:
        if body.startswith(head):
            return body.decode(enc, errors="replace"), enc
    http, prolog = sniff_declared(body, content_type)
    valid_utf8 = _strict(body, "utf-8")
    for enc in dict.fromkeys(e for e in (http, prolog) if e):
        if enc in _UNICODE_WIDE:
            continue  # a NUL-free document is not UTF-16/32, whatever it says
        if enc == "utf-8":
            if valid_utf8 is not None:
                return valid_utf8, "utf-8"
            if _mostly_utf8(body):
                return body.decode("utf-8", errors="replace"), "utf-8"
            continue  # the bytes prove the declaration wrong
        if valid_utf8 is not None and not valid_utf8.isascii():
            return valid_utf8, "utf-8"  # legacy text is practically never valid multi-byte UTF-8
        if _is_single_byte(enc):
            return _single_byte(body, enc), enc
        text = _strict(body, enc)
        if text is not None:
            return text, enc
    if valid_utf8 is not None:
        return valid_utf8, "utf-8"
    if _mostly_utf8(body):
        return body.decode("utf-8", errors="replace"), "utf-8"
    enc = _guess(body)
    if _is_single_byte(enc):
        return _single_byte(body, enc), enc
    return body.decode(enc, errors="replace"), enc


@lru_cache(maxsize=64)
def _is_single_byte(enc: str) -> bool:
    """A codec that maps every byte to one character (so 'decodes' never proves anything)."""
    try:
        return len(bytes(range(0x80, 0x100)).decode(enc, errors="replace")) == 128
    except LookupError:
        return False
