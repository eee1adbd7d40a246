"""Every catalogue complete and well-formed; catalogues in step with the code; RTL from the language."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = sorted(ROOT.glob("locale/*/LC_MESSAGES/django.po"))
# Python %-style (with %r, which Django's model messages use) and str.format-style ({name}, {repr:s}).
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]|%[sdr]|\{\w*(?::\w+)?\}")


def parse_po(path):
    """Return the entries of a .po file as dicts (msgctxt, msgid, msgid_plural, msgstr by index, flags)."""
    entries, current, key = [], None, None

    def unquote(text):
        return text.strip()[1:-1].encode("raw_unicode_escape").decode("unicode_escape") if text.strip() else ""

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if current and ("msgid" in current):
                entries.append(current)
            current, key = None, None
            continue
        current = current if current is not None else {"flags": "", "msgstr": {}}
        if line.startswith("#,"):
            current["flags"] += line
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            key, current["msgctxt"] = "msgctxt", unquote(line[8:])
        elif line.startswith("msgid_plural "):
            key, current["msgid_plural"] = "msgid_plural", unquote(line[13:])
        elif line.startswith("msgid "):
            key, current["msgid"] = "msgid", unquote(line[6:])
        elif line.startswith("msgstr"):
            index = int(line[7]) if line.startswith("msgstr[") else 0
            key = ("msgstr", index)
            current["msgstr"][index] = unquote(line.split(" ", 1)[1])
        elif line.startswith('"'):
            if isinstance(key, tuple):
                current["msgstr"][key[1]] += unquote(line)
            else:
                current[key] += unquote(line)
    return [e for e in entries if e["msgid"]]


def test_there_is_a_catalogue_for_every_ui_language():
    codes = {path.parts[-3] for path in CATALOGUES}
    expected = {code.replace("-hans", "_Hans") for code, _name in settings.LANGUAGES}
    assert codes == expected


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_catalogue_is_complete_and_well_formed(path):
    result = subprocess.run(["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def single_number_forms(path):
    """The plural forms of a catalogue that each stand for one number only (English "one case";
    Arabic has three: zero, one, two), where a translation may spell the number out."""
    import gettext

    header_block = path.read_text(encoding="utf-8").split("\n\n", 1)[0]  # the header entry comes first
    header = "".join(re.findall(r'^"(.*)"$', header_block, re.M)).split("Plural-Forms:", 1)[1].split("\\n", 1)[0]
    count, formula = re.match(r"\s*nplurals=(\d+);\s*plural=(.*?);?\s*$", header).groups()
    form_of = gettext.c2py(formula)
    return {form for form in range(int(count)) if sum(form_of(n) == form for n in range(1000)) == 1}


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_translations_keep_every_placeholder(path):
    spelled_out = single_number_forms(path)
    for entry in parse_po(path):
        source = sorted(PLACEHOLDER.findall(entry.get("msgid_plural") or entry["msgid"]))
        for index, translation in entry["msgstr"].items():
            assert translation, f"{path}: empty translation of {entry['msgid']!r}"
            assert "fuzzy" not in entry["flags"], f"{path}: fuzzy {entry['msgid']!r}"
            found = sorted(PLACEHOLDER.findall(translation))
            if entry.get("msgid_plural") and index in spelled_out and set(found) < set(source):
                continue  # "one case", "نتيجة واحدة": the form's only number is written as a word
            assert found == source, (path, entry["msgid"], translation)
            for tag in ("<bdi>", "</bdi>"):
                assert entry["msgid"].count(tag) == translation.count(tag), (path, entry["msgid"], translation)


def test_committed_catalogues_match_the_strings_in_the_code(tmp_path):
    """Run makemessages on a copy of the code: a string outside the catalogue fails here."""
    for name in ("manage.py", "cases", "config", "referrals", "reports"):
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / name)
    (tmp_path / "locale" / "en" / "LC_MESSAGES").mkdir(parents=True)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-location", "--no-obsolete"],
        cwd=tmp_path, capture_output=True, text=True, env={"PANAH_ENV": "test", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    extracted = {(e.get("msgctxt"), e["msgid"]) for e in parse_po(tmp_path / "locale/en/LC_MESSAGES/django.po")}
    committed = {(e.get("msgctxt"), e["msgid"]) for e in parse_po(ROOT / "locale/en/LC_MESSAGES/django.po")}
    assert extracted - committed == set(), "strings missing from the catalogues: run makemessages and translate"
    assert committed - extracted == set(), "catalogues carry strings the code no longer uses"


@pytest.mark.parametrize("code, direction", [("ug", "rtl"), ("ar", "rtl"), ("ru", "ltr"), ("zh-hans", "ltr")])
def test_page_direction_follows_the_language(client, db, code, direction):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
    html = client.get(reverse("login")).content.decode()
    assert f'<html lang="{code}" dir="{direction}">' in html


def test_a_persons_preferred_language_applies_at_login_and_a_switch_is_remembered(cast, client):
    from tests.conftest import PASSWORD, second_factor_code

    caseworker = cast.caseworker
    caseworker.preferred_language = "ug"
    caseworker.save(update_fields=["preferred_language"])
    client.post(reverse("login"), {"login": "caseworker", "password": PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": second_factor_code("caseworker")})
    assert response.status_code == 302 and client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ug"
    assert '<html lang="ug" dir="rtl">' in client.get(response.url, follow=True).content.decode()

    switched = client.post(reverse("set_language"), {"language": "ru", "next": "/"})
    assert switched.status_code == 302 and client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    caseworker.refresh_from_db()
    assert caseworker.preferred_language == "ru"  # the next login speaks Russian
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})  # not a language of ours
    caseworker.refresh_from_db()
    assert caseworker.preferred_language == "ru"


def test_the_catalogues_follow_the_glossary():
    """locale/GLOSSARY.md fixes the key terms; its machine-readable block says what each catalogue must say."""
    import json

    glossary = (ROOT / "locale" / "GLOSSARY.md").read_text(encoding="utf-8")
    block = re.search(r"```json\n(.*?)\n```", glossary, re.S)
    assert block, "GLOSSARY.md has no ```json block of checks"
    checks = json.loads(block.group(1))
    assert len(checks) >= 10
    catalogues = {
        path.parts[-3]: {entry["msgid"]: entry["msgstr"][0] for entry in parse_po(path) if not entry.get("msgctxt")}
        for path in CATALOGUES
    }
    mismatches = [
        (check["msgid"], language, catalogue.get(check["msgid"]), check[language])
        for check in checks for language, catalogue in catalogues.items()
        if language in check and catalogue.get(check["msgid"]) != check[language]
    ]
    assert mismatches == []
    assert all(set(catalogues) <= set(check) - {"msgid"} for check in checks)  # every language, every term


def test_the_list_of_third_party_messages_is_up_to_date():
    """A new Django, auditlog or django-q2 with new or newly translated messages fails here until
    `manage.py third_party_messages` is rerun and the new entries are translated."""
    from django.core.management import call_command

    call_command("third_party_messages", "--check")


@pytest.mark.parametrize("code", [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE])
def test_what_django_and_our_apps_show_users_is_translated_in_every_language(code):
    """Every message of Django's forms, validators, dates, admin and auth, of auditlog and of
    django-q2's admin that a user can meet resolves, at run time, to a translation: from the
    package's own catalogue where it ships one, from ours where it does not (kk, ky, ug…)."""
    from django.utils import translation

    from config.management.commands.third_party_messages import SOURCES, source_entries

    untranslated = []
    with translation.override(code):
        for package, folder, prefixes in SOURCES:
            for entry in source_entries(package, folder, prefixes):
                words = PLACEHOLDER.sub("", entry.msgid)
                if not re.search(r"[A-Za-z]{2}", words) or entry.msgid in UNTRANSLATABLE | SAME_IN.get(code, set()):
                    continue
                if entry.msgid_plural:
                    shown = translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 5) \
                        if entry.msgctxt else translation.ngettext(entry.msgid, entry.msgid_plural, 5)
                    english = entry.msgid_plural
                else:
                    shown = translation.pgettext(entry.msgctxt, entry.msgid) if entry.msgctxt \
                        else translation.gettext(entry.msgid)
                    english = entry.msgid
                if shown == english:
                    untranslated.append(entry.msgid)
    assert untranslated == [], f"{len(untranslated)} messages users see in English on a {code} page: {untranslated}"


