"""Every role's pages in Uyghur and in Arabic, on a case with something in every section: a
caseworker's case file, risk, referral and filing pages; the auditor's audit trail; the
liaison's alert queue, alert and rules; the lawyer's filing page; the provider's inbox and
referral; the organisation administrator's admin (Django's own templates, in our translations
where Django has none). Each page: `<html lang dir>`, no English UI text, user values isolated.
Screenshots in test-artifacts/.
"""

import datetime
import re

import pytest
from playwright.sync_api import expect

from cases.models import Alert, DuplicateCandidate
from cases.services import access, records
from referrals.choices import DataCategory
from referrals.services import referrals
from reports.services import filings
from tests.conftest import MEMET, add_incident, open_case
from tests.e2e.conftest import ARTIFACTS, log_in_any_language
from tests.e2e.rtl import check_page, rename_cast
from tests.referrals.conftest import give_consent, make_provider

pytestmark = pytest.mark.e2e

# Free text typed into the case, in Russian as a caseworker in Almaty might write it: data, but not
# English words, so the English check allows none.
INCIDENT = "Вымышленное: вызван в миграционную полицию из-за паспорта."
REASON = "Вымышленное: бессонница после задержания родственника."
SERVICES = "Вымышленное: две беседы."


@pytest.fixture
def busy_case(cast, clock):
    case = open_case(cast.caseworker, phone="+77011234567")
    add_incident(cast.caseworker, case, "custody", clock.today(), description=INCIDENT)  # HIGH: opens an alert
    records.incident_add(actor=cast.caseworker, case=case, data={
        "category": "prc_contact", "occurred_on": datetime.date(2026, 9, 1), "source": "client",
        "description": INCIDENT,
    })
    records.note_add(actor=cast.caseworker, case=case, text="Вымышленная заметка.")
    provider = make_provider(cast.provider_org, "Тыныш бөлмелер кеңесі", services=["mhpss_focused"],
                             countries=["KZ:Almaty"], languages=["ug", "ru"])
    give_consent(cast.caseworker, case, provider, categories=(DataCategory.NAMES, DataCategory.LANGUAGES))
    referral = referrals.referral_create(
        actor=cast.caseworker, case=case, person=case.people.get(relationship="principal"), provider=provider,
        purpose="psychosocial", priority="normal", services_requested=["mhpss_focused"], reasons=REASON,
        data_categories=[DataCategory.NAMES, DataCategory.LANGUAGES], services_provided=SERVICES, send=True,
        override_reason="",
    )
    access.case_share(actor=cast.caseworker, case=case, organisation=cast.clinic, purpose="Ходатайство об убежище")
    filings.filing_save(actor=cast.lawyer, case=case, expected_version=None, data={
        "applicant": case.people.get(relationship="principal"), "declaration_language": "ug",
        "declaration_text": "مەن مەمەت تۇرسۇن.", "translation_language": "ru",
        "translation_text": "Я Мемет Турсун.", "translator_name": "Вымышленный переводчик",
        "filing_office": "Вымышленное ведомство", "programme": "", "special_issues": "",
    })
    return case, referral, Alert.objects.get(case=case)


def latin_words(*texts):
    return {word for text in texts for word in re.findall(r"[A-Za-z][A-Za-z'’]+", str(text))}


@pytest.mark.parametrize("language", ["ug", "ar"])
def test_every_roles_pages_read_right_to_left_without_english(live_server, transactional_db, cast, busy_case,
                                                             browser, language, request):
    case, referral, alert = busy_case
    # The same client registered again from a Cyrillic document: a pair for the duplicate pages.
    open_case(cast.caseworker, principal={"given_name_cyrl": "Мәмәт", "father_name_cyrl": "Турсун"},
              passport_number="")
    pair = DuplicateCandidate.objects.get()
    staff, organisations = rename_cast(cast)
    user_values = {"Memet", "Tursun", "Maimaiti", "Almaty", case.reference, referral.reference, *staff,
                   *organisations}
    # Latin-script data on these pages: the client's names, the city, the references, the staff's
    # names and e-mail addresses (and the country code of the references).
    allowed = latin_words(*user_values, *MEMET.values(), *(name.lower() for name in staff), "example.org", "KZ")
    pages = {
        "caseworker": [
            "/", "/cases/", f"/cases/{case.public_id}/", f"/cases/{case.public_id}/risk/",
            f"/cases/{case.public_id}/edit/", f"/referrals/case/{case.public_id}/new/",
            f"/referrals/case/{case.public_id}/consent/", f"/referrals/{referral.public_id}/",
            "/referrals/providers/", f"/documents/case/{case.public_id}/filing/",
            # One's own account: the second factor and the sessions.
            "/account/security/", "/account/sessions/", "/account/security/webauthn/add/",
            # One person, many spellings: the person search and the duplicate queue.
            "/cases/people/search/", "/cases/duplicates/",
        ],
        "supervisor": [
            f"/cases/{case.public_id}/", "/cases/retention/", "/cases/retention/schedule/",
            "/cases/retention/erasures/", f"/cases/{case.public_id}/legal-hold/", f"/cases/{case.public_id}/erase/",
            "/cases/duplicates/", f"/cases/duplicates/{pair.pk}/",
        ],
        "liaison": ["/cases/alerts/", f"/cases/alerts/{alert.public_id}/", "/cases/risk/rules/"],
        "lawyer": [f"/documents/case/{case.public_id}/filing/", "/documents/verify/"],
        "provider": ["/referrals/inbox/", f"/referrals/{referral.public_id}/"],
        "auditor": ["/cases/audit/"],
        "org_admin": ["/admin/", "/admin/cases/user/", f"/admin/cases/user/{cast.caseworker.pk}/change/",
                      "/admin/cases/case/"],
    }
    ARTIFACTS.mkdir(exist_ok=True)
    visited = 0
    violations = []
    for role, paths in pages.items():
        user = cast.by_role()[role]
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=language)
        page = context.new_page()
        page.set_default_timeout(15000)
        # Anything the Content Security Policy blocks (an inline script or style, a foreign
        # origin) is reported on the console: none may occur on any page.
        page.on("console", lambda message: violations.append(message.text)
                if "Content Security Policy" in message.text else None)

        def screenshot(step, page=page):
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{step}.png"), full_page=True)

        log_in_any_language(page, live_server.url, user.username)
        expect(page.locator("main h1, #content h1").first).to_be_visible()
        for index, path in enumerate(paths):
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, (role, path, response.status)
            # Left out of the English check: the admin's password summary (Django's: a masked hash,
            # whose "salt" and "hash" Django's Arabic leaves in Latin, see SAME_IN in
            # tests/test_translations.py), and the audit trail's recorded values, which are data as
            # typed, the cast's English names from before rename_cast among them (the trail's
            # labels are checked here, its translated values in tests/cases/test_audit.py), and the
            # browser names on one's sessions page, which the browser sent ("Mozilla/5.0 …").
            skip = [".field-password"] + (["table bdi"] if path in ("/cases/audit/", "/account/sessions/") else [])
            check_page(page, language, allowed, screenshot, f"{role}-{index}", user_values,
                       isolation=not path.startswith("/admin/"), skip=skip)
            if path == "/cases/audit/":
                # "before → after": the arrow points the way the page reads (mirrored right to left).
                arrow = page.locator(".direction-arrow").first
                assert arrow.evaluate("el => getComputedStyle(el).transform") == "matrix(-1, 0, 0, 1, 0, 0)"
            visited += 1
        context.close()
    assert visited == sum(len(paths) for paths in pages.values())
    assert violations == []
