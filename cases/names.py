"""Cross-script name match keys: one person, many spellings (issue 8).

The only module that imports the transliteration libraries (umsc, pypinyin, rapidfuzz,
jellyfish). Everything here is pure and deterministic: the same name parts always give the
same keys, so keys can be computed on write and stored.

Pipeline for one name part (see ../shared/research/domain.md §6 and stack.md Q11):

1. Uyghur Arabic script -> ULY Latin with umsc; Cyrillic (Uyghur, Russian, Kazakh) -> Latin
   with umsc plus a fold table for the letters umsc leaves alone (ы, ё, щ, ...); Chinese
   characters -> every pinyin reading (pypinyin, heteronym=True), bounded.
2. A Latin token that segments into pinyin syllables is *also* read as pinyin and mapped back
   to a Uyghur form (maimaiti -> memet, tuersun -> tursun, -guli -> -gul, aishan -> hasan,
   -jiang -> -jan, final -ti/-mu/-fu/-ke dropped to the consonant ...).
3. Every Latin form is folded to an ASCII *skeleton*: Turkish and ULY letters folded, kh/x/h
   dropped, q -> k, sh -> s, f -> p, final devoicing, three vowel classes (a/e, i, o/u).
   The phonetic key is jellyfish's metaphone of the skeleton.

Scores are suggestions for human review, never a reason to merge on their own.
"""

import hashlib
import re
import unicodedata
from functools import lru_cache
from itertools import product

import jellyfish
from pypinyin import Style, pinyin
from rapidfuzz.distance import Indel
from umsc import UgMultiScriptConverter

PARTS = ("given_name", "father_name", "other_names")
SCRIPTS = ("ug_arab", "ug_latn", "cyrl", "hans", "pinyin")
KEYS_VERSION = 1

_arabic_to_latin = UgMultiScriptConverter("UAS", "ULS")
_latin_to_arabic = UgMultiScriptConverter("ULS", "UAS")
_cyrillic_to_latin = UgMultiScriptConverter("UCS", "ULS")
_latin_to_cyrillic = UgMultiScriptConverter("ULS", "UCS")

_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_KAZAKH_ZH = re.compile(r"(?<![\w])ж(?=[аәеиоөуұүыі])")
_SEPARATORS = re.compile(r"[\s·•・.,;:/\\\-–—_'’`\"()]+")

# Letters umsc's Uyghur Cyrillic table does not cover (Russian and Kazakh), and Uyghur ones it
# renders with diacritics. Applied after umsc.
_CYRILLIC_FOLD = str.maketrans({
    "ы": "i", "і": "i", "ё": "yo", "щ": "sh", "ц": "ts", "ъ": "", "ь": "", "э": "e", "ұ": "u",
    "ғ": "gh", "қ": "q", "ң": "ng", "һ": "h", "ө": "ö", "ү": "ü", "ә": "e", "ж": "j", "х": "x",
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "з": "z", "и": "i", "й": "y",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "ч": "ch", "ш": "sh", "ю": "yu", "я": "ya", "җ": "j", "ў": "u", "ӯ": "u",
})
# Turkish, ULY and other Latin letters to plain ASCII (before the skeleton).
_LATIN_FOLD = str.maketrans({
    "ü": "u", "ö": "o", "é": "e", "ë": "e", "ä": "e", "ə": "e", "ı": "i", "ş": "sh", "ç": "ch",
    "ğ": "gh", "ñ": "ng", "ŋ": "ng", "â": "a", "î": "i", "û": "u", "ž": "zh", "š": "sh", "č": "ch",
})

# ---------------------------------------------------------------------------------------------
# Pinyin
# ---------------------------------------------------------------------------------------------
_INITIALS = ["zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x",
             "r", "z", "c", "s", "y", "w", ""]
_FINALS = ["a", "o", "e", "i", "u", "v", "ai", "ei", "ui", "ao", "ou", "iu", "ie", "ve", "er", "an", "en",
           "in", "un", "vn", "ang", "eng", "ing", "ong", "ia", "ian", "iang", "iao", "iong", "ua", "uo",
           "uai", "uan", "uang", "ue", "ueng"]