# Messages that may read the same in every language: technical names, units, HTTP headers.
UNTRANSLATABLE = {"UTC", "IPv4", "IPv6", "URL", "Cron", "%s KB", "%s MB", "%s GB", "%s TB", "%s PB",
                  "HTTP Accept", "User Agent"}  # header names, kept as such in several languages
# ...and in one language: Turkish abbreviates Mart and Mayıs as mar and may; Django's Arabic keeps
# the password hash's salt and hash in Latin (admin only); Uyghur and Chinese write the time on
# 24 hours, so AM and PM never appear.
SAME_IN = {"tr": {"mar", "may"}, "ar": {"salt", "hash"}, "ug": {"AM", "PM"}, "zh-hans": {"AM", "PM"}}


@pytest.mark.parametrize("code", [code for code, _name in settings.LANGUAGES])
def test_dates_times_and_numbers_are_written_the_local_way(code):
    """Every format a page or document uses is defined for the language (ours fill what Django
    lacks: config/formats/), and no date in a non-Latin-script language carries English words."""
    import datetime

    from django.utils import formats, translation

    moment = datetime.datetime(2026, 10, 5, 20, 10, tzinfo=datetime.UTC)
    with translation.override(code):
        modules = formats.get_format_modules(code)
        for name in ["DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATE_FORMAT", "SHORT_DATETIME_FORMAT",
                     "DECIMAL_SEPARATOR", "THOUSAND_SEPARATOR"]:
            assert any(hasattr(module, name) for module in modules), f"{code} lacks {name}: English would show"
        written = [formats.date_format(moment, name) for name in ("DATE_FORMAT", "DATETIME_FORMAT",
                                                                  "SHORT_DATETIME_FORMAT")]
        number = formats.number_format(12345.5, 1, force_grouping=True)
    if code not in ("en", "tr"):
        assert not any(re.search(r"[A-Za-z]", text) for text in written), written
    expected_numbers = {"en": "12,345.5", "ug": "12,345.5", "ru": "12\xa0345,5", "tr": "12.345,5", "ar": "12.345,5",
                        "kk": "12\xa0345,5", "ky": "12\xa0345.5", "zh-hans": "12345.5"}
    assert number == expected_numbers[code]  # zh-hans: Django writes no thousands separator


