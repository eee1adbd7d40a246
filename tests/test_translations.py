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
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


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


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_translations_keep_every_placeholder(path):
    for entry in parse_po(path):
        source = sorted(PLACEHOLDER.findall(entry.get("msgid_plural") or entry["msgid"]))
        for index, translation in entry["msgstr"].items():
            assert translation, f"{path}: empty translation of {entry['msgid']!r}"
            assert "fuzzy" not in entry["flags"], f"{path}: fuzzy {entry['msgid']!r}"
            if len(entry["msgstr"]) > 1 and "%(counter)s" not in translation and index == 0:
                continue  # a singular form may spell the number out ("one case")
            assert sorted(PLACEHOLDER.findall(translation)) == source, (path, entry["msgid"], translation)
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
    from tests.conftest import PASSWORD

    caseworker = cast.caseworker
    caseworker.preferred_language = "ug"
    caseworker.save(update_fields=["preferred_language"])
    response = client.post(reverse("login"), {"username": "caseworker", "password": PASSWORD})
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
