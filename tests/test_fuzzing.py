"""Fuzzing: hypothesis fills every form a case's pages offer with hostile input (every script,
right-to-left and zero-width marks, control characters and NUL, 100,000-character strings,
malformed dates and phone numbers, formulas, markup, tampered hidden versions and choices) and
posts it as the form's user would.

The forms are found by reading the pages themselves, so a new form is fuzzed without editing
this file. Each post must answer without a server error, and a refused post must leave every
table as it was: no half-written record. Seeds are fixed (derandomize) so CI is repeatable; run
with PANAH_FUZZ_EXAMPLES=500 for a longer hunt.
"""

import os
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.models import Alert, DuplicateCandidate
from reports.services import filings
from tests.conftest import add_incident, open_case
from tests.referrals.conftest import give_consent, make_provider

EXAMPLES = int(os.environ.get("PANAH_FUZZ_EXAMPLES", 25))
# Forms that are not input: the language switch, logging out, and removals (no fields to fuzz).
SKIPPED_ACTIONS = ("/i18n/", "/logout/")

BOUNDARY_STRINGS = [
    "", " ", "\x00", "a\x00b", "\u200b", "\u202eevil", "\u2068x\u2069", "\ufeff", "\r\n", "\t",
    "ئابدۇللا يۇسۇپ", "Мәмәт Турсун", "买买提·吐尔逊", "Memet Tursun", "مصطفى", "🙂🇺🇳", "١٢٣",
    "=HYPERLINK(\"http://evil.invalid\")", "+1+1", "-2", "@SUM(1)", "<script>alert(1)</script>",
    "{{ 7*7 }}", "%(name)s", "{0}", "'; DROP TABLE cases_case; --", "../../etc/passwd",
    "2026-13-45", "31/02/2026", "0000-00-00", "9999-12-31", "2026-02-29", "-1", "1e309", "NaN",
    "+7 (701) 555", "+999999999999999999999", "00", "8 701 555 0142", "+77011234567",
    "x" * 5000, "ئ" * 100_000,
]
hostile_text = st.one_of(
    st.sampled_from(BOUNDARY_STRINGS),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=80),
)


