"""Evaluation set for cross-script name matching (issue 8): fictional people, seeded.

Every person is an invented combination of common Uyghur given names (own name + father's
name). Each person is written the ways the domain brief (../shared/research/domain.md §6.3)
describes: Uyghur Arabic script, ULY Latin, Turkish spelling, Russian and Kazakh Cyrillic,
Uyghur Cyrillic, Chinese characters, pinyin (often father's name first, or glued as on a PRC
passport), short forms (Ehmetjan -> Ehmet). Hard negatives are different people with a similar
name (one part replaced by a near name) and the same birth year.

Uyghur Arabic script and Uyghur Cyrillic are derived from the ULY column with umsc; the other
columns are written by hand. Not a linguistic reference: validate with native speakers.
"""

import random
from dataclasses import dataclass, field

from cases.names import latin_to_arabic, latin_to_cyrillic

# (ULY, Turkish, Russian Cyrillic, Kazakh Cyrillic, Chinese characters, pinyin)
MALE = [
    ("memet", "Mehmet", "Мамет", "Мамет", "买买提", "Maimaiti"),
    ("tursun", "Tursun", "Турсун", "Тұрсын", "吐尔逊", "Tuerxun"),
    ("abdulla", "Abdullah", "Абдулла", "Абдулла", "阿不都拉", "Abudula"),
    ("exmet", "Ahmet", "Ахмет", "Ахмет", "艾合买提", "Aihemaiti"),
    ("nurmemet", "Nurmehmet", "Нурмамет", "Нұрмамет", "努尔买买提", "Nuermaimaiti"),
    ("qasim", "Kasım", "Касым", "Қасым", "卡斯木", "Kasimu"),
    ("yusup", "Yusuf", "Юсуп", "Юсуп", "玉素甫", "Yusufu"),
    ("osman", "Osman", "Осман", "Осман", "吾斯曼", "Wusiman"),
    ("erkin", "Erkin", "Эркин", "Еркін", "艾尔肯", "Aierken"),
    ("imin", "İmin", "Имин", "Имин", "依明", "Yiming"),
    ("hesen", "Hasan", "Хасан", "Хасан", "艾山", "Aishan"),
    ("abliz", "Abliz", "Аблиз", "Әбліз", "阿不力孜", "Abulizi"),
    ("abdurehim", "Abdurrahim", "Абдурахим", "Әбдірахим", "阿不都热依木", "Abudureyimu"),
    ("abduréshit", "Abdureşit", "Абдурашид", "Әбдірашит", "阿不都热西提", "Abudurexiti"),
    ("ablimit", "Ablimit", "Аблимит", "Әблімит", "阿不力米提", "Abulimiti"),
    ("ehmetjan", "Ahmetcan", "Ахметжан", "Ахметжан", "艾合买提江", "Aihemaitijiang"),
    ("mexmut", "Mahmut", "Махмут", "Махмұт", "马合木提", "Mahemuti"),
    ("rozi", "Rozi", "Рози", "Розы", "肉孜", "Rouzi"),
    ("toxti", "Tohti", "Тохти", "Тохты", "托合提", "Tuoheti"),
    ("yasin", "Yasin", "Ясин", "Ясин", "亚森", "Yasen"),
    ("qurban", "Kurban", "Курбан", "Құрбан", "库尔班", "Kuerban"),
    ("dilshat", "Dilşat", "Дильшат", "Ділшат", "迪力夏提", "Dilixiati"),
    ("alim", "Alim", "Алим", "Әлім", "阿里木", "Alimu"),
    ("ibrahim", "İbrahim", "Ибрагим", "Ыбырайым", "依不拉音", "Yibulayin"),
    ("eli", "Ali", "Али", "Әли", "艾力", "Aili"),
    ("sadiq", "Sadık", "Садык", "Садық", "沙迪克", "Shadike"),
    ("niyaz", "Niyaz", "Нияз", "Нияз", "尼亚孜", "Niyazi"),
    ("perhat", "Ferhat", "Перхат", "Перхат", "帕尔哈提", "Paerhati"),
    ("adil", "Adil", "Адиль", "Әділ", "阿迪力", "Adili"),
    ("ghopur", "Gopur", "Гопур", "Ғопур", "吾甫尔", "Wufuer"),
    ("hoshur", "Hoşur", "Хошур", "Хошур", "吾守尔", "Wushouer"),
    ("turdi", "Turdi", "Турды", "Тұрды", "吐尔地", "Tuerdi"),
    ("sabit", "Sabit", "Сабит", "Сәбит", "沙比提", "Shabiti"),
    ("yaqup", "Yakup", "Якуп", "Жақып", "亚库甫", "Yakufu"),
    ("ablet", "Ablet", "Аблет", "Әблет", "阿不来提", "Abulaiti"),
    ("ekber", "Ekber", "Акбар", "Ақбар", "艾克拜尔", "Aikebaier"),
    ("nijat", "Nicat", "Ниджат", "Нижат", "尼加提", "Nijiati"),
    ("qeyser", "Kayser", "Кайсар", "Қайсар", "凯赛尔", "Kaisaier"),
    ("muhemmet", "Muhammed", "Мухаммед", "Мұхаммед", "木合买提", "Muhemaiti"),
    ("tahir", "Tahir", "Тахир", "Тахир", "塔依尔", "Tayier"),
]
FEMALE = [
    ("ayshem", "Ayşem", "Айшам", "Айшам", "阿依仙木", "Ayixianmu"),
    ("gülnar", "Gülnar", "Гульнар", "Гүлнар", "古丽娜尔", "Gulinaer"),
    ("patigül", "Fatigül", "Патигуль", "Патигүл", "帕提古丽", "Patiguli"),
    ("zulpiye", "Zülfiye", "Зульфия", "Зульфия", "祖丽菲亚", "Zulifeiya"),
    ("reyhan", "Reyhan", "Райхан", "Райхан", "热依汗", "Reyihan"),
    ("meryem", "Meryem", "Марьям", "Мәриям", "麦尔耶姆", "Maieryemu"),
    ("amine", "Emine", "Амина", "Әмина", "阿米娜", "Amina"),
    ("nurgül", "Nurgül", "Нургуль", "Нұргүл", "努尔古丽", "Nuerguli"),
    ("aygül", "Aygül", "Айгуль", "Айгүл", "阿依古丽", "Ayiguli"),
    ("mihray", "Mihray", "Михрай", "Миһрай", "米日阿依", "Miriayi"),
    ("gülbahar", "Gülbahar", "Гульбахар", "Гүлбахар", "古丽巴哈尔", "Gulibahaer"),
    ("zöhre", "Zühre", "Зухра", "Зухра", "祖合热", "Zuhere"),
    ("dilnur", "Dilnur", "Дильнур", "Ділнұр", "迪丽努尔", "Dilinuer"),
    ("gülzire", "Gülzire", "Гульзира", "Гүлзира", "古丽孜热", "Gulizire"),
    ("zeynep", "Zeynep", "Зайнап", "Зейнеп", "再娜甫", "Zainafu"),
    ("ayxan", "Ayhan", "Айхан", "Айхан", "阿依汗", "Ayihan"),
    ("parida", "Parida", "Парида", "Парида", "帕丽达", "Palida"),
    ("mukerrem", "Mükerrem", "Мукаррам", "Мұқаррам", "木克热木", "Mukeremu"),
]
# Short forms (domain brief: "Ahmetjan becomes Ahmad"): ULY -> short ULY.
SHORT = {"ehmetjan": "exmet"}
# Names that may stand for each other (short forms, Memet from Muhemmet): never two people apart.
SAME_PERSON_FORMS = {"ehmetjan": "exmet", "muhemmet": "memet"}
# Pairs of different names that look alike: hard negatives swap one part for its near name.
NEAR = {
    # Not Memet/Muhemmet or Exmet/Ehmetjan: one is a short form of the other, so they may be one person.
    "memet": ["nurmemet"], "nurmemet": ["memet"], "muhemmet": ["mexmut"],
    "tursun": ["turdi"], "turdi": ["tursun"], "abdulla": ["abdurehim", "abduréshit"],
    "abdurehim": ["abduréshit", "abdulla"], "abduréshit": ["abdurehim"], "abliz": ["ablimit", "ablet"],
    "ablimit": ["abliz", "ablet"], "ablet": ["ablimit"], "exmet": ["memet"],
    "qasim": ["sabit"], "hesen": ["yasin"], "yasin": ["hesen"], "eli": ["alim", "adil"], "alim": ["eli", "imin"],
    "adil": ["alim", "eli"], "imin": ["alim"], "rozi": ["toxti"], "sadiq": ["sabit"], "sabit": ["sadiq"],
    "gülnar": ["nurgül", "gülzire"], "nurgül": ["gülnar", "dilnur"], "aygül": ["ayxan", "nurgül"],
    "ayxan": ["aygül", "reyhan"], "reyhan": ["ayxan"], "dilnur": ["nurgül"], "patigül": ["parida"],
    "ayshem": ["aygül"], "gülzire": ["gülnar"], "amine": ["meryem"], "yusup": ["yaqup"], "yaqup": ["yusup"],
}