# A superset of the real syllables; over-generation only means a few extra candidate forms.
PINYIN_SYLLABLES = frozenset(i + f for i in _INITIALS for f in _FINALS if i + f not in {"", "r", "w", "y"})
_MAX_SYLLABLE = max(map(len, PINYIN_SYLLABLES))

# Syllable clusters of sinified Uyghur names -> Uyghur (ULY-like) form. Longest first when matched.
# Built from domain.md §6.4 and the demo world's table; to be validated with native speakers.
PINYIN_CLUSTERS = {
    ("mai", "mai", "ti"): "memet",
    ("mai", "he", "mai", "ti"): "mehemmet",
    ("mu", "he", "mai", "ti"): "muhemmet",
    ("tu", "er", "xun"): "tursun",
    ("tu", "er", "sun"): "tursun",
    ("tu", "er", "di"): "turdi",
    ("ai", "shan"): "hasan",
    ("ai", "sa"): "hesen",
    ("ai", "he", "mai", "ti"): "exmet",
    ("a", "bu", "du"): "abdu",
    ("a", "bu", "dou"): "abdu",
    ("a", "bu", "li"): "abli",
    ("a", "bu", "lai"): "able",
    ("a", "bu", "la"): "abla",
    ("a", "bu"): "ab",
    ("gu", "li"): "gul",
    ("a", "yi"): "ay",
    ("yi", "bu", "la"): "ibra",
    ("ku", "er", "ban"): "qurban",
    ("tuo", "he", "ti"): "toxti",
    ("rou", "zi"): "rozi",
    ("wu", "shou", "er"): "hoshur",
    ("wu", "fu", "er"): "ghopur",
    ("ya", "ku", "fu"): "yaqup",
    ("yu", "su", "fu"): "yusup",
    ("yu", "su", "pu"): "yusup",
    ("jiang",): "jan",
    ("pa", "li"): "pari",
}
_CLUSTER_MAX = max(map(len, PINYIN_CLUSTERS))
# Syllables whose vowel only carries a final consonant ("epenthetic"): dropped at the end of a word.
_FINAL_EPENTHETIC = {
    "ti": "t", "te": "t", "di": "t", "de": "t", "mu": "m", "fu": "p", "pu": "p", "bu": "p", "ke": "k",
    "ge": "k", "ka": "k", "si": "s", "zi": "z", "ci": "s", "li": "l", "le": "l", "er": "r", "ri": "r",
    "re": "r", "ni": "n", "ya": "ye", "yin": "m", "ying": "m",
}
# Pinyin initials and finals -> ULY-like spelling, inside a syllable.
_PINYIN_INITIAL = {"x": "sh", "q": "ch", "zh": "j", "c": "ts", "w": "", "j": "j", "h": "x"}
_PINYIN_FINAL = {"ai": "e", "ei": "e", "ao": "o", "ou": "o", "uo": "o", "ian": "en", "ie": "ie", "ong": "ung",
                 "v": "u", "ve": "ue", "iang": "an", "ang": "an", "eng": "en", "ing": "in", "ia": "ya",
                 "iu": "yu", "un": "un", "uan": "uan"}


@lru_cache(maxsize=65536)
def segment_pinyin(word):
    """Split an ASCII word into pinyin syllables (fewest syllables), or None if it does not segment."""
    n = len(word)
    if n == 0 or not word.isascii() or not word.isalpha():
        return None
    best = [None] * (n + 1)
    best[0] = ()
    for i in range(n):
        if best[i] is None:
            continue
        for j in range(i + 1, min(n, i + _MAX_SYLLABLE) + 1):
            piece = word[i:j]
            if piece in PINYIN_SYLLABLES and (best[j] is None or len(best[i]) + 1 < len(best[j])):
                best[j] = (*best[i], piece)
    return best[n]


