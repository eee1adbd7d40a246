"""The fictional demo world: organisations, one user per role, and name material for cases.

Every person here is invented. Names are common Uyghur given names combined at random; each
is written in the five scripts the case file keeps, the way a caseworker would meet them.
"""

DEMO_PASSWORD = "panah-demo-2026"

ORGANISATIONS = [
    # (name, kind, countries)
    ("Tengri Refugee Aid", "ngo", ["KZ", "KG"]),
    ("Bosphorus Refuge Network", "ngo", ["TR"]),
    ("UNHCR Liaison Desk (demo)", "unhcr", ["KZ", "KG", "TR", "TH", "MY", "AE", "SA", "EG"]),
    ("Golden Horn Legal Clinic", "legal_clinic", ["TR", "US"]),
    ("Safe Harbour Counselling", "service_provider", ["TR", "KZ"]),
]

# Refoulement-risk situations given to the first cases of the small world, so the liaison's
# queue and the case pages have something to show: (case index, [(category, days from TODAY, extra)]).
RISK_SCENARIOS = {
    0: [("custody", -3, {}), ("removal_order", -1, {})],
    1: [("red_notice", -20, {}), ("prc_contact", -60, {})],
    2: [("residence_cancelled", -15, {}), ("prc_contact", -30, {})],
    3: [("custody", -1, {})],
    4: [("planned_travel", 25, {"country": "SA"}), ("public_profile", -500, {})],
    6: [("extradition_request", -40, {}), ("extradition_approved", -2, {"domestic_remedy_remaining": "unknown"})],
    7: [("relatives_pressured", -10, {}), ("device_compromise", -5, {})],
}

USERS = [
    # (username, first, last, organisation, role)
    ("caseworker", "Demo", "Caseworker", "Tengri Refugee Aid", "caseworker"),
    ("caseworker2", "Second", "Caseworker", "Tengri Refugee Aid", "caseworker"),
    ("supervisor", "Demo", "Supervisor", "Tengri Refugee Aid", "supervisor"),
    ("istanbul", "Istanbul", "Caseworker", "Bosphorus Refuge Network", "caseworker"),
    ("liaison", "Demo", "Liaison", "UNHCR Liaison Desk (demo)", "unhcr_liaison"),
    ("lawyer", "Demo", "Lawyer", "Golden Horn Legal Clinic", "lawyer"),
    ("provider", "Demo", "Provider", "Safe Harbour Counselling", "service_provider"),
    ("orgadmin", "Demo", "Administrator", "Tengri Refugee Aid", "org_admin"),
    ("auditor", "Demo", "Auditor", "Tengri Refugee Aid", "auditor"),
]

# (Uyghur Arabic script, Uyghur Latin, Cyrillic, Chinese characters, pinyin)
MALE_NAMES = [
    ("مەمەت", "Memet", "Мәмәт", "买买提", "Maimaiti"),
    ("تۇرسۇن", "Tursun", "Турсун", "吐尔逊", "Tuerxun"),
    ("ئابدۇللا", "Abdulla", "Абдулла", "阿卜杜拉", "Abudula"),
    ("ئەخمەت", "Exmet", "Әхмәт", "艾合买提", "Aihemaiti"),
    ("نۇرمەمەت", "Nurmemet", "Нурмәмәт", "努尔买买提", "Nuermaimaiti"),
    ("قاسىم", "Qasim", "Қасим", "卡斯木", "Kasimu"),
    ("يۇسۇپ", "Yusup", "Юсуп", "玉苏甫", "Yusufu"),
    ("ئوسمان", "Osman", "Осман", "吾斯曼", "Wusiman"),
    ("ئەركىن", "Erkin", "Әркин", "艾尔肯", "Aierken"),
    ("ئىمىن", "Imin", "Имин", "依明", "Yiming"),
]
FEMALE_NAMES = [
    ("ئايشەم", "Ayshem", "Айшәм", "阿依仙木", "Ayixianmu"),
    ("گۈلنار", "Gulnar", "Гүлнар", "古丽娜尔", "Gulinaer"),
    ("پاتىگۈل", "Patigul", "Патигүл", "帕提古丽", "Patiguli"),
    ("زۇلپىيە", "Zulpiye", "Зулпийә", "祖丽菲亚", "Zulifeiya"),
    ("رەيھان", "Reyhan", "Рәйһан", "热依汗", "Reyihan"),
    ("مەريەم", "Meryem", "Мәрйәм", "麦尔耶姆", "Maieryemu"),
    ("ئامىنە", "Amine", "Аминә", "阿米娜", "Amina"),
    ("نۇرگۈل", "Nurgul", "Нургүл", "努尔古丽", "Nuerguli"),
]
SCRIPTS = ["ug_arab", "ug_latn", "cyrl", "hans", "pinyin"]

CITIES = {
    "KZ": ["Almaty", "Astana", "Shymkent"],
    "KG": ["Bishkek", "Osh"],
    "TR": ["Istanbul", "Kayseri", "Ankara"],
}


def name_fields(given, father):
    """Name fields of a person for `given` and `father` tuples, in every script."""
    fields = {}
    for index, script in enumerate(SCRIPTS):
        fields[f"given_name_{script}"] = given[index]
        fields[f"father_name_{script}"] = father[index]
    return fields
