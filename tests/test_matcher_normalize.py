"""Normalisation and tokenisation: every row of the team's reference table, as data."""

from __future__ import annotations

import html

import pytest

from bot.domain.text import (
    TokenSpans,
    fold,
    normalize,
    normalize_with_offsets,
    token_spans,
    tokens,
)

# (raw, normalised) — one row per phenomenon.
NORMALISE = [
    # HTML entities, also double- and triple-encoded (RSS descriptions)
    ("Russia&#039;s ceasefire", "russia s ceasefire"),
    ("&quot;NATO&quot; summit", "nato summit"),
    ("Russia&amp;#039;s ceasefire", "russia s ceasefire"),
    ("Black&amp;nbsp;Sea", "black sea"),
    ("البحر&amp;nbsp;الأسود", "البحر الاسود"),
    ("&amp;amp;quot;Putin&amp;amp;quot;", "putin"),
    ("&#1606;&#1575;&#1578;&#1608;", "ناتو"),
    ("&#x41;&#X54;O", "ato"),
    ("AT&T and Q&A", "at t and q a"),
    ("&xyzzy; NATO", "xyzzy nato"),
    # NFKC-class compatibility forms: presentation forms, lam-alef, fullwidth, NBSP, math letters
    ("ﺍﻟﻨﺎﺗﻮ", "الناتو"),
    ("ﺑﻮﺗﻴﻦ", "بوتين"),
    ("ﻻ", "لا"),
    ("ﻷﻭﻛﺮﺍﻧﻴﺎ", "لاوكرانيا"),
    ("ＮＡＴＯ", "nato"),
    ("البحر\u00a0الأسود", "البحر الاسود"),
    ("Black\u202fSea", "black sea"),
    ("Black\u3000Sea", "black sea"),
    ("Black\u2009Sea", "black sea"),
    ("𝐍𝐀𝐓𝐎", "nato"),
    # invisible format characters are deleted, so the word stays whole
    ("\u200fترامب: لا", "ترامب لا"),
    ("\u200eNATO", "nato"),
    ("بو\u200cتين", "بوتين"),
    ("بو\u200dتين", "بوتين"),
    ("بو\u200bتين", "بوتين"),
    ("\u2067بوتين\u2069", "بوتين"),
    ("\u2066NATO\u2069 \u2068Putin\u2069", "nato putin"),
    ("\u202bبوتين\u202c", "بوتين"),
    ("\u061cبوتين", "بوتين"),
    ("\ufeffبوتين", "بوتين"),
    ("NA\u00adTO", "nato"),
    ("Pu\u2060tin", "putin"),
    # tatweel
    ("النـاتو", "الناتو"),
    ("وقـف إطـلاق الـنـار", "وقف اطلاق النار"),
    ("ـــبوتينـــ", "بوتين"),
    # diacritics: harakat, tanween, shadda, sukun, superscript alef, Quranic marks
    ("وَقْفُ إِطْلَاقِ النَّارِ", "وقف اطلاق النار"),
    ("بُوتِين", "بوتين"),
    ("النّاتو", "الناتو"),
    ("يوماً", "يوما"),
    ("هُدْنَةٌ", "هدنه"),
    ("هٰذا", "هذا"),
    ("الرَّحْمَٰنِ", "الرحمن"),
    ("لَهُۥ", "له"),
    ("فِيهِۦ", "فيه"),
    ("قُلْ ۚ هُوَ", "قل هو"),
    ("محمد\u0610", "محمد"),
    ("ا\u0654لناتو", "الناتو"),
    ("Pútin Zelenskyý", "putin zelenskyy"),
    # alef forms
    ("أإآٱ", "اااا"),
    ("إطلاق", "اطلاق"),
    ("ٱلكرملين", "الكرملين"),
    ("الأسود", "الاسود"),
    # alef maqsura -> yaa (not alef)
    ("زيلينسكى", "زيلينسكي"),
    ("فى", "في"),
    ("مصطفى على", "مصطفي علي"),
    # taa marbuta -> haa
    ("هدنة", "هدنه"),
    ("الأوكرانية", "الاوكرانيه"),
    # hamza carriers
    ("مسؤول", "مسوول"),
    ("رئيس", "رييس"),
    ("\u0676", "و"),
    # Persian / Urdu letters
    ("الکرملین", "الكرملين"),
    ("زیلنسکی", "زيلنسكي"),
    ("ترمپ", "ترمب"),
    ("کییڤ", "كييف"),
    ("گاز", "كاز"),
    ("ھدنہ", "هدنه"),
    # Arabic-Indic and Persian digits
    ("٣٠ يوماً", "30 يوما"),
    ("۳۰ روز", "30 روز"),
    ("S-٤٠٠", "s 400"),
    # case folding
    ("NATO Nato nato", "nato nato nato"),
    ("STRASSE Straße", "strasse strasse"),
    # whitespace of every kind collapses
    ("  البحر \n\n الأسود\t", "البحر الاسود"),
    ("", ""),
    ("،؛؟!…", ""),
]