def _syllable_to_uyghur(syllable, position, count, previous_final_vowel):
    if syllable == "er":
        return "r" if position else "er"
    if syllable == "yi":
        return "y" if previous_final_vowel else "i"
    if position == 0 and syllable.startswith("wu"):
        return "u" + syllable[2:]
    if position == count - 1 and syllable in _FINAL_EPENTHETIC:
        return _FINAL_EPENTHETIC[syllable]
    for size in (2, 1):
        initial = syllable[:size]
        if initial in _INITIALS and initial and (size == 2 or syllable[:2] not in ("zh", "ch", "sh")):
            final = syllable[size:]
            break
    else:
        initial, final = "", syllable
    if final.startswith("i") and initial in ("y",):
        initial = ""
    if position == 0 and not initial and final == "ai":
        return "e"
    return _PINYIN_INITIAL.get(initial, initial) + _PINYIN_FINAL.get(final, final)


@lru_cache(maxsize=65536)
def pinyin_to_uyghur(word):
    """Map a pinyin word (syllables glued) back to a Uyghur Latin form; None if not pinyin."""
    syllables = segment_pinyin(word)
    if not syllables:
        return None
    out = []
    i = 0
    count = len(syllables)
    while i < count:
        for size in range(min(_CLUSTER_MAX, count - i), 0, -1):
            cluster = tuple(syllables[i:i + size])
            if cluster in PINYIN_CLUSTERS:
                out.append(PINYIN_CLUSTERS[cluster])
                i += size
                break
        else:
            previous = out[-1][-1:] if out else ""
            out.append(_syllable_to_uyghur(syllables[i], i, count, previous in "aeiou" and previous != ""))
            i += 1
    return "".join(out)


# Readings that sinified Uyghur names use where a character has several (阿不都 is a-bu-du, not a-bu-dou).
_TRANSCRIPTION_READINGS = frozenset({"a", "bu", "du", "ti", "di", "er", "re", "la", "li", "ke", "mu", "fu", "si", "zi",
                                     "xi", "mai", "he", "ya", "yi", "ku", "ha", "sha", "shan", "jiang", "ma"})


def _han_readings(text, limit=10):
    """Pinyin strings for Chinese characters: every reading of every character appears in one.

    First the transcription reading of each character, then pypinyin's default, then one
    character switched to each of its other readings (bounded by `limit`).
    """
    chars = [c for c in text if _HAN.match(c)]
    if not chars:
        return []
    readings = [r for r in pinyin("".join(chars), style=Style.NORMAL, heteronym=True, errors="ignore") if r]
    preferred = [next((o for o in options if o in _TRANSCRIPTION_READINGS), options[0]) for options in readings]
    default = [options[0] for options in readings]
    results = ["".join(preferred)]
    if default != preferred:
        results.append("".join(default))
    for index, options in enumerate(readings):
        for option in options:
            if option == preferred[index]:
                continue
            if len(results) >= limit:
                return results
            variant = list(preferred)
            variant[index] = option
            results.append("".join(variant))
    return results


# ---------------------------------------------------------------------------------------------
# Script conversion
# ---------------------------------------------------------------------------------------------
def normalise(text):
    return unicodedata.normalize("NFKC", text or "").casefold().strip()


def arabic_to_latin(text):
    """Uyghur Arabic script -> ULY (umsc)."""
    return _arabic_to_latin(normalise(text))


def latin_to_arabic(text):
    """ULY -> Uyghur Arabic script (umsc)."""
    return _latin_to_arabic(normalise(text))


def latin_to_cyrillic(text):
    """ULY -> Uyghur Cyrillic (umsc)."""
    return _latin_to_cyrillic(normalise(text))


def cyrillic_to_latin(text):
    """Uyghur, Russian or Kazakh Cyrillic -> Latin: umsc, then fold what it leaves."""
    text = normalise(text)
    return _cyrillic_to_latin(text).translate(_CYRILLIC_FOLD)


def to_latin(text):
    """Any non-Han script -> lower-case Latin (ULY for Uyghur scripts)."""
    text = normalise(text)
    if _ARABIC.search(text):
        text = _arabic_to_latin(text)
    if _CYRILLIC.search(text):
        text = _cyrillic_to_latin(text).translate(_CYRILLIC_FOLD)
    return text


