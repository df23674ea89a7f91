"""Every Arabic sentence the commands say, in one place (Modern Standard Arabic).

Each command's own description and usage are in its entry of the command table (``bot.commands.table``).
A sentence here that names a command ("/subscribe") is put into replies with ``reply.phrase()``, which
marks the command so each platform writes it its own way.
"""

from __future__ import annotations

from bot.alerts.plural import Noun

__all__ = ["TERM_ERRORS", "FETCH_REASONS", "N", "T"]

TERM_ERRORS = {
    "empty": "اكتب الكلمة أو العبارة بعد الأمر.",
    "too_long": "العبارة طويلة جداً: الحد الأقصى 100 حرف.",
    "too_many_words": "العبارة طويلة جداً: الحد الأقصى 12 كلمة.",
    "no_letters": "العبارة لا تحتوي على حروف أو أرقام يمكن البحث عنها.",
    "too_short": "العبارة قصيرة جداً: اكتب حرفين على الأقل.",
    "wildcard_edge": "لا يمكن أن تبدأ العبارة أو تنتهي بالرمز *؛ استعمله بين كلمتين فقط.",
    "too_many_parts": "عبارات كثيرة في أمر واحد: الحد الأقصى {limit}.",
}

# Why a feed could not be fetched, and what to do about it (``bot.commands.reasons`` picks one).
FETCH_REASONS = {
    "dns": "لم أجد موقعاً بهذا الاسم. تأكد من كتابة العنوان صحيحاً.",
    "connect": "لم أستطع الاتصال بالموقع. تأكد من العنوان، أو أعد المحاولة لاحقاً إن كان الموقع متوقفاً.",
    "timeout": "لم يردّ الموقع في الوقت المحدد. أعد المحاولة بعد قليل.",
    "not_found": "الصفحة غير موجودة على الموقع (الخطأ 404). تأكد من الرابط.",
    "forbidden": "يرفض الموقع إعطائي هذه الصفحة (الخطأ {status}). جرّب رابط مصدر RSS العام للموقع.",
    "server": "الموقع يواجه عطلاً الآن (الخطأ {status}). أعد المحاولة لاحقاً.",
    "http": "ردّ الموقع بخطأ (الرمز {status}). تأكد من الرابط أو أعد المحاولة لاحقاً.",
    "gone": "أزال الموقع هذا المصدر نهائياً (الخطأ 410). ابحث عن رابطه الجديد.",
    "redirects": "يحيل الرابط إلى روابط أخرى مرات كثيرة. جرّب الرابط النهائي للمصدر مباشرة.",
    "too_large": "الصفحة أكبر من الحجم المسموح به. جرّب رابط مصدر RSS نفسه.",
    "encoding": "أرسل الموقع محتوى لا أستطيع فكّه. جرّب رابطاً آخر للمصدر.",
    "not_feed": "المحتوى ليس مصدر RSS أو Atom صالحاً.",
    "blocked": "العنوان داخلي أو خاص، ولا يُسمح لي بالوصول إليه.",
    "url": "الرابط غير صالح. تأكد من كتابته كاملاً.",
    "internal": "خطأ داخلي أثناء قراءة المصدر؛ سأعيد المحاولة تلقائياً.",
    "network": "تعذّر الوصول إلى الموقع بسبب خطأ في الشبكة. أعد المحاولة بعد قليل.",
}


class N:
    """Counted nouns and counted sentences of the replies (CLDR plural forms, ``bot.alerts.plural``)."""

    ENABLED = Noun("لا مصادر مفعّلة", "مصدر واحد مفعّل", "مصدران مفعّلان", "{n} مصادر مفعّلة", "{n} مصدراً مفعّلاً",
                   "{n} مصدر مفعّل")
    FAILING = Noun("لا مصدر متعثّر", "مصدر واحد متعثّر", "مصدران متعثّران", "{n} مصادر متعثّرة", "{n} مصدراً متعثّراً",
                   "{n} مصدر متعثّر")
    DISABLED = Noun("لا مصدر موقوف", "مصدر واحد موقوف", "مصدران موقوفان", "{n} مصادر موقوفة", "{n} مصدراً موقوفاً",
                    "{n} مصدر موقوف")
    SENT = Noun("لم يُرسَل أي تنبيه بعد", "أُرسل تنبيه واحد", "أُرسل تنبيهان", "أُرسلت {n} تنبيهات", "أُرسل {n} تنبيهاً",
                "أُرسل {n} تنبيه")
    FAILED = Noun("", "تعذّر إرسال تنبيه واحد", "تعذّر إرسال تنبيهين", "تعذّر إرسال {n} تنبيهات",
                  "تعذّر إرسال {n} تنبيهاً", "تعذّر إرسال {n} تنبيه")
    PENDING = Noun("", "ينتظر تنبيه واحد", "ينتظر تنبيهان", "تنتظر {n} تنبيهات", "ينتظر {n} تنبيهاً", "ينتظر {n} تنبيه")
    ATTEMPTS = Noun("", "محاولة فاشلة واحدة", "محاولتان فاشلتان", "{n} محاولات فاشلة", "{n} محاولة فاشلة",
                    "{n} محاولة فاشلة")
    TIMES = Noun("", "مرة واحدة", "مرتين", "{n} مرات", "{n} مرة", "{n} مرة")
    TERMS = Noun("لا عبارات", "عبارة واحدة", "عبارتان", "{n} عبارات", "{n} عبارة", "{n} عبارة")
    THREADS = Noun("", "موضوع نقاش واحد", "موضوعا نقاش", "{n} موضوعات نقاش", "{n} موضوعَ نقاش", "{n} موضوع نقاش")