NAME_COLUMNS = ("ug_arab", "ug_latn", "turkish", "russian", "kazakh", "ug_cyrl", "hans", "pinyin")


def name_table():
    """ULY -> {column: spelling} for every name."""
    table = {}
    for row in MALE + FEMALE:
        uly, turkish, russian, kazakh, hans, py = row
        table[uly] = {
            "ug_arab": latin_to_arabic(uly), "ug_latn": uly.capitalize(), "turkish": turkish, "russian": russian,
            "kazakh": kazakh, "ug_cyrl": latin_to_cyrillic(uly).capitalize(), "hans": hans, "pinyin": py,
        }
    return table


@dataclass
class Spelling:
    person: int
    kind: str
    fields: dict  # NAME_FIELDS subset -> text
    text: str  # the same name as one free-text query


@dataclass
class EvalPerson:
    ident: int
    given: str
    father: str
    birth_year: int
    negative_of: int | None = None
    spellings: list = field(default_factory=list)

    def registered_fields(self, table):
        """The record as a caseworker registers it: Arabic script, ULY and Cyrillic filled in."""
        g, f = table[self.given], table[self.father]
        return {
            "given_name_ug_arab": g["ug_arab"], "father_name_ug_arab": f["ug_arab"],
            "given_name_ug_latn": g["ug_latn"], "father_name_ug_latn": f["ug_latn"],
        }