def ascii_fold(text):
    text = text.translate(_LATIN_FOLD)
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if c.isascii() and (c.isalpha() or c == " "))


# ---------------------------------------------------------------------------------------------
# Skeleton
# ---------------------------------------------------------------------------------------------
_VOWEL_CLASS = str.maketrans({"e": "a", "o": "u"})
_SKELETON_RULES = [
    (re.compile(r"kh|x"), "h"),
    (re.compile(r"gh"), "g"),
    (re.compile(r"q"), "k"),
    (re.compile(r"sh|ch(?=[aeiou])"), "s"),
    (re.compile(r"zh|dj|dzh|dz"), "j"),
    (re.compile(r"ch"), "c"),
    (re.compile(r"c(?![h])"), "j"),  # Turkish c is ULY j (Ehmetcan = Ehmetjan)
    (re.compile(r"ts"), "s"),
    (re.compile(r"ph|f"), "p"),
    (re.compile(r"w"), "v"),
    (re.compile(r"(?<=.)y(?![aeiou])|(?<=[aeiou])y"), "i"),
    (re.compile(r"h"), ""),
    (re.compile(r"b$"), "p"),
    (re.compile(r"d$"), "t"),
    (re.compile(r"g$"), "k"),
    (re.compile(r"z$"), "s"),
]
_DOUBLE = re.compile(r"(.)\1+")
_VOWELS = re.compile(r"[aiu]")


@lru_cache(maxsize=131072)
def skeleton(word):
    """An ASCII word -> its comparison skeleton (vowels in three classes, no h, no doubles)."""
    word = ascii_fold(word.lower())
    for pattern, replacement in _SKELETON_RULES:
        word = pattern.sub(replacement, word)
    word = word.translate(_VOWEL_CLASS)
    return _DOUBLE.sub(r"\1", word)


@lru_cache(maxsize=131072)
def consonants(form):
    """The consonant outline of a skeleton; a leading vowel is kept as 'a'."""
    if not form:
        return ""
    head = "a" if form[0] in "aiu" else ""
    return head + _DOUBLE.sub(r"\1", _VOWELS.sub("", form))


@lru_cache(maxsize=131072)
def _latin_word_forms(word, pinyin_only=False):
    """Forms of one Latin word: as Uyghur/Turkish/Russian spelling and, if it segments, as pinyin."""
    forms = set()
    word = ascii_fold(word)
    if not word:
        return frozenset()
    uyghur = pinyin_to_uyghur(word)
    if uyghur:
        forms.add(skeleton(uyghur))
    if not (uyghur and pinyin_only):
        forms.add(skeleton(word))
    return frozenset(f for f in forms if f)


@lru_cache(maxsize=131072)
def text_forms(text, pinyin_only=False):
    """Every skeleton of a name part in any script, as glued strings (spaces removed).

    Returns a frozenset of skeletons; a multi-word part contributes the glued word forms.
    With `pinyin_only` (the pinyin field) a word that segments as pinyin is read only as pinyin.
    """
    text = normalise(text)
    if not text:
        return frozenset()
    latin_sources = []
    if _HAN.search(text):
        latin_sources.extend((reading, True) for reading in _han_readings(text))
        text = _HAN.sub(" ", text)
    latin = to_latin(text)
    if latin.strip():
        latin_sources.append((latin, pinyin_only))
    if _KAZAKH_ZH.search(text):
        # Kazakh writes Turkic initial y as ж: Жақып = Yaqup, Жүсіп = Yusup.
        latin_sources.append((to_latin(_KAZAKH_ZH.sub("й", text)), False))
    forms = set()
    for source, as_pinyin in latin_sources:
        words = [w for w in _SEPARATORS.split(ascii_fold(source.translate(_LATIN_FOLD))) if w]
        if not words:
            continue
        per_word = [sorted(_latin_word_forms(w, as_pinyin)) for w in words]
        # Bounded product: glued forms of the words in order.
        for combo in _bounded_product(per_word, 8):
            forms.add("".join(combo))
        if len(words) > 1:
            glued = "".join(words)
            forms.update(_latin_word_forms(glued, as_pinyin))
    return frozenset(f for f in forms if f)