class T:
    """Fixed replies."""

    INTRO = "أهلاً! أنا newsbot: أتابع مصادر الأخبار وأرسل إليك تنبيهاً بالعربية فور نشر خبر عمّا تتابعه."
    HOW = ("ابدأ بالأمر /subscribe للاشتراك في المتابعات الجاهزة (وقف إطلاق النار، البحر الأسود، الناتو)، "
           "أو أضف عباراتك الخاصة بالأمر /watch.")
    START_FIRST_STEP = "اختر خطوتك الأولى:"
    START_TOPICS = "📋 المتابعات الجاهزة"
    START_WATCH = "✍️ كيف أتابع عبارة؟"
    START_HELP = "❓ كل الأوامر"
    WATCH_HOW = "اكتب الأمر /watch ثم الكلمة أو العبارة، مثلاً: /watch لافروف"
    PLAIN_HINT = "لا أقرأ الرسائل العادية؛ أفهم الأوامر فقط. أتريد متابعة كلماتها أم عرض الأوامر؟"
    PLAIN_WATCH = "🔔 تابِع «{term}»"
    PLAIN_TOPIC = "📋 اشترك في «{label}»"
    BACK = "عدتُ — إعداداتكم محفوظة: {summary}."
    BACK_PAUSED = "التنبيهات متوقفة؛ لاستئنافها أرسلوا /resume."
    WELCOME_GROUP = ("أهلاً! أنا newsbot: أرسل إلى هذه المجموعة تنبيهاً بالعربية فور نشر خبر عمّا تتابعه. "
                     "يستطيع مشرفو المجموعة البدء بالأمر /subscribe أو /watch، والأوامر كلها في /help.")
    MATCHING = ("أفهم صيغ الكتابة المختلفة: «الناتو» تطابق «والناتو» و«للناتو» و«النّاتو»، "
                "ولا تطابق «السيناتور».")
    RULES_HINT = "ولمتابعة عبارات معاً أو مع استثناء (وقف إطلاق النار + غزة -كرة) اكتب /help watch"
    COMMANDS_HEADER = "الأوامر:"
    UNKNOWN = "لم أفهم هذا الأمر."
    NOT_ADMIN = "عذراً، تغيير إعدادات هذه المحادثة متاح لمشرفيها فقط."
    NOT_MEMBER = "عذراً، تغيير إعدادات هذه القناة متاح لأعضائها فقط؛ انضم إليها أولاً ثم أعد المحاولة."
    NOT_WORKSPACE_ADMIN = "عذراً، تغيير إعدادات القنوات في مساحة العمل هذه متاح لمشرفيها ومالكيها فقط."
    NOT_ADMIN_TARGET = "عذراً، يجب أن تكون مشرفاً في {target} لتغيير إعداداتها."
    RATE_LIMITED = "أرسلتَ أوامر كثيرة في وقت قصير؛ أعد المحاولة بعد {wait}."
    PRESSED_TOO_FAST = "ضغطاتٌ كثيرة في وقت قصير؛ أعد المحاولة بعد {wait}."
    TRY = "الاستعمال الصحيح: {usage}"
    SUBSCRIBED = "تم الاشتراك في: {labels}."
    ALREADY = "هذه المحادثة مشتركة مسبقاً في: {labels}."
    FOLLOWS_ALREADY = ("هذه المحادثة تتابع مسبقاً ما اختارته، فلم أُضف شيئاً. لإضافة متابعة جاهزة اكتب معرّفها "
                       "بعد الأمر، مثلاً /subscribe nato، أو اختر من /topics.")
    RESUMED_NOTHING = "استؤنفت التنبيهات، لكن هذه المحادثة لا تتابع شيئاً بعد. اختر من /topics أو أضف عبارة بالأمر /watch."
    NOT_PAUSED = "التنبيهات غير متوقفة في هذه المحادثة."
    FOLLOWING = "المتابعات: {labels}"
    UNKNOWN_IDS = "لا أعرف متابعة جاهزة باسم {ids}. المتابعات الجاهزة المتاحة: {valid}."
    UNSUBSCRIBED = "أُلغي الاشتراك في: {labels}."
    NOT_SUBSCRIBED = "هذه المحادثة غير مشتركة في: {labels}."
    RESUMED = "استؤنفت التنبيهات في هذه المحادثة."
    PAUSED = "أُوقفت كل التنبيهات في هذه المحادثة، واحتفظتُ بإعداداتها. أرسل /resume لاستئنافها."
    ALREADY_PAUSED = "التنبيهات متوقفة مسبقاً في هذه المحادثة."
    WATCH_ADDED = "أضفتُ «{term}» إلى {own}. {gets} الأخبار التي تذكرها."
    WATCH_EXISTS = "«{term}» موجودة مسبقاً في {own}."
    WATCH_LIMIT = "بلغت {own} الحد الأقصى ({limit}). احذف عبارة بالأمر /unwatch ثم أضف الجديدة."
    UNWATCHED = "حذفتُ «{term}» من {own}."
    UNWATCH_MISSING = "«{term}» ليست في {own}."
    WATCH_RULE_ADDED = "أضفتُ القاعدة «{term}» إلى {own}. {gets} الأخبار التي تطابقها."
    WATCH_ALSO = "يشمل أيضاً: {words}"
    WATCH_LITERAL = "كما كتبتَها تماماً، بلا توسيع."
    WATCH_SPLIT = "فصلتُ ما كتبتَه إلى {count} تُتابَع كلٌّ منها وحدها:"
    RULE_ERROR = "{reason} (الموضع: الحرف {pos}، عند «{at}»)"
    RULE_ERROR_END = "{reason} (الموضع: نهاية القاعدة)"
    EXCLUDE_ADDED = "من الآن لا تنبيه في هذه المحادثة عن أي خبر يذكر «{term}»."
    EXCLUDE_EXISTS = "«{term}» مستبعدة مسبقاً."
    EXCLUDE_LIMIT = "بلغت الاستبعادات الحد الأقصى ({limit}). ألغِ واحداً بالأمر /include ثم أضف الجديد."
    INCLUDED = "ألغيتُ استبعاد «{term}»."
    INCLUDE_MISSING = "«{term}» ليست مستبعدة."
    WATCHLIST_EXCLUDED = "مستبعدة (لا تنبيه عن خبر يذكرها): {terms}"
    PREVIEW_NEAR = "أقرب الأخبار التي أسقطها نفي أو استبعاد أو سياق ({count}):"
    PREVIEW_VETO = "أسقطها: {why}"
    PREVIEW_CONTEXT = "لم تُحتسب {words} لأن الخبر يذكر {context}، وهو سياق يدل على أن المقصود شخص أو شيء آخر بالاسم نفسه."
    SOURCE_UNKNOWN = "لا يوجد مصدر بالمعرّف {ids}: يقبل source: معرّف مصدر من مصادر هذه المحادثة أو من مصادر المشغّل."
    SOURCE_OWN = "مصادر هذه المحادثة: {ids} (يعرضها الأمر /feeds)."
    SOURCE_NO_OWN = "لم تُضِف هذه المحادثة أي مصدر بعد؛ أضفه بالأمر /addfeed ثم اكتب معرّفه كما يعرضه الأمر /feeds."
    SOURCE_OPERATOR = "مصادر المشغّل: {ids}."
    EXPORT_SENT = "إعدادات هذه المحادثة كلها في الملف المرفق ({name}). أرسله مع الأمر /import لاستعادتها هنا أو في محادثة أخرى."
    EXPORT_EMPTY = "لا إعدادات لهذه المحادثة بعد لتصديرها. ابدأ بالأمر /subscribe أو /watch."
    IMPORT_HOW = ("أرفق ملف YAML صدّرتَه بالأمر /export أو ملف OPML للمصادر، واكتب /import في تعليقه؛ "
                  "أو الصق محتوى الملف بعد الأمر في الرسالة نفسها.")
    IMPORT_BAD = "تعذّرت قراءة الملف: {reason}"
    IMPORT_NOTHING = "لا شيء يتغير: إعدادات هذه المحادثة تطابق الملف."
    IMPORT_PLAN = "سيغيّر الاستيراد ما يلي (اضغط «تطبيق» خلال 10 دقائق):"
    IMPORT_ADD = "➕ {what}: {items}"
    IMPORT_REMOVE = "➖ {what}: {items}"
    IMPORT_UNKNOWN = "⚠️ متابعات جاهزة غير معروفة سأتجاهلها: {items}"
    IMPORT_POLICY_ON = "▶️ استئناف التنبيهات"
    IMPORT_POLICY_OFF = "⏸️ إيقاف التنبيهات"
    IMPORT_MUTE = "🔕 كتم حتى {until}"
    IMPORT_UNMUTE = "🔔 إلغاء الكتم"
    IMPORT_BUTTONS_ON = "🔘 أزرار المتابعة على التنبيهات: تُعرض"
    IMPORT_BUTTONS_OFF = "🔘 أزرار المتابعة على التنبيهات: لا تُعرض"
    IMPORT_ATTENTION = "⚙️ إعدادات الانتباه (المنطقة الزمنية، الهدوء، الملخص، الحد، التنبيه الصامت) كما في الملف"
    IMPORT_APPLY = "تطبيق"
    IMPORT_CANCEL = "إلغاء"
    IMPORT_DONE = "✅ طُبّق الاستيراد."
    IMPORT_CANCELLED = "أُلغي الاستيراد ولم يتغير شيء."
    IMPORT_EXPIRED = "انتهت مهلة هذا الاستيراد أو طُبّق من قبل. أعد إرسال الملف بالأمر /import."
    IMPORT_FEED_FAILED = "⚠️ لم أُضف المصدر {url}: {reason}"
    SECTION_TOPICS = "الموضوعات"
    SECTION_RULES = "القواعد"
    SECTION_EXCLUSIONS = "الاستبعادات"
    SECTION_FEEDS = "المصادر"
    HELP_WATCH = (
        "قواعد /watch: عبارة واحدة، أو عبارات تجمعها عوامل.",
        "• «+» أو AND: أن يذكر الخبر الاثنتين: وقف إطلاق النار + غزة",
        "• «|» أو OR: إحداهما تكفي: (الناتو | حلف الأطلسي) + البحر الأسود",
        "• «-» أو NOT قبل عبارة: لا تنبيه إن ذكرها الخبر: زيلينسكي -(نادي | الدوري | هدف)",
        "• «~N»: العبارتان بينهما N كلمة على الأكثر: Zelensky ~5 Trump",
        "• title: في العنوان فقط: title:عاجل + ترامب",
        "• source:المعرّف من مصادر بعينها: معرّف مصدر للمشغّل، أو موقع مصدر أضافته المحادثة كما يعرضه /feeds "
        "(source:bbc.com، source:@channel)؛ وlang:ar أو lang:en بلغة بعينها.",
        '• علامتا التنصيص "…" لعبارة فيها أحد هذه الرموز، و«*» مكان كلمة واحدة: وزير * الخارجية',
        "• اسم بلد أو عاصمة أو كيان معروف يشمل أسماءه الأخرى بالعربية والإنجليزية (Sudan تشمل السودان)؛ "
        "اكتب =NATO لإيقاف ذلك.",
        "• الفاصلة «،» أو «,» أو «;» أو سطر جديد تفصل بين قواعد مستقلة: لافروف، شويغو",
        "جرّب قاعدتك قبل إضافتها بالأمر /preview، واستبعد ما لا تريده من كل تنبيهاتك بالأمر /exclude.",
    )
    WATCHLIST_HEADER = "ما تتابعه هذه المحادثة:"
    WATCHLIST_TOPICS = "المتابعات الجاهزة: {labels}"
    WATCHLIST_TERMS = "العبارات الخاصة: {terms}"
    WATCHLIST_EMPTY = "لا تتابع هذه المحادثة شيئاً بعد. ابدأ بالأمر /subscribe أو /watch."
    WATCHLIST_THREADS = "في هذا المنتدى {threads} بمتابعات خاصة؛ أرسل /watchlist داخل الموضوع لعرض متابعاته."
    WATCHLIST_PAUSED = "⏸️ التنبيهات متوقفة (أرسل /resume لاستئنافها)."
    WATCHLIST_MUTED = "🔕 التنبيهات مكتومة حتى {until}."
    WATCHLIST_FEEDS = "المصادر المضافة: {count}"
    NONE = "لا شيء"
    MUTED = "🔕 كُتمت التنبيهات حتى {until}."
    MUTE_BAD = "مدة غير صالحة. اكتبها هكذا: 30د أو ساعتين أو 2س أو 3 أيام (من دقيقة إلى 30 يوماً)."
    MUTE_MISSING = "اكتب مدة الكتم بعد الأمر، مثل: 30د أو ساعتين أو يوم."
    UNMUTED = "🔔 أُلغي الكتم، و{gets} التنبيهات من جديد."
    NOT_MUTED = "التنبيهات ليست مكتومة الآن."
    PREVIEW_HEADER = "الأخبار التي كانت ستطابق {term} خلال {period}: {count}"
    PREVIEW_SHOWING = "{count}، وهذه أحدث {shown} منها"
    PREVIEW_LIST = "المتابعة الجاهزة «{label}»"
    PREVIEW_NONE = "لم يطابق {term} أي خبر مخزَّن خلال {period}."
    PREVIEW_WHY = "لماذا: {why}"
    TOPICS_HEADER = "المتابعات الجاهزة (اضغط لتفعيل المتابعة أو إيقافها):"
    TOPIC_ON = "✅"
    TOPIC_OFF = "⬜"
    TOPIC_TOGGLED_ON = "فُعِّلت متابعة «{label}»."
    TOPIC_TOGGLED_OFF = "أُوقفت متابعة «{label}»."
    STATUS_HEADER = "حالة البوت:"
    STATUS_FEEDS = "المصادر: {enabled}{failing}{disabled}."
    STATUS_FEEDS_FAILING = "، منها {failing}"
    STATUS_FEEDS_ALL_OK = "، دون أي تعثّر"
    STATUS_FEEDS_DISABLED = "، و{disabled}"
    STATUS_LAST_POLL = "آخر جلب: {when}"
    STATUS_AGO = "قبل {elapsed}"
    STATUS_NEVER = "لم يجرِ أي جلب بعد"
    STATUS_QUEUE = "التنبيهات في كل المحادثات: {parts}."
    STATUS_OLDEST = "أقدمها ينتظر منذ {elapsed}"
    STATUS_FAILING = "مصادر متعثّرة:"
    STATUS_FAILING_FEED = "• {name}: {reason} ({attempts})"
    STATUS_HERE = "هذه المحادثة:"
    STATUS_HERE_NOTHING = "لا تتابع هذه المحادثة شيئاً بعد. ابدأ بالأمر /subscribe أو /watch."
    STATUS_HERE_TERMS = "العبارات الخاصة: {count}"
    STATUS_HERE_FEEDS = "المصادر المضافة: {count}"
    STATUS_HERE_ACTIVE = "▶️ التنبيهات تعمل."
    STATUS_HERE_ALERTS = "{parts}."
    STATUS_INTERVALS = "فواصل الجلب (تتكيّف مع وتيرة النشر): أقصرها {shortest}، ووسيطها {median}، وأطولها {longest}."
    STATUS_FASTEST = "الأكثر جلباً: {feeds}"
    STATUS_EVERY = "كل {interval}"
    FEED_ADDED = "أضفتُ المصدر {name}. {gets} أخباره الجديدة التي تطابق {follows}."
    FEED_EXISTS = "هذا المصدر مضاف مسبقاً."
    FEED_LIMIT = "بلغت هذه المحادثة الحد الأقصى للمصادر ({limit})."
    FEED_REMOVED = "حذفتُ المصدر {name}."
    FEED_MISSING = "هذا المصدر ليس ضمن مصادر هذه المحادثة."
    FEEDS_HEADER = "مصادر هذه المحادثة:"
    FEED_ID = "في القواعد: {id}"
    FEED_ID_EXAMPLE = "غزة"
    FEED_ADDED_ID = "لتقصر قاعدة على أخباره اكتب فيها {id}، مثل: /watch {example}"
    FEED_BAD_CHANNEL = "{channel} ليس اسم قناة تيليجرام صالحًا: الاسم من 5 إلى 32 حرفًا لاتينيًا أو رقمًا أو _ ، مثل @newswire."
    FEEDS_NONE = "لم تُضِف هذه المحادثة أي مصدر. أضف مصدراً بالأمر /addfeed."
    FEED_BAD_URL = "الرابط غير صالح: اكتب عنوان المصدر، مثل bbc.com/arabic أو https://example.com/rss."
    FEED_URL_MISSING = "اكتب رابط المصدر بعد الأمر، مثل bbc.com/arabic."
    FEED_BLOCKED = "لا يمكن إضافة هذا الرابط: يشير إلى عنوان داخلي أو خاص غير مسموح به."
    FEED_LOOKALIKE = ("لا يمكن إضافة هذا الرابط: في اسم الموقع حروف أو أرقام أو نقاط تشبه غيرها "
                      "(كالأرقام العريضة أو المحاطة بدائرة، أو النقطة «。»، أو خلط أبجديات مختلفة في اسم واحد). "
                      "اكتب العنوان بأرقام ونقاط عادية.")
    FEED_FETCH_FAILED = "تعذّر جلب الرابط: {reason}"
    FEED_NOT_FEED = "هذا الرابط ليس مصدر RSS أو Atom، ولا تشير صفحته إلى مصدر."
    FEED_FAILING = "⚠️ متعثر"
    TARGET_BAD = "لم أجد القناة {target}. تأكد من اسمها ومن أنني مشرف فيها."
    TARGET_NOT_CHANNEL = "{target} ليست قناة أو مجموعة يمكنني الإرسال إليها."
    TARGET_BOT_NOT_ADMIN = "أضفني مشرفاً في {target} أولاً حتى أستطيع النشر فيها."
    TARGET_ONLY_PRIVATE = "يمكن إعداد قناة أخرى من محادثة خاصة معي فقط."
    TARGET_UNSUPPORTED = "إعداد محادثة أخرى بذكر اسمها غير متاح هنا؛ أرسل الأمر من داخلها."
    TARGET_NOT_FOR = "الأمر /{name} لا يعمل على محادثة أخرى؛ أرسله من داخلها."
    # Channel notes (Slack): the third person, one template per change; {user} is whoever made it.
    NOTE_SUBSCRIBED = "أضاف {user} المتابعات الجاهزة {labels} إلى متابعات هذه القناة."
    NOTE_UNSUBSCRIBED = "أزال {user} {labels} من متابعات هذه القناة."
    NOTE_PAUSED = "أوقف {user} التنبيهات في هذه القناة مؤقتاً، وإعداداتها محفوظة. لاستئنافها: /resume"
    NOTE_RESUMED = "استأنف {user} التنبيهات في هذه القناة."
    NOTE_WATCH_ADDED = "أضاف {user} عبارة «{term}» إلى متابعات هذه القناة."
    NOTE_UNWATCHED = "حذف {user} عبارة «{term}» من متابعات هذه القناة."
    NOTE_WATCH_ADDED_MANY = "أضاف {user} إلى متابعات هذه القناة: {terms}."
    NOTE_UNWATCHED_MANY = "حذف {user} من متابعات هذه القناة: {terms}."
    NOTE_EXCLUDED = "استبعد {user} من تنبيهات هذه القناة كل خبر يذكر «{term}»."
    NOTE_INCLUDED = "ألغى {user} استبعاد «{term}» في هذه القناة."
    NOTE_BUTTONS_ON = "أضاف {user} أزرار المتابعة إلى التنبيهات الجديدة في هذه القناة."
    NOTE_SETTING = "غيّر {user} طريقة التنبيه في هذه القناة: {what}"
    NOTE_IMPORTED = "استورد {user} إعدادات هذه القناة من ملف."
    NOTE_BUTTONS_OFF = "أزال {user} أزرار المتابعة من التنبيهات الجديدة في هذه القناة."
    NOTE_MUTED = "كتم {user} التنبيهات في هذه القناة حتى {until}."
    NOTE_UNMUTED = "ألغى {user} كتم التنبيهات في هذه القناة."
    NOTE_FEED_ADDED = "أضاف {user} المصدر {name} إلى مصادر هذه القناة."
    NOTE_FEED_REMOVED = "حذف {user} المصدر {name} من مصادر هذه القناة."
    NOTE_RETRIED = "أعاد {user} إلى طابور الإرسال {alerts} في هذه القناة."
    NOTE_TOPIC_ON = "فعّل {user} متابعة «{label}» في هذه القناة."
    NOTE_TOPIC_OFF = "أوقف {user} متابعة «{label}» في هذه القناة."
    INTERNAL = "حدث خطأ غير متوقع ولم يُحفظ شيء. أعد المحاولة بعد قليل."
    # Attention (issue 16): time zone, quiet hours, digests, cap, notifications, urgent lists.
    TZ_SET = "🕰️ المنطقة الزمنية لهذه المحادثة: {zone} (الساعة الآن {now})."
    TZ_BAD = "منطقة زمنية غير معروفة: {zone}. اكتبها بصيغة المنطقة/المدينة بالإنجليزية، مثل: {examples}."
    TZ_SHOW = "المنطقة الزمنية لهذه المحادثة: {zone}. لتغييرها اكتب المنطقة/المدينة، مثل: {examples}."
    QUIET_SET = ("🌙 ساعات الهدوء من {start} إلى {end}: تُؤجَّل التنبيهات العادية إلى ملخص يصل عند انتهائها، "
                 "وتصل العاجلة فوراً.")
    QUIET_SET_ALL = "🌙 ساعات الهدوء من {start} إلى {end}: تُؤجَّل كل التنبيهات، حتى العاجلة، إلى ملخص يصل عند انتهائها."
    QUIET_OFF = "☀️ أُلغيت ساعات الهدوء، وسيصل ما أُجِّل في ملخص الآن."
    QUIET_BAD = "اكتب ساعات الهدوء هكذا: 23:00-07:00 (بتوقيت المحادثة)، وأضف all لتأجيل العاجلة أيضاً، أو off لإلغائها."
    QUIET_SAME = "بداية ساعات الهدوء ونهايتها متساويتان؛ اختر وقتين مختلفين."
    DIGEST_SET = "📰 تُجمع التنبيهات العادية{lists} في ملخص يصل عند {times}، وتصل العاجلة فوراً."
    DIGEST_LISTS = " لموضوعات {labels}"
    DIGEST_OFF = "أُلغي الملخص: تصل التنبيهات فور نشرها، وسيصل ما جُمع في ملخص الآن."
    DIGEST_BAD = "اكتب أوقات الملخص هكذا: 08:00 أو 08:00,18:00 (بتوقيت المحادثة)، ثم المعرفات إن شئت، أو off لإلغائه."
    DIGEST_TOO_MANY = "يصل الملخص {max} في اليوم على الأكثر."
    CAP_SET = "🚦 لن يصل أكثر من {count} في الساعة؛ ما يزيد من التنبيهات العادية يُجمع في الملخص التالي."
    CAP_OFF = "أُلغي حد التنبيهات."
    CAP_BAD = "اكتب الحد عدداً من 1 إلى {max} (أكبر عدد من التنبيهات في الساعة)، أو off لإلغائه."
    NOTIFY_ALL = "🔔 تصل كل التنبيهات مع إشعار."
    NOTIFY_URGENT = "🔕 تصل التنبيهات العادية دون صوت، والعاجلة وحدها مع إشعار."
    NOTIFY_URGENT_HERE = "🔕 تصل التنبيهات العادية دون تنبيه أحد، وتُنبِّه العاجلة كل الحاضرين في القناة (here)."
    NOTIFY_BAD = "اكتب all لكل التنبيهات أو urgent للعاجلة وحدها."
    NOTIFY_BAD_SLACK = "اكتب all لكل التنبيهات، أو urgent للعاجلة وحدها، أو urgent here لتنبيه الحاضرين بالعاجلة."
    NOTIFY_HERE_SLACK = "خيار here متاح في قنوات Slack فقط."
    URGENT_ON = "🔴 صارت تنبيهات {labels} عاجلة في هذه المحادثة."
    URGENT_OFF = "لم تعد تنبيهات {labels} عاجلة في هذه المحادثة."
    URGENT_LIST = "الموضوعات العاجلة في هذه المحادثة: {labels}"
    URGENT_BAD = "اكتب معرّف الموضوع بعد الأمر، أو off ثم المعرّف لإلغائه."
    POLICY_HEADER = "طريقة التنبيه:"
    POLICY_ZONE = "🕰️ المنطقة الزمنية: {zone}"
    POLICY_QUIET = "🌙 ساعات الهدوء: {start}–{end}{all}"
    POLICY_QUIET_ALL = " (حتى العاجلة)"
    POLICY_DIGEST = "📰 الملخص: {times}{lists}"
    POLICY_CAP = "🚦 الحد: لا يزيد عن {count} في الساعة"
    POLICY_NOTIFY_URGENT = "🔕 الإشعار: للعاجلة وحدها"
    POLICY_HERE = "📣 تُنبِّه العاجلة الحاضرين (here)"
    POLICY_URGENT = "🔴 موضوعات عاجلة: {labels}"
    NOT_ADMIN_VIEW = "عذراً، هذا الأمر متاح لمشرفي هذه المحادثة فقط."
    FAILED_HEADER = "تنبيهات تعذّر إرسالها إلى هذه المحادثة ({count}):"
    FAILED_NONE = "لا توجد تنبيهات تعذّر إرسالها إلى هذه المحادثة."
    FAILED_ITEM = "#{id} · {title} · {when} · {reason}"
    FAILED_HINT = "أعد إرسالها كلها بالأمر /retry all، أو واحداً منها بكتابة رقمه بعد /retry."
    FAILED_MORE = "… وغيرها: أعد إرسال الأقدم أولاً ثم اعرض القائمة من جديد."
    DEAD_REFUSED = "رفضته المنصة"
    DEAD_EXHAUSTED = "نفدت محاولات الإرسال"
    DEAD_MISSING = "لم يعد الخبر مخزّناً"
    # Why the platform refused, in words a member can act on (the platform's own English stays in the
    # operator's `newsbot outbox list --failed`); matched on the lower-cased error, first hit wins.
    DEAD_CAUSES = {
        ("blocked by the user",): "أوقف المستخدم البوت؛ يعود الإرسال حين يُعيد تشغيله",
        ("kicked", "not a member", "not_in_channel", "channel_not_found", "chat not found"):
            "البوت ليس عضواً في هذه المحادثة؛ أضيفوه ثم أعيدوا الإرسال",
        ("not enough rights", "have no rights", "restricted", "need administrator", "is_archived"):
            "لا يملك البوت صلاحية النشر هنا؛ امنحوه إذن إرسال الرسائل ثم أعيدوا الإرسال",
        ("thread not found", "topic_closed", "topic_deleted"): "حُذف موضوع المنتدى الذي تصل إليه التنبيهات أو أُغلق",
        ("too long", "msg_too_long", "too many", "even as plain text"): "لم تقبل نص الرسالة ولا صيغته البسيطة",
        ("timed out", "timeout", "network", "cannot connect", "server error", "bad gateway"):
            "تعذّر الوصول إلى المنصة مدةً طويلة",
    }
    NO_TITLE = "(بلا عنوان)"
    RETRY_DONE = "🔁 أعدتُ {alerts} إلى طابور الإرسال بترتيبها الأصلي."
    RETRY_NONE = "لا توجد تنبيهات متعثرة لإعادة إرسالها."
    RETRY_BAD = "اكتب all لإعادة الكل، أو أرقام التنبيهات كما تظهر في /failed (حتى 50 رقماً)."
    RETRY_MISSING = "لم أجد في هذه المحادثة تنبيهاً متعثراً بالرقم: {ids}."
    OPS_UNAVAILABLE = "هذه الميزة غير متاحة في هذا التشغيل."
    TRENDS_HEADER = {"24h": "📊 الاتجاهات خلال آخر 24 ساعة", "7d": "📊 الاتجاهات خلال آخر 7 أيام"}
    TRENDS_ROW = "{n}. {label}: {stories} من {outlets} — {change}"
    TRENDS_EMPTY = "{n}. {label}: لا أخبار في هذه المدة — {change}"
    TRENDS_UP = "▲ {pct}٪ عن المعتاد ({usual})"
    TRENDS_DOWN = "▼ {pct}٪ عن المعتاد ({usual})"
    TRENDS_SAME = "كالمعتاد ({usual})"
    TRENDS_NEW = "جديد، والمعتاد لا شيء"
    TRENDS_NO_BASELINE = "لا سجل سابق للمقارنة بعد"
    TRENDS_CHART = "📈 الرسم البياني في الرسالة التالية (خط لكل متابعة، حتى خمس)."
    TRENDS_CAPTION = {"24h": "📈 عدد الأخبار كل 15 دقيقة خلال آخر 24 ساعة", "7d": "📈 عدد الأخبار كل ساعة خلال آخر 7 أيام"}
    TRENDS_NONE = ("لا موضوعات ولا قواعد تتابعها هذه المحادثة بعد. اشترك في موضوع بالأمر /subscribe "
                   "أو أضف قاعدة بالأمر /watch ثم جرّب /trends.")
    TRENDS_BAD = "اكتب 24h لآخر 24 ساعة أو 7d لآخر 7 أيام، أو لا شيء (24h)."
    HISTORY_HEADER = "آخر التغييرات في هذه المحادثة:"
    HISTORY_NONE = "لا توجد تغييرات مسجّلة في هذه المحادثة."
    HISTORY_ITEM = "{when} · {who} ({id}) · {what}"
    # Entries that are not a command someone typed: said in words (a command keeps its own name).
    HISTORY_ACTIONS = {"ack": "تابع التنبيه {args}", "assign": "أسند التنبيه {args}", "import": "استورد إعدادات"}
    HISTORY_BAD = "اكتب عدد التغييرات المطلوب عرضها، من 1 إلى {max}."
    AUDIT_ON = "مفعّلة"
    AUDIT_OFF = "متوقفة"
    AUDIT_MUTED = "مكتومة حتى {until}"
    AUDIT_NOT_MUTED = "غير مكتومة"
    AUDIT_KEYS = {"enabled": "التنبيهات", "topics": "المتابعات", "terms": "العبارات", "exclusions": "الاستبعادات", "feeds": "المصادر",
                  "muted_until": "الكتم", "buttons": "أزرار التنبيهات", "policy": "طريقة التنبيه"}
    BUTTONS_ON = "أُضيفت الأزرار إلى التنبيهات الجديدة في هذه المحادثة: ✅ تابعتُه، 🔕 ليس ذا صلة، 👤 أسنده."
    BUTTONS_OFF = "أُزيلت الأزرار من التنبيهات الجديدة في هذه المحادثة."
    BUTTONS_ALREADY_ON = "الأزرار مفعّلة مسبقاً في هذه المحادثة."
    BUTTONS_ALREADY_OFF = "الأزرار غير مفعّلة مسبقاً في هذه المحادثة."
    BUTTONS_BAD = "اكتب on لإضافة الأزرار إلى التنبيهات أو off لإزالتها."
    WORK_REFUSED = "لا يمكن تنفيذ هذا الزر هنا: التنبيه ليس من هذه المحادثة."
    WORK_GONE = "لم يعد هذا التنبيه متاحاً للمتابعة."
    ACK_DONE = "✅ سُجّلت متابعتك لهذا التنبيه."
    ACK_TAKEN = "تابعه {name} في {time}، فلا حاجة إلى تسجيله مرة أخرى. شكراً لك."
    ACK_MINE = "سجّلتَ متابعته بالفعل في {time}."
    IRRELEVANT_DONE = "🔕 شكراً، سُجّل أن هذا التنبيه ليس ذا صلة ({terms})."
    IRRELEVANT_AGAIN = "سجّلتَ من قبل أن هذا التنبيه ليس ذا صلة."
    FOLLOW_ON = "🔔 تتابع هذه القصة الآن: ستصل نسخها اللاحقة من المصادر الأخرى ردّاً على هذا التنبيه. اضغط الزر مرة أخرى لإيقاف المتابعة."
    FOLLOW_OFF = "أُوقفت متابعة هذه القصة: سيُحدَّث التنبيه في مكانه فقط كما كان."
    ASSIGN_HOW = "لإسناد التنبيه: ردّ عليه بالأمر /assign ثم اسم العضو، مثل: /assign @sara_m"
    ASSIGN_NOT_REPLY = "اكتب /assign ردّاً على التنبيه الذي تريد إسناده."
    ASSIGN_BAD = "اكتب اسم مستخدم العضو بعد الأمر، مثل @sara_m."
    ASSIGN_SLACK = "على Slack: اختر العضو من زر «👤 أسنده» أسفل التنبيه نفسه."
    ASSIGN_NOT_MEMBER = "لا يمكن إسناد التنبيه إلا إلى عضو في هذه القناة."
    ASSIGNED = "👤 أُسند هذا التنبيه إلى {who}{by}."
    SOURCES_HEADER = "مصادر هذه المحادثة ({count}):"
    SOURCES_OPERATOR = "مصادر المشغّل ({count}):"
    SOURCES_NONE = "لم تُضِف هذه المحادثة أي مصدر؛ أخبارها من مصادر المشغّل. أضف مصدراً بالأمر /addfeed."
    SOURCES_LINE = "{mark} {name} · آخر خبر: {story} · آخر جلب ناجح: {poll} · كل {interval} · إخفاقات متتالية: {failures}"
    SOURCES_AGO = "منذ {age}"
    SOURCES_NEVER = "لا يوجد"
    SOURCES_SILENT = "🔇 صامت أطول من المعتاد (عادةً خبر كل {usual})"
    SOURCES_ERROR = "آخر خطأ: {error}"
    SOURCES_DISABLED = "⛔ موقوف: {reason}"
    NO_ARGS = "هذا الأمر لا يأخذ شيئاً بعده."
    PREVIEW_IRRELEVANT = "ضُغط «ليس ذا صلة» هنا على تنبيهات أطلقتها هذه العبارة {times} خلال {period}."