def _typo(rng, text):
    if len(text) < 5:
        return text
    i = rng.randrange(1, len(text) - 1)
    return text[:i] + text[i + 1:] if rng.random() < 0.5 else text[:i] + text[i] + text[i:]


def spellings_for(person, table, rng):
    g, f = table[person.given], table[person.father]
    short = SHORT.get(person.given)
    out = []

    def add(kind, given, father, script, father_first=False, glued=False):
        if glued:
            whole = (father + given) if father_first else (given + father)
            fields = {f"given_name_{script}": whole}
            text = whole
        elif father_first:
            # A form filled in from a PRC document: the father's name landed in the given-name box.
            fields = {f"given_name_{script}": father, f"father_name_{script}": given}
            text = f"{father} {given}"
        else:
            fields = {f"given_name_{script}": given, f"father_name_{script}": father}
            text = f"{given} {father}"
        out.append(Spelling(person.ident, kind, fields, text))

    add("uyghur-arabic", g["ug_arab"], f["ug_arab"], "ug_arab")
    add("uly", g["ug_latn"], f["ug_latn"], "ug_latn")
    add("turkish", g["turkish"], f["turkish"], "ug_latn")
    russian = "kazakh" if rng.random() < 0.4 else "russian"
    add(russian, g[russian], f[russian], "cyrl")
    add("uyghur-cyrillic", g["ug_cyrl"], f["ug_cyrl"], "cyrl")
    add("hans", g["hans"], f["hans"], "hans", father_first=rng.random() < 0.3)
    roll = rng.random()
    if roll < 0.3:
        add("pinyin-glued", g["pinyin"].upper(), f["pinyin"].upper(), "pinyin", glued=True)
    elif roll < 0.6:
        add("pinyin-father-first", g["pinyin"].upper(), f["pinyin"].upper(), "pinyin", father_first=True)
    else:
        add("pinyin", g["pinyin"], f["pinyin"], "pinyin")
    if short and short != person.given and rng.random() < 0.5:
        add("short-form", table[short]["turkish"], f["turkish"], "ug_latn")
    if rng.random() < 0.25:
        add("typo", _typo(rng, g["ug_latn"]), f["ug_latn"], "ug_latn")
    return out


def build(seed=20261129, people=300, negatives=90):
    """Return (people, table): `people` positives with unique name pairs plus hard negatives."""
    rng = random.Random(seed)
    table = name_table()
    male = [row[0] for row in MALE]
    female = [row[0] for row in FEMALE]
    used = set()
    result = []

    def take(given, father, year, negative_of=None):
        # A short form must not be another person's full name (Ehmetjan Tursun / Exmet Tursun).
        key = frozenset(SAME_PERSON_FORMS.get(x, x) for x in (given, father))
        if key in used or given == father:
            return None
        used.add(key)
        person = EvalPerson(len(result), given, father, year, negative_of)
        result.append(person)
        return person

    while len(result) < people:
        pool = male if rng.random() < 0.6 else female
        take(rng.choice(pool), rng.choice(male), rng.randint(1950, 2015))
    bases = list(result)
    rng.shuffle(bases)
    made = 0
    for base in bases:
        if made >= negatives:
            break
        options = [(near, base.father) for near in NEAR.get(base.given, [])]
        options += [(base.given, near) for near in NEAR.get(base.father, [])]
        rng.shuffle(options)
        for given, father in options:
            if take(given, father, base.birth_year, negative_of=base.ident):
                made += 1
                break
    for person in result:
        person.spellings = spellings_for(person, table, rng)
    return result, table