def _bounded_product(lists, limit):
    out = []
    for combo in product(*[lst or [""] for lst in lists]):
        out.append(combo)
        if len(out) >= limit:
            break
    return out


@lru_cache(maxsize=65536)
def glued_splits(text, pinyin_only=False):
    """For a one-word name that may be two names glued (MAIMAITITUERXUN): 'left|right' skeletons.

    Pinyin words are cut where both halves are pinyin and each half is mapped back to Uyghur; other
    words are cut between any two letters (three or more letters each side).
    """
    words = text_words(text)
    if len(words) != 1 or _HAN.search(words[0]):
        return frozenset()
    word = ascii_fold(to_latin(words[0]))
    splits = set()
    syllables = segment_pinyin(word)
    if syllables and len(syllables) >= 3:
        # Any cut where both halves are pinyin (er|a and e|ra are both possible syllabifications).
        for cut in range(2, len(word) - 1):
            left, right = pinyin_to_uyghur(word[:cut]), pinyin_to_uyghur(word[cut:])
            if left and right:
                splits.add(f"{skeleton(left)}|{skeleton(right)}")
    if not (syllables and pinyin_only) and len(word) >= 6:
        for cut in range(3, len(word) - 2):
            splits.add(f"{skeleton(word[:cut])}|{skeleton(word[cut:])}")
    return frozenset(x for x in splits if not x.startswith("|") and not x.endswith("|"))


def text_words(text):
    """A free-text name split into words (in any script); Han runs are split on the middle dot."""
    text = normalise(text)
    return [w for w in _SEPARATORS.split(text) if w]


# ---------------------------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------------------------
def _phonetic(forms):
    return sorted({jellyfish.metaphone(f) for f in forms if f} - {""})


def person_keys(names):
    """Match keys of a person from their stored name fields.

    `names` maps NAME_FIELDS (given_name_ug_arab, father_name_pinyin, ...) to text; missing or
    empty fields are ignored. Returns a JSON-able dict:
      {"v": version, "given": [skeletons], "father": [...], "other": [...], "phonetic": [metaphones]}
    If no father's name is stored but a given-name field holds two or more words (a glued or
    whole-name entry), the first word is taken as the given name and the rest as the father's.
    """
    parts = {"given": set(), "father": set(), "other": set()}
    split_candidates = []
    for script in SCRIPTS:
        given = names.get(f"given_name_{script}") or ""
        father = names.get(f"father_name_{script}") or ""
        other = names.get(f"other_names_{script}") or ""
        if given and not father and len(text_words(given)) >= 2:
            split_candidates.append(given)
        as_pinyin = script == "pinyin"
        parts["given"].update(text_forms(given, as_pinyin))
        parts["father"].update(text_forms(father, as_pinyin))
        for word in text_words(other):
            parts["other"].update(text_forms(word, as_pinyin))
    if not parts["father"] and split_candidates:
        parts["given"] = set()
        for text in split_candidates:
            words = text_words(text)
            parts["given"].update(text_forms(words[0]))
            parts["father"].update(text_forms(" ".join(words[1:])))
    keys = {name: sorted(values) for name, values in parts.items()}
    if not parts["father"]:
        glued = set()
        for script in SCRIPTS:
            glued.update(glued_splits(names.get(f"given_name_{script}") or "", script == "pinyin"))
        if glued:
            keys["glued"] = sorted(glued)
    keys["phonetic"] = _phonetic(parts["given"] | parts["father"] | parts["other"])
    keys["v"] = KEYS_VERSION
    return keys


# A query longer than any name is cut: every word and letter multiplies the keys looked up.
QUERY_MAX_WORDS = 6
QUERY_MAX_WORD_LENGTH = 40