CSS_FILES = sorted(ROOT.glob("*/static/**/*.css"))
TEMPLATES = sorted(p for p in ROOT.glob("*/templates/**/*.html"))
PHYSICAL_PROPERTY = re.compile(
    r"(?<![\w-])(?:(?:margin|padding|border)-(?:left|right)|left|right|float|clear)\s*:"
    r"|text-align\s*:\s*(?:left|right)"
    r"|(?:border-(?:top|bottom)-(?:left|right)-radius)"
)


@pytest.mark.parametrize("path", CSS_FILES + TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_layout_uses_logical_properties_only(path):
    """margin-inline-start, not margin-left: the same rule then lays out a right-to-left page."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        text = " ".join(re.findall(r"style=\"([^\"]*)\"", text) + re.findall(r"<style>(.*?)</style>", text, re.S))
    assert not PHYSICAL_PROPERTY.findall(text)


def test_the_logical_properties_check_catches_a_physical_property():
    assert len(PHYSICAL_PROPERTY.findall(".a { margin-left: 1rem; text-align: right; left: 0 } .b { inset: 0 }")) == 3
    assert not PHYSICAL_PROPERTY.findall(".b { margin-inline-start: 1rem; text-align: start; inset-inline: 0 }")


def test_an_expired_form_gets_a_translated_page_that_says_nothing_was_saved(db, client):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ky"
    response = csrf_client.post(reverse("login"), {"username": "someone", "password": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert '<html lang="ky" dir="ltr">' in html and "Бул форманын мөөнөтү бүттү" in html
    assert "CSRF" not in html and "Referer" not in html  # Django's developer explanation stays out


# Text a template shows outside translation tags. Left in on purpose: SHA-256 and UTC, written
# the same in every language (the browser tests allow the same).
TEMPLATE_TEXT_ALLOWED = {"SHA-", "UTC"}
VISIBLE_ATTRIBUTES = re.compile(r'\b(?:title|placeholder|aria-label|alt)="([^"]*)"')


def untranslated_template_words(text):
    """Latin-script words a template would show that no translation tag covers: everything left
    once comments, translation blocks, tags, variables, scripts, styles and markup are removed,
    plus the attributes people read (title, placeholder, aria-label, alt)."""
    for pattern in (r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", r"{#.*?#}", r"<!--.*?-->",
                    r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}",
                    r"{%\s*block bodyclass\s*%}.*?{%\s*endblock\s*%}",  # CSS class names
                    r"<(script|style)\b.*?</\1>", r"{%.*?%}", r"{{.*?}}"):
        text = re.sub(pattern, " ", text, flags=re.S)
    attributes = VISIBLE_ATTRIBUTES.findall(text)
    text = re.sub(r"&\w+;|&#\d+;", " ", re.sub(r"<[^>]*>", " ", text, flags=re.S))
    words = [word for chunk in [text, *attributes] for word in re.findall(r"[A-Za-z][A-Za-z'’-]*", chunk)]
    return [word for word in words if word not in TEMPLATE_TEXT_ALLOWED]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_show_no_text_outside_translation_tags(path):
    assert untranslated_template_words(path.read_text(encoding="utf-8")) == []


def test_the_template_text_check_finds_untagged_words():
    template = """{% load i18n %}<h1>{% translate "Cases" %}</h1><p>Search here</p>
    <button title="Close">{{ label }}</button>{# note #}{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}"""
    assert untranslated_template_words(template) == ["Search", "here", "Close"]
