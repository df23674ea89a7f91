"""Generated wire stories: distinct titles and summaries that each name a tracked topic."""

from __future__ import annotations

import random

__all__ = ["TOPICS", "WORDS", "CITIES", "make_stories"]

TOPICS = ["الناتو", "بوتين", "وقف إطلاق النار", "البحر الأسود", "زيلينسكي", "الكرملين", "ترامب", "أوكرانيا"]
WORDS = ("اجتماع مباحثات تصريحات قرار مجلس وزراء قمة مؤتمر تقرير بيان اتفاق هجوم صفقة عقوبات ميناء سفن حبوب "
         "طاقة غاز نفط قوات حدود لاجئين مساعدات انتخابات برلمان حكومة رئيس وزير سفير مبعوث محادثات مفاوضات "
         "خطة مبادرة تحقيق محكمة اقتصاد أسواق عملة تضخم صادرات واردات موانئ جسر طائرة مسيرة صواريخ دفاع جوي "
         "جنود تدريبات مناورات أسطول غواصة حاملة شحنات قمح ذرة أسمدة تأمين ممرات بحرية إسطنبول أنقرة وارسو "
         "برلين باريس لندن روما مدريد بروكسل جنيف فيينا أوسلو هلسنكي ستوكهولم بوخارست صوفيا أثينا بودابست براغ "
         "ريغا تالين فيلنيوس كيشيناو تبليسي يريفان باكو ألماتي طشقند الدوحة الرياض القاهرة عمان بيروت بغداد").split()
CITIES = WORDS[-44:]


def make_stories(n: int, seed: int = 7) -> list[tuple[str, str]]:
    """n distinct stories (title, summary), each naming a tracked topic."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        words = rng.sample(WORDS[:-44], 5)
        city = CITIES[i % len(CITIES)]
        title = f"{TOPICS[i % len(TOPICS)]}: {words[0]} {words[1]} {words[2]} في {city} {words[3]} {i + 3}"
        summary = (f"قالت مصادر إن {words[4]} {words[0]} في {city} يأتي ضمن {words[1]} {words[2]} "
                   f"بعد أسابيع من {words[3]}، وفق ما أفادت به جهات رسمية يوم {i + 3}.")
        out.append((title, summary))
    return out