class FormCollector(HTMLParser):
    """Every POST form of a page: its action and its fields (name -> kind, current value, options)."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select = [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method", "").lower() == "post":
            self._form = {"action": attrs.get("action") or "", "fields": {}, "files": False}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind == "file":
                self._form["files"] = True
            elif kind not in ("submit", "button"):
                field = self._form["fields"].setdefault(attrs["name"], {"kind": kind, "value": "", "options": []})
                if kind in ("checkbox", "radio"):
                    field["options"].append(attrs.get("value", "on"))
                else:
                    field["value"] = attrs.get("value", "")
        elif tag == "textarea" and attrs.get("name"):
            self._form["fields"][attrs["name"]] = {"kind": "textarea", "value": "", "options": []}
        elif tag == "select" and attrs.get("name"):
            self._select = self._form["fields"][attrs["name"]] = {"kind": "select", "value": "", "options": []}
        elif tag == "option" and self._select is not None:
            self._select["options"].append(attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def forms_on(client, path):
    collector = FormCollector()
    response = client.get(path)
    assert response.status_code == 200, path
    collector.feed(response.content.decode())
    return [form for form in collector.forms
            if form["fields"].keys() - {"csrfmiddlewaretoken", "next"} and not form["files"]
            and not any(form["action"].startswith(skip) for skip in SKIPPED_ACTIONS)]


def value_strategy(name, field):
    if name == "csrfmiddlewaretoken":
        return st.just(field["value"])
    if field["kind"] == "hidden":  # versions and the like: usually as rendered, sometimes tampered
        return st.one_of(st.just(field["value"]), st.just(field["value"]), hostile_text)
    if field["options"]:
        return st.one_of(st.sampled_from(field["options"]), st.sampled_from(field["options"]), hostile_text)
    return hostile_text


def table_counts():
    models = [apps.get_model(label) for label in (
        "cases.Case", "cases.Person", "cases.PersonPhone", "cases.IdentityDocument", "cases.LegalStatus",
        "cases.Relative", "cases.Incident", "cases.Note", "cases.CaseShare", "cases.CaseAssignment",
        "cases.CaseStatusChange", "cases.Intervention", "referrals.Consent", "referrals.Referral",
        "reports.Filing", "reports.SpecificNeed", "cases.DuplicateCandidate",
    )]
    return {model._meta.label: model.objects.count() for model in models}


@pytest.fixture
def fuzz_world(cast, clock):
    case = open_case(cast.caseworker, phone="+77011234567")
    add_incident(cast.caseworker, case, "custody", clock.today())  # opens an alert for the liaison
    provider = make_provider(cast.provider_org, "Fictional Rooms", services=["mhpss_focused"],
                             countries=["KZ:Almaty"], languages=["ug", "ru"])
    give_consent(cast.caseworker, case, provider)
    filings.filing_save(actor=cast.caseworker, case=case, expected_version=None, data={
        "applicant": case.people.get(), "declaration_language": "ug", "declaration_text": "مەن.",
        "translation_language": "en", "translation_text": "I.", "translator_name": "Fictional Translator",
        "filing_office": "", "programme": "", "special_issues": "",
    })
    person = case.people.get()
    document = person.documents.get()
    # The same client registered again from a Cyrillic document: a pair for the duplicate forms.
    open_case(cast.caseworker, principal={"given_name_cyrl": "Мәмәт", "father_name_cyrl": "Турсун"},
              passport_number="")
    pair = DuplicateCandidate.objects.get()
    pages = {
        "caseworker": [
            reverse("cases:list"), reverse("cases:create"), reverse("cases:export"), f"/cases/{case.public_id}/",
            f"/cases/{case.public_id}/edit/", f"/cases/{case.public_id}/status/", f"/cases/{case.public_id}/share/",
            f"/cases/{case.public_id}/people/{person.pk}/edit/",
            f"/cases/{case.public_id}/documents/{document.pk}/edit/",
            f"/referrals/case/{case.public_id}/consent/", f"/referrals/case/{case.public_id}/new/",
            f"/documents/case/{case.public_id}/filing/", "/documents/verify/",
            # One's account: the sessions page, and the password confirmation that guards the
            # second-factor pages.
            "/account/sessions/", "/account/reauthenticate/?next=/account/security/totp/deactivate/",
            reverse("cases:person_search"),
        ],
        "supervisor": [
            f"/cases/{case.public_id}/assign/", f"/cases/{case.public_id}/legal-hold/",
            f"/cases/{case.public_id}/erase/", reverse("cases:duplicate_detail", args=[pair.pk]),
        ],
        "liaison": [f"/cases/alerts/{Alert.objects.get(case=case).public_id}/"],
    }
    return cast, pages


def check_post(client, action, data, tried):
    before = table_counts()
    response = client.post(action, data)  # a server error raises here, with the input
    tried["requests"] += 1
    assert response.status_code < 500, (action, data)
    if response.status_code not in (301, 302):
        assert table_counts() == before, (action, data)


def sweep_form(client, action, fields, tried):
    """Every boundary string in every free-text field at once, the choices left valid: each
    string meets each field at least once, which random draws alone do not promise."""
    for boundary in BOUNDARY_STRINGS:
        data = {}
        for name, field in fields.items():
            if name == "csrfmiddlewaretoken" or field["kind"] == "hidden":
                data[name] = field["value"]
            elif field["options"]:
                data[name] = next((option for option in field["options"] if option), field["options"][0])
            else:
                data[name] = boundary
        check_post(client, action, data, tried)


def fuzz_form(client, action, fields, tried):
    """A hypothesis test posting generated values for `fields` to `action` as `client`."""

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    @given(st.fixed_dictionaries({name: value_strategy(name, field) for name, field in fields.items()}))
    def post(data):
        check_post(client, action, data, tried)

    return post


def test_hostile_input_in_every_form_gets_an_answer_and_never_a_half_written_record(fuzz_world, logged_in):
    cast, pages = fuzz_world
    tried = {"forms": 0, "requests": 0}
    # Every form is read before any is posted: a successful post (a case closed, moved to another
    # country) may take a page away from a role, and every form must still be tried.
    work = []
    for role, paths in pages.items():
        client = logged_in(cast.by_role()[role])
        actions = set()
        for path in paths:
            for form in forms_on(client, path):
                action = form["action"] or path
                if action not in actions:
                    actions.add(action)
                    work.append((client, action, form["fields"]))
    for client, action, fields in work:
        tried["forms"] += 1
        sweep_form(client, action, fields, tried)
        fuzz_form(client, action, fields, tried)()
    print(f"\nfuzzing: {tried['forms']} forms, {tried['requests']} requests:", *sorted({a for _c, a, _f in work}))
    assert tried["forms"] >= 15 and tried["requests"] >= tried["forms"] * (len(BOUNDARY_STRINGS) + min(EXAMPLES, 10))
