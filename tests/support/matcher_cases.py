"""Example texts shared by several matcher test modules (data only)."""

from __future__ import annotations

# Ceasefire phrasings that must fire the built-in ceasefire list.
CEASEFIRE_YES = [
    "وقف إطلاق النار", "وقف إطلاق نار شامل", "اتفاق وقف النار", "وقف لإطلاق النار", "وقفاً لإطلاق النار",
    "وقفا لإطلاق النار", "وقف أوسع لإطلاق النار", "وقف كامل لإطلاق النار", "وقف فوري لإطلاق النار",
    "وقف شامل لإطلاق النار", "وقف شامل لإطلاق نار", "وقف فوري ودائم لإطلاق النار", "وقفاً فورياً لإطلاق النار",
    "هدنة", "الهدنة", "هدنه", "بالهدنة", "لهدنة", "هدن إنسانية", "#وقف_إطلاق_النار", "سيوقف إطلاق النار",
    "يوقف إطلاق النار", "أوقف إطلاق النار", "أوقفوا إطلاق النار", "توقف إطلاق النار", "إيقاف إطلاق النار",
    "وقف إطلاق النيران", "وَقْفُ إِطْلَاقِ النَّارِ", "وقـف إطـلاق الـنـار", "وقف\u00a0إطلاق\nالنار",
    "ceasefire", "Ceasefires", "cease-fire", "cease fire", "CEASE-FIRE", "truce", "truces", "armistice",
]

# topic -> (texts that must fire it, texts that must not)
TOPICS: dict[str, tuple[list[str], list[str]]] = {
    "ceasefire": (
        ["وقف إطلاق النار", "وقف إطلاق نار شامل", "وقف النار", "وقف لإطلاق النار", "هدنة", "#وقف_إطلاق_النار",
         "سيوقف إطلاق النار", "ceasefire", "ceasefires", "cease-fire", "cease fire", "truce", "truces"],
        ["أطلق النار", "تعرضت لإطلاق نار", "وقف إطلاق الصاروخ", "وقف الحرب", "توقف الهجمات", "التهدئة",
         "a 30-day pause"],
    ),
    "black-sea": (
        ["البحر الأسود", "بالبحر الأسود", "وبالبحر الأسود", "للبحر الأسود", "وللبحر الأسود", 'بـ"البحر الأسود"',
         "#البحر_الأسود", "البحر الاسود", "Black Sea", "#BlackSea", "the Black Sea Fleet", "Black Sea grain deal",
         "Black Sea bass", "BLACK SEA PORTS SHELLED"],
        ["الأسود", "أسود", "الدخان الأسود", "بالأسود", "أسود الأطلس", "اسوداد", "البحر الأحمر",
         "البحر الأبيض المتوسط", "بحر آزوف", "البحر وبالأسود", "Protesters formed a black sea of flags"],
    ),
    "nato": (
        ["الناتو", "ناتو", "قمة الـ«ناتو»", "(ناتو)", "حلف شمال الأطلسي", "حلف الأطلسي", "الحلف الأطلسي",
         "حلف شمال الأطلنطي", "الحلف الأطلنطي", "جنود الأطلسي", "الأمين العام للأطلسي", "قمة الأطلسي",
         "قوات الأطلسي", "NATO", "Nato", "North Atlantic Treaty Organization", "North Atlantic Alliance"],
        ["المحيط الأطلسي", "عبر الأطلسي", "شراكة عبر الأطلسي", "عاصفة مدارية في الأطلسي", "الأطلسي",
         "شمال المحيط الأطلسي", "دول المحيط الأطلسي", "أتلانتك", "أطلس", "الأطلس", "الحلف", "الحلفاء",
         "Atlantic", "North Atlantic", "Atlantic Council", "The Atlantic", "السيناتور", "senator"],
    ),
    "putin": (
        ["بوتين", "فلاديمير بوتين", "بُوتِين", "Putin", "Putin's", "Vladimir Putin"],
        ["روبوتين", "بوتينا", "computing", "disputing", "Rasputin", "الرئيس الروسي", "the Russian president",
         "سيد الكرملين"],
    ),
    "trump": (
        ["ترامب", "ترمب", "ترمپ", "Trump", "Trump's", "Trump-Putin", "Ex-Trump", "President Trump"],
        ["trumpet", "trumped up", "trump card", "الترامبولين", "Melania Trump", "Ivanka Trump",
         "Donald Trump Jr.", "ميلانيا ترامب", "إيفانكا ترمب", "ترامب الابن", "البيت الأبيض", "White House"],
    ),
    "zelensky": (
        ["زيلينسكي", "زيلنسكي", "زلينسكي", "زلنسكي", "زيلينيسكي", "زيلينسكى", "زیلنسکی", "Zelensky",
         "Zelenskyy", "Zelenskiy", "Zelenskyi", "Zelenski", "فولوديمير زيلينسكي"],
        ["Zelenska", "زيلينسكا", "بيوتر زيلينسكي يسجل", "بيوتر زيلنسكي", "أولينا زيلينسكي"],
    ),
    "ukraine": (
        ["أوكرانيا", "اوكرانيا", "أوكراني", "الأوكرانية", "الأوكرانيون", "الأوكرانيين", "الاوكرانية",
         "أميركية- أوكرانية", "أوكرانيات", "كييف", "Ukraine", "Ukrainian", "Ukrainians", "Kyiv", "Kiev"],
        ["كيف", "كيف حالك", "كيف يمكن", "وكيف", "فكيف", "خاركيف", "القرم", "دونباس", "Chicken Kiev",
         "دجاج كييف"],
    ),
    "kremlin": (
        ["الكرملين", "كرملين", "الکرملین", "للكرملين", "Kremlin", "pro-Kremlin", "Kremlin-backed"],
        ["كرملين قازان", "كرملين نيجني نوفغورود", "Kazan Kremlin", "Novgorod Kremlin", "الكرملين في قازان",
         "the Kremlin in Kazan", "Kremenchuk", "موسكو", "Moscow"],
    ),
}
