"""Checks of a right-to-left page shared by the browser tests: `<html lang dir>`, no English UI
text left, and user values bidi-isolated."""

import re

from playwright.sync_api import expect

# Latin words a page may show although the UI is Uyghur or Arabic. Everything else in Latin script
# is a string we forgot to translate. UNHCR stays Latin in Uyghur (locale/GLOSSARY.md), Panah in Arabic;
# file formats (PDF, CSV…), SHA-256, IP and UTC are written the same in every language; messaging apps keep the name
# their users see on their phones (Arabic adds it in brackets after a transliteration); and the US
# refugee programme's "Priority-2" is a proper name a lawyer searches for.
BRANDS = {"UNHCR", "Panah", "PDF", "PNG", "JPEG", "CSV", "UTC", "SHA", "IP", "WhatsApp", "Telegram", "Signal",
          "Priority"}

PAGE_TEXT = """(extraSkip) => {
  // translate="no" marks machine data (a JSON value in the audit trail), shown as stored.
  const skipped = ['script', 'style', '.language-form', '[hidden]', '[translate=no]', ...extraSkip].join(', ');
  const skip = (el) => el.closest(skipped);
  const words = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!skip(node.parentElement) && node.parentElement.getClientRects().length) words.push(node.textContent);
  }
  for (const el of document.querySelectorAll('[placeholder], [title], [aria-label], [alt], input[type=submit]')) {
    if (skip(el)) continue;
    for (const attr of ['placeholder', 'title', 'aria-label', 'alt', 'value']) {
      if (el.hasAttribute(attr) && (attr !== 'value' || el.type === 'submit')) words.push(el.getAttribute(attr));
    }
  }
  // The choices of a closed select have no box, but they are UI text all the same; a language
  // offered by its own name (marked with its lang, config.widgets.LanguageSelect) is meant to stay so.
  for (const option of document.querySelectorAll('select option')) {
    const ownName = option.lang && option.lang !== document.documentElement.lang;
    if (!skip(option) && !ownName) words.push(option.textContent);
  }
  words.push(document.title);
  return words.join('\\n');
}"""

# Values that must sit in their own bidi-isolated box on a right-to-left page: what people typed
# (a Latin-script name, a city, a staff or organisation name: the test passes the ones it knows),
# and phone-like digit groups (a leading plus, brackets, three groups split by spaces), which the
# bidi algorithm reverses group by group inside right-to-left text. A date written in the page's
# own order ("28 نويابىر 2026 20:11") reads correctly as it is. Translated sentences that
# keep an acronym (UNHCR in Uyghur) are not user data and read correctly without isolation.
SPACED_DIGITS = r"\+\d|\d\s*\(\d|\d+\s\d+\s\d+"

# A value is safe when an ancestor isolates it (bdi, a dir attribute, form controls, an atomic
# inline box, unicode-bidi isolate/plaintext) before its paragraph's block, or when it is the only
# text of that block (nothing to reorder it against). In plain text (a flash message) a value
# between Unicode isolate marks (config.bidi.isolate) is isolated; any other value sharing a text
# node with right-to-left letters is not.
UNISOLATED_RUNS = """([values, pattern]) => {
  const digits = new RegExp(pattern);
  const rtlLetters = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/;
  // Only inline boxes count: Chromium gives every block (p, div, td, li…) unicode-bidi: isolate,
  // but a block is the paragraph itself, not an isolation of a value inside it.
  const isolates = (el) => {
    const style = getComputedStyle(el);
    return el.matches('bdi, [dir], input, textarea, select, option, button')
      || ['isolate', 'isolate-override', 'plaintext'].includes(style.unicodeBidi)
      || ['inline-block', 'inline-flex', 'inline-grid', 'inline-table'].includes(style.display);
  };
  const problems = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const bare = text.replace(/[\u2066-\u2068][^\u2069]*\u2069/g, '');
    if (!bare || !(values.some((value) => bare.includes(value)) || digits.test(bare))) continue;
    let el = node.parentElement;
    if (el.closest('script, style, .language-form') || !el.getClientRects().length) continue;
    let safe = false;
    while (!rtlLetters.test(bare) && el && el !== document.body) {
      const display = getComputedStyle(el).display;
      if (display === 'inline' || display.startsWith('inline-')) {
        if (isolates(el)) { safe = true; break; }
      } else {
        safe = el.innerText.trim() === text;
        break;
      }
      el = el.parentElement;
    }
    if (!safe) problems.push(text.slice(0, 80) + '  <in>  ' + (el ? el.innerText.trim().slice(0, 120) : ''));
  }
  return problems;
}"""


def check_page(page, language, allowed_words, screenshot, step, user_values=(), *, isolation=True, skip=()):
    """Assert the page's direction and language; `isolation=False` for pages Django's own templates
    draw (the admin), whose markup is not ours to isolate; `skip`: CSS selectors of parts to leave
    out of the English check, each with its reason at the call."""
    page.wait_for_load_state("domcontentloaded")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", language)
    expect(html).to_have_attribute("dir", "rtl")
    text = page.evaluate(PAGE_TEXT, list(skip))
    # Whole words of Latin letters; codes that mix in digits (rule P12a, a hash) are identifiers, not UI text.
    words = {token for token in re.findall(r"[A-Za-z0-9'’]+", text) if re.fullmatch(r"[A-Za-z][A-Za-z'’]+", token)}
    english = sorted(words - allowed_words - BRANDS)
    screenshot(f"{language}-{step}")
    assert not english, f"{step}: English UI text on a {language} page: {english}"
    if not isolation:
        return
    unisolated = page.evaluate(UNISOLATED_RUNS, [sorted(user_values), SPACED_DIGITS])
    assert not unisolated, f"{step}: runs not bidi-isolated on a {language} page:\n" + "\n".join(unisolated)


# Fictional staff names (Latin script, so their isolation is tested) and organisation names
# (Cyrillic) for the right-to-left tests. The cast's own are English role words ("Caseworker",
# "Steppe Shelter"): allowing them would also let an untranslated role label through.
STAFF_NAMES = ["Dilnur", "Mirzat", "Gulnar", "Erkin", "Patigul", "Nurmemet", "Sadir", "Zulhumar", "Yalqun", "Ayshem"]
ORGANISATION_NAMES = ["Дала панасы", "Анатолия көмегі", "Айлақ заң клиникасы", "БҰҰ БЖКБ сынақ бөлімі",
                      "Тыныш бөлмелер"]


def rename_cast(cast):
    """Give the cast's staff and organisations the names above; return (staff names, organisation names).

    Renamed by UPDATE, so the audit trail the tests read holds no entry with the old English names.
    """
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import encrypt

    from tests.conftest import second_factor_secret

    for user, name in zip(cast.by_role().values(), STAFF_NAMES, strict=False):
        username = name.lower()
        type(user).objects.filter(pk=user.pk).update(first_name=name, last_name="", username=username,
                                                     email=f"{username}@example.org")
        user.refresh_from_db()
        # The authenticator app's key follows the username (tests.conftest.second_factor_secret).
        # By UPDATE too, so no audit entry carries the old key's owner.
        Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).update(
            data={"secret": encrypt(second_factor_secret(username))})
    organisations = [cast.ngo, cast.other_ngo, cast.clinic, cast.unhcr, cast.provider_org]
    for organisation, name in zip(organisations, ORGANISATION_NAMES, strict=True):
        type(organisation).objects.filter(pk=organisation.pk).update(name=name)
        organisation.refresh_from_db()
    return STAFF_NAMES[:len(cast.by_role())], ORGANISATION_NAMES