def query_keys(text):
    """Match keys for a free-text query typed in any script (order and gluing do not matter)."""
    words = [word[:QUERY_MAX_WORD_LENGTH] for word in text_words(text)[:QUERY_MAX_WORDS]]
    if not words:
        return {"given": [], "father": [], "other": [], "phonetic": [], "v": KEYS_VERSION}
    if len(words) == 1:
        return person_keys({"given_name_ug_latn": words[0]})
    return person_keys({"given_name_ug_latn": words[0], "father_name_ug_latn": " ".join(words[1:])})


# ---------------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------------
# Thresholds, chosen on the evaluation set (tests/cases/name_evaluation.py): a pair at or above
# DUPLICATE_THRESHOLD goes to the review queue and counts as a strong match in search; searches
# list matches down to SEARCH_THRESHOLD, which a lone given name reaches (see ONE_PART_FACTOR).
DUPLICATE_THRESHOLD = 0.90
STRONG_MATCH = 0.90
SEARCH_THRESHOLD = 0.70
# A match on one name part alone (the father's name dropped) is scaled by this: never confident.
ONE_PART_FACTOR = 0.75
# Two single-part names this long (in skeleton letters) are taken as glued whole names.
GLUED_MIN_LENGTH = 10


@lru_cache(maxsize=1 << 20)
def form_similarity(a, b):
    """Similarity in [0, 1] of two skeletons: half spelling, half consonant outline."""
    if a == b:
        return 1.0
    return 0.5 * Indel.normalized_similarity(a, b) + 0.5 * Indel.normalized_similarity(consonants(a), consonants(b))


def _best(forms_a, forms_b):
    best, pair = 0.0, None
    for a in forms_a:
        for b in forms_b:
            s = form_similarity(a, b)
            if s > best:
                best, pair = s, (a, b)
                if s == 1.0:
                    return best, pair
    return best, pair


def _combine(s1, s2):
    """Both parts must match: the weaker part counts twice."""
    return (2 * min(s1, s2) + max(s1, s2)) / 3


def score(keys_a, keys_b):
    """Compare two people's keys -> (score in [0, 1], evidence dict).

    Order-insensitive on given and father's name. A glued two-part name (one part on one side)
    is cut in two at every plausible point and the halves scored against given and father in
    both orders. A single name matching one part of the other side is capped at ONE_PART_FACTOR.
    Other names are not scored yet. Evidence: which parts matched which, the skeletons, how well:
      {"order": "same"|"swapped"|"glued"|"one part", "parts": [(part, other part, score, (a, b))], "score"}
    """
    ga, fa = keys_a.get("given", []), keys_a.get("father", [])
    gb, fb = keys_b.get("given", []), keys_b.get("father", [])
    evidence = {"order": None, "parts": [], "score": 0.0}
    best = 0.0
    if ga and fa and gb and fb:
        s_gg, p_gg = _best(ga, gb)
        s_ff, p_ff = _best(fa, fb)
        straight = _combine(s_gg, s_ff)
        s_gf, p_gf = _best(ga, fb)
        s_fg, p_fg = _best(fa, gb)
        crossed = _combine(s_gf, s_fg)
        if straight >= crossed:
            best = straight
            evidence.update(order="same", parts=[("given", "given", s_gg, p_gg), ("father", "father", s_ff, p_ff)])
        else:
            best = crossed
            evidence.update(order="swapped", parts=[("given", "father", s_gf, p_gf), ("father", "given", s_fg, p_fg)])
    elif (ga or fa) and (gb or fb):
        one_a, one_b = not (ga and fa), not (gb and fb)
        if one_a and one_b:
            # Both single parts: two glued whole names may match fully; a lone given name may not.
            s_one, p_one = _best(ga or fa, gb or fb)
            whole = p_one is not None and min(map(len, p_one)) >= GLUED_MIN_LENGTH
            best = s_one if whole else ONE_PART_FACTOR * s_one
            evidence.update(order="glued" if whole else "one part", parts=[("name", "name", s_one, p_one)])
        else:
            # One side is a single part: a glued two-part name, or a name without the father's.
            single_keys, pair = (keys_a, (gb, fb)) if one_a else (keys_b, (ga, fa))
            single = single_keys.get("given") or single_keys.get("father")
            splits = single_keys.get("glued") or [
                f"{x[:cut]}|{x[cut:]}" for x in single for cut in range(2, len(x) - 1)
            ]
            s_split, parts = _best_split(splits, *pair)
            s_part, p_part = max((_best(single, x) for x in pair), key=lambda t: t[0])
            # A name without the father's name is never a confident match on its own.
            if s_split >= ONE_PART_FACTOR * s_part:
                best = s_split
                evidence.update(order="glued", parts=parts)
            else:
                best = ONE_PART_FACTOR * s_part
                evidence.update(order="one part", parts=[("name", "part", s_part, p_part)])
    evidence["score"] = round(best, 4)
    return best, evidence