@pytest.mark.parametrize(("raw", "expected"), NORMALISE)
def test_normalise_table(raw: str, expected: str) -> None:
    assert normalize(raw) == expected
    assert fold(raw)[0] == expected
    assert normalize_with_offsets(raw).text == expected


# (raw, tokens) — what is a separator and what is not.
TOKENISE = [
    ("#وقف_إطلاق_النار", ["وقف", "اطلاق", "النار"]),
    ("#BlackSea", ["black", "sea"]),
    ("#BlackSeaFleet", ["black", "sea", "fleet"]),
    ("#NATOSummit", ["nato", "summit"]),
    ("#Black_Sea", ["black", "sea"]),
    ("&#35;BlackSea", ["black", "sea"]),
    ("BlackSea", ["blacksea"]),  # CamelCase is split only in hashtags
    ("#blacksea", ["blacksea"]),
    ("NATO's", ["nato", "s"]),
    ("Zelenskyy’s", ["zelenskyy", "s"]),
    ("anti-NATO", ["anti", "nato"]),
    ("non-NATO", ["non", "nato"]),
    ("pro-Kremlin", ["pro", "kremlin"]),
    ("Kremlin-backed", ["kremlin", "backed"]),
    ("Trump–Putin", ["trump", "putin"]),
    ("Trump—Putin", ["trump", "putin"]),
    ('"Putin"', ["putin"]),
    ("“Putin”", ["putin"]),
    ("«بوتين»", ["بوتين"]),
    ("@NATO", ["nato"]),
    ("أميركية- أوكرانية", ["اميركيه", "اوكرانيه"]),
    ("بوتين، ترامب؛ كييف؟", ["بوتين", "ترامب", "كييف"]),
    ("٥٠٪", ["50"]),
    ("الـ«ناتو»", ["ال", "ناتو"]),
    ('بـ"البحر الأسود"', ["ب", "البحر", "الاسود"]),
    ("البحر\nالأسود", ["البحر", "الاسود"]),
    ("Black\r\n  Sea", ["black", "sea"]),
    ("U.N.", ["u", "n"]),
    ("½ بوتين", ["1", "2", "بوتين"]),
]


@pytest.mark.parametrize(("raw", "expected"), TOKENISE)
def test_tokenise_table(raw: str, expected: list[str]) -> None:
    assert tokens(raw) == expected


def test_entity_decoding_matches_the_standard_library() -> None:
    text = "&lt;b&gt; &#039; &#x27; &amp; &eacute; &copy &ampx &#0; &#xD800; &#1114112;"
    assert normalize(text) == normalize(html.unescape(text))


@pytest.mark.parametrize("raw", [raw for raw, _ in NORMALISE + TOKENISE])
def test_offsets_and_spans_agree_with_normalize(raw: str) -> None:
    """The span machinery sees exactly the tokens ``normalize`` produces."""
    norm = normalize_with_offsets(raw)
    toks = norm.text.split()
    spans = token_spans(raw)
    assert len(spans) == len(toks)
    shape = fold(raw)[1]
    assert list(TokenSpans(raw, shape, len(toks))) == spans
    for tok, (start, end) in zip(toks, spans):
        assert 0 <= start < end <= len(raw)
        assert normalize(raw[start:end]) == tok or tok in normalize(raw[start:end]).split()


def test_token_spans_cover_the_words_with_their_marks() -> None:
    text = "\u200fقال إنَّ وَقْفَ إِطْلَاقِ النَّارِ\u200f صامد"
    words = [text[a:b] for a, b in token_spans(text)]
    assert words == ["قال", "إنَّ", "وَقْفَ", "إِطْلَاقِ", "النَّارِ", "صامد"]


def test_token_spans_through_entities_hashtags_and_wide_folds() -> None:
    text = "&quot;Black&amp;nbsp;Sea&quot; #NATOSummit ﻻفروف ½"
    words = [text[a:b] for a, b in token_spans(text)]
    assert words == ["Black", "Sea", "NATO", "Summit", "ﻻفروف", "½", "½"]
