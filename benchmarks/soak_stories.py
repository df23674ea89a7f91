"""The soak's stories: deterministic Arabic and English news, vetted by the bot's own matcher.

Generated from a seed so that which alerts are due is known before the run starts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["HOOKS", "STORY_LINK", "StoryMaker", "StoryPlan"]

STORY_LINK = "https://soak.example/story/{seq}"


_AR: dict[str, Any] = {
    # (subject, feminine): the verb agrees
    "subj": [("وزير الاقتصاد", 0), ("وزارة الصحة", 1), ("البنك المركزي", 0), ("هيئة الطيران المدني", 1),
             ("اتحاد كرة القدم", 0), ("شركة الكهرباء الوطنية", 1), ("وزارة التعليم", 1), ("هيئة الأرصاد", 1),
             ("غرفة التجارة", 1), ("وزير النقل", 0), ("مجلس بلدية العاصمة", 0), ("هيئة الاستثمار", 1),
             ("اتحاد المصارف", 0), ("وزارة الزراعة", 1), ("هيئة السياحة", 1), ("نقابة المهندسين", 1),
             ("سوق الأوراق المالية", 1), ("رئيس الجامعة", 0), ("هيئة الاتصالات", 1), ("محافظ المدينة", 0)],
    "verb": [("يعلن", "تعلن"), ("يطلق", "تطلق"), ("يبحث", "تبحث"), ("يكشف", "تكشف"), ("يناقش", "تناقش"),
             ("يعتمد", "تعتمد"), ("يفتتح", "تفتتح"), ("يدرس", "تدرس"), ("يقر", "تقر"), ("يستعرض", "تستعرض"),
             ("يؤجل", "تؤجل"), ("يرفض", "ترفض"), ("يراجع", "تراجع")],
    "obj": ["خطة لتطوير شبكة القطارات", "برنامجا لدعم الشركات الناشئة", "نتائج الربع الثالث",
            "مشروعا لتحلية مياه البحر", "حملة للتطعيم ضد الإنفلونزا", "جدول مباريات الدوري", "أسعار الوقود الجديدة",
            "مهرجان الكتاب السنوي", "منصة رقمية للخدمات الحكومية", "توسعة المطار الدولي", "مبادرة للطاقة الشمسية",
            "قواعد جديدة لعقود الإيجار", "معرضا للصناعات الغذائية", "خطة لمواجهة موجة الحر", "تطبيقا للنقل الذكي",
            "زيادة في رواتب المعلمين", "إصلاحات في سوق العمل", "إصدار سندات حكومية", "مسابقة للروبوتات المدرسية",
            "مشروع الحافلات الكهربائية", "تعديلات على رسوم الموانئ", "خطة لترميم المدينة القديمة",
            "دعم صغار المزارعين", "نظاما جديدا للقبول الجامعي"],
    "city": ["القاهرة", "الرياض", "عمان", "الرباط", "تونس", "الدوحة", "دبي", "الجزائر", "مسقط", "الكويت",
             "المنامة", "جدة", "الإسكندرية", "مراكش", "وهران", "أبوظبي", "صفاقس", "الشارقة", "أسوان", "طنجة"],
    "when": ["الأسبوع المقبل", "خلال العام الجاري", "بحلول الصيف", "مطلع الشهر المقبل", "قبل نهاية العام",
             "في المرحلة الأولى", "خلال ثلاثة أشهر", "مع بداية الموسم"],
    "sent": ["وقال مسؤولون إن الخطوة تهدف إلى تحسين الخدمات وخفض التكاليف على المواطنين",
             "وأوضح البيان أن التنفيذ سيبدأ {when} بميزانية تقدر بنحو {n} مليون",
             "ويأتي ذلك بعد دراسة استمرت {m} أشهر شارك فيها خبراء محليون",
             "ورحب عدد من رجال الأعمال بالقرار معتبرين أنه يدعم النمو ويوفر فرص عمل",
             "وأشار متحدث إلى أن المرحلة الثانية ستشمل {m} محافظات أخرى",
             "ولم تصدر تفاصيل إضافية حول الجدول الزمني أو الجهات المنفذة",
             "وتوقع محللون أن ينعكس ذلك على الأسعار خلال الأشهر المقبلة",
             "وشهدت الجلسة نقاشا مطولا حول آليات التمويل والرقابة"],
    "day": ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"],
    "in": "في",
}
_EN: dict[str, Any] = {
    "subj": [(s, 0) for s in ("The finance ministry", "The central bank", "City officials", "The health ministry",
                              "The football federation", "The national airline", "The transport authority",
                              "The tourism board", "Farmers' unions", "The stock exchange", "The engineers' syndicate",
                              "The education ministry", "The water utility", "The telecoms regulator",
                              "The port authority", "The statistics office")],
    "verb": [(v, v) for v in ("announced", "unveiled", "debated", "approved", "launched", "reviewed", "rejected",
                              "extended", "postponed", "expanded", "revised", "defended")],
    "obj": ["a new rail network plan", "support for start-ups", "third-quarter results", "a desalination project",
            "a flu vaccination drive", "the league fixture list", "new fuel prices", "the annual book fair",
            "a digital services platform", "an airport expansion", "a solar power initiative", "new rental rules",
            "a food industry expo", "a heatwave response plan", "a smart transport app", "teacher pay rises",
            "labour market reforms", "a new bond issue", "a school robotics contest", "electric bus routes"],
    "city": ["Cairo", "Riyadh", "Amman", "Rabat", "Tunis", "Doha", "Dubai", "Algiers", "Muscat", "Kuwait City",
             "Manama", "Jeddah", "Alexandria", "Marrakesh", "Oran", "Abu Dhabi"],
    "when": ["next week", "this year", "by the summer", "early next month", "before the end of the year",
             "in a first phase", "within three months"],
    "sent": ["Officials said the step aims to improve services and cut costs for residents",
             "The statement said work would start {when} with a budget of about {n} million",
             "It follows a {m}-month study by local experts",
             "Business groups welcomed the decision, saying it would support growth and jobs",
             "A spokesperson said a second phase would cover {m} more provinces",
             "No further details were given on the timetable",
             "Analysts expect an effect on prices in the coming months",
             "The session saw a long debate on funding and oversight"],
    "day": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "in": "in",
}
# A phrase per built-in watchlist for the stories that should alert (Arabic, English). A list in the
# config without a phrase here is named by its first term.
HOOKS: dict[str, tuple[str, str]] = {
    "ceasefire": ("وقف إطلاق النار", "ceasefire talks"), "black-sea": ("البحر الأسود", "Black Sea shipping"),
    "nato": ("حلف الناتو", "NATO allies"), "putin": ("الرئيس بوتين", "President Putin"),
    "trump": ("الرئيس ترامب", "Donald Trump"), "zelensky": ("زيلينسكي", "Zelensky"),
    "ukraine": ("أوكرانيا", "Ukraine"), "kremlin": ("الكرملين", "the Kremlin"), "russia": ("روسيا", "Russia"),
    "gaza": ("قطاع غزة", "Gaza"), "hamas": ("حركة حماس", "Hamas"), "israel": ("إسرائيل", "Israel"),
    "iran": ("إيران", "Iran"), "un": ("الأمم المتحدة", "the United Nations"), "syria": ("سوريا", "Syria"),
    "lebanon": ("لبنان", "Lebanon"), "hezbollah": ("حزب الله", "Hezbollah"), "houthis": ("الحوثيين", "the Houthis"),
    "sudan": ("السودان", "Sudan"),
}


@dataclass(frozen=True, slots=True)
class StoryPlan:
    seq: int
    feed: int
    title: str
    summary: str
    link: str
    watchlists: frozenset[str]  # what the bot's own matcher finds in it (empty: an ordinary story)


class StoryMaker:
    """Deterministic stories; the bot's own matcher and clusterer vet every one of them.

    An ordinary story must match nothing; one meant to alert must match, and must not be a
    near-duplicate of any earlier alerting story (or the bot would rightly merge them).
    """

    def __init__(self, watchlists_path: Path, seed: int, match_share: float) -> None:
        from bot.configfiles import load_watchlists
        from bot.domain.clustering import Clusterer
        from bot.domain.matcher import Matcher

        lists, problems = load_watchlists(watchlists_path)
        if problems:
            raise RuntimeError(f"watchlists: {problems[0]}")
        self.lists = lists
        self.matcher = Matcher(lists)
        self.clusterer = Clusterer(365 * 86400.0)
        self.rng = random.Random(f"stories:{seed}")
        self.share = match_share
        self.hooks = {w.id: HOOKS.get(w.id, (w.terms[0].text, w.terms[0].text)) for w in lists}
        self._when = datetime(2024, 1, 1, tzinfo=UTC)

    def _text(self, hook: str | None) -> tuple[str, str]:
        rng = self.rng
        arabic = rng.random() < 0.7  # most stories Arabic, the rest English
        v = _AR if arabic else _EN
        (subj, fem), verbs, obj, city = rng.choice(v["subj"]), rng.choice(v["verb"]), rng.choice(v["obj"]), \
            rng.choice(v["city"])
        title = f"{subj} {verbs[fem]} {obj} {v['in']} {city}"
        day, when = rng.choice(v["day"]), rng.choice(v["when"])
        lead = (f"{'أعلنت' if fem else 'أعلن'} {subj} يوم {day} في {city} عن {obj}، على أن يبدأ العمل {when}"
                if arabic else f"{subj} on {day} in {city} {verbs[0]} {obj}, with work due to start {when}")
        sents = [lead] + [s.format(when=rng.choice(v["when"]), n=rng.randint(12, 950), m=rng.randint(2, 11))
                          for s in rng.sample(v["sent"], 2)]
        if hook is not None:
            hook_text = self.hooks[hook][0 if arabic else 1]
            title = f"{hook_text}: {title}"
            sents.insert(1, ("وتزامن ذلك مع تطورات تتعلق بـ" if arabic else "It came amid developments involving ")
                         + hook_text)
        return title, ". ".join(sents) + "."

    def ordinary(self) -> tuple[str, str]:
        return self._text(None)

    def plan(self, seq: int, feed: int) -> StoryPlan:
        meant = int((seq + 1) * self.share) > int(seq * self.share)  # an exact, evenly spread share
        for _ in range(200):
            hook = self.rng.choice(self.lists).id if meant else None
            title, summary = self._text(hook)
            found = frozenset(m.watchlist for m in self.matcher.match(title, summary))
            if not meant:
                if found:
                    continue
            else:
                from bot.domain.clustering import fingerprint
                from bot.domain.crosslingual import language_of

                if not found:
                    continue
                # As ingest fingerprints it, so a story the bot would merge across languages is not written.
                fp = fingerprint(title, summary, lang=language_of(title, None), entities=sorted(found))
                if self.clusterer.find(fp, self._when) is not None:
                    continue
                self.clusterer.add(seq, fp, self._when)
            return StoryPlan(seq, feed, title, summary, STORY_LINK.format(seq=seq), found)
        raise RuntimeError(f"could not write story {seq} (matching={meant}): check the vocabulary")