def _best_split(glued_forms, given, father):
    """Score each 'left|right' cut of a glued name: halves against given and father, both orders."""
    best, parts = 0.0, []
    for split in glued_forms:
        left, right = split.split("|")
        for first, second, order in ((given, father, "same"), (father, given, "swapped")):
            s1, p1 = _best((left,), first)
            s2, p2 = _best((right,), second)
            combined = _combine(s1, s2)
            if combined > best:
                best, parts = combined, [("glued", order, s1, p1), ("glued", order, s2, p2)]
    return best, parts


def rank(query, candidates, limit=5, threshold=0.0):
    """Rank `candidates` (iterable of (id, keys)) against query keys -> [(id, score, evidence)]."""
    scored = []
    for ident, keys in candidates:
        s, evidence = score(query, keys)
        if s >= threshold:
            scored.append((s, ident, evidence))
    scored.sort(key=lambda t: (-t[0], str(t[1])))
    return [(ident, s, evidence) for s, ident, evidence in scored[:limit]]


# ---------------------------------------------------------------------------------------------
# Index keys: what the database stores, so that search looks up rather than transliterates
# ---------------------------------------------------------------------------------------------
# An outline this long or longer is also indexed with each consonant deleted (a symmetric
# deletion neighbourhood): two outlines one edit apart then share a key (aisanm ~ aisam,
# nijyat ~ nijat). Shorter outlines would share keys with half the names.
DELETION_MIN_OUTLINE = 4


def _outline_keys(form):
    outline = consonants(form)
    if not outline:
        return set()
    keys = {outline}
    if len(outline) >= DELETION_MIN_OUTLINE:
        keys.update(outline[:i] + outline[i + 1:] for i in range(len(outline)))
    return keys


def _key_number(text):
    # 64-bit integers index smaller and compare faster than strings; a collision only adds a
    # candidate, which the scorer then judges on the full keys.
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)


def index_keys(keys):
    """The integer keys stored in the name index for a person's (or a query's) match keys.

    One per consonant outline of every form of every name part (glued halves included), plus the
    outline's one-deletion neighbours. Part-agnostic, so the order of given and father's name does
    not matter. A candidate is a person sharing keys with the query; `score` then decides.
    """
    forms = set(keys.get("given", ())) | set(keys.get("father", ())) | set(keys.get("other", ()))
    for split in keys.get("glued", ()):
        forms.update(half for half in split.split("|") if half)
    outlines = set()
    for form in forms:
        outlines.update(_outline_keys(form))
    return sorted({_key_number(outline) for outline in outlines})


def index_key_groups(keys):
    """The index keys of each name part of `keys` separately: given, father's, and a glued name's halves.

    A search ranks candidates first by how many of these groups they share a key with, so that a
    person matching both parts once beats one matching many readings of one part.
    """
    groups = [index_keys({"given": keys.get("given", ())}), index_keys({"father": keys.get("father", ())})]
    glued = keys.get("glued", ())
    groups.append(index_keys({"given": [s.split("|")[0] for s in glued]}))
    groups.append(index_keys({"given": [s.split("|")[1] for s in glued if "|" in s]}))
    return [group for group in groups if group]
