"""The person search page and duplicate suggestions at registration (issue 8): one person, many
spellings, found across scripts, never outside what the user may see, never with a name in a URL."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import permissions
from cases.models import Case, Person
from tests.cases.name_evaluation import MALE
from tests.conftest import open_case

# Written only in Uyghur Arabic script, as a caseworker copying a Uyghur document would.
MEMET_ARABIC = {"given_name_ug_arab": "مەمەت", "father_name_ug_arab": "تۇرسۇن"}
# The same person as others write him (tests/cases/name_evaluation.py: memet, tursun).
SPELLINGS = {"pinyin": "Maimaiti Tuerxun", "cyrillic": "Мамет Турсун", "turkish": "Mehmet Tursun"}
assert MALE[0][5] == "Maimaiti" and MALE[0][2] == "Мамет" and MALE[0][1] == "Mehmet"
# Other people in the same caseload, so that "ranked first" means something.
OTHERS = [
    {"given_name_ug_latn": "Memet", "father_name_ug_latn": "Turdi"},
    {"given_name_ug_latn": "Tursun", "father_name_ug_latn": "Qasim"},
    {"given_name_ug_arab": "گۈلنار", "father_name_ug_arab": "قاسىم"},
]


def search(client, term):
    """Search as the page does: POST the term, follow the redirect; (redirect response, results page)."""
    posted = client.post(reverse("cases:person_search"), {"q": term})
    assert posted.status_code == 302, posted.content.decode()[:500]
    return posted, client.get(posted["Location"])


def urls_in(response):
    html = response.content.decode()
    found = re.findall(r'(?:href|src|action|data-matches-url)="([^"]*)"', html)
    if response.has_header("Location"):
        found.append(response["Location"])
    return found


def assert_term_not_in_urls(term, *responses):
    from urllib.parse import quote, quote_plus

    forms = {term, quote(term), quote_plus(term), *term.split(), *(quote(word) for word in term.split())}
    for response in responses:
        for url in urls_in(response):
            for form in forms:
                assert form not in url, (form, url)


def registration_data(**overrides):
    data = {
        "host_country": "KZ", "host_city": "Almaty", "opened_on": "2026-03-02", "unhcr_status": "none",
        "sensitivity": "normal", "principal-date_of_birth_precision": "exact", "principal-sex": "male",
    }
    data.update(overrides)
    return data


@pytest.fixture
def memet(cast):
    for principal in OTHERS:
        open_case(cast.caseworker, principal=principal, passport_number="")
    return open_case(cast.caseworker, principal=MEMET_ARABIC, passport_number="E12345678")


@pytest.fixture
def foreign_memet(cast):
    """The same name in another organisation's caseload: never to be shown to the NGO's staff."""
    return open_case(cast.other_caseworker, principal=MEMET_ARABIC, country="TR", passport_number="U99887766")


@pytest.mark.parametrize("script", sorted(SPELLINGS))
def test_a_name_in_arabic_script_is_found_in_another_script_and_ranked_first(cast, memet, logged_in, script):
    client = logged_in(cast.caseworker)
    posted, page = search(client, SPELLINGS[script])
    html = page.content.decode()
    assert page.status_code == 200
    references = re.findall(r"Case <bdi>([^<]+)</bdi>", html)
    assert references and references[0] == memet.reference
    assert "Strong match" in html
    assert "مەمەت" in html and "Uyghur (Arabic script)" in html
    assert "Same order: given name with given name" in html
    assert "given name matched given name" in html
    assert "given name matched given name on record" in html
    for raw_key in ("'order'", "'parts'", "swapped", "one part", "glued"):
        assert raw_key not in html
    assert_term_not_in_urls(SPELLINGS[script], posted, page)


def test_evidence_says_when_the_fathers_name_comes_first_or_the_name_is_one_word(cast, memet, logged_in):
    client = logged_in(cast.caseworker)
    html = search(client, "Tuerxun Maimaiti")[1].content.decode()
    assert "Father&#x27;s name first" in html and "given name matched father&#x27;s name on record" in html
    html = search(client, "Maimaitituerxun")[1].content.decode()
    assert "Written as one word" in html


def test_the_case_list_finds_the_arabic_script_case_for_a_cyrillic_query(cast, memet, logged_in):
    client = logged_in(cast.caseworker)
    posted = client.post(reverse("cases:list"), {"q": SPELLINGS["cyrillic"]})
    page = client.get(posted["Location"])
    assert memet.reference in page.content.decode()
    assert_term_not_in_urls(SPELLINGS["cyrillic"], posted, page)


def test_the_case_list_puts_the_best_name_match_first_whatever_the_sort(cast, memet, logged_in):
    """Memet Turdi (one part shared) was registered before Memet Tursun; the exact match comes first."""
    client = logged_in(cast.caseworker)
    weaker = Case.objects.get(people__given_name_ug_latn="Memet", people__father_name_ug_latn="Turdi")
    for sort in ("recent", "reference", "opened"):
        page = client.get(client.post(f"{reverse('cases:list')}?sort={sort}", {"q": SPELLINGS["pinyin"]})["Location"])
        html = page.content.decode()
        assert memet.reference in html and weaker.reference in html, sort
        assert html.index(memet.reference) < html.index(weaker.reference), sort


def test_another_organisations_case_with_the_same_name_is_never_shown(cast, memet, foreign_memet, logged_in):
    client = logged_in(cast.caseworker)
    assert not permissions.can_view_case(cast.caseworker, foreign_memet)
    term = SPELLINGS["pinyin"]

    pages = {
        "search page": search(client, term)[1],
        "case list": client.get(client.post(reverse("cases:list"), {"q": term})["Location"]),
        "registration endpoint": client.post(reverse("cases:registration_matches"), {
            "principal-given_name_pinyin": "Maimaiti", "principal-father_name_pinyin": "Tuerxun",
        }),
        "check without script": client.post(reverse("cases:create"), registration_data(**{
            "principal-given_name_pinyin": "Maimaiti", "principal-father_name_pinyin": "Tuerxun", "check": "1",
        })),
    }
    for where, response in pages.items():
        html = response.content.decode()
        assert response.status_code == 200, where
        assert memet.reference in html, where
        assert foreign_memet.reference not in html, where
        assert "7766" not in html and "Anatolia" not in html, where  # not even the number's tail
    # The other organisation sees its own record and not ours.
    other = logged_in(cast.other_caseworker)
    html = search(other, term)[1].content.decode()
    assert foreign_memet.reference in html and memet.reference not in html


def test_suggestions_while_registering_show_documents_and_birth_facts(cast, memet, logged_in):
    Person.objects.filter(case=memet).update(date_of_birth="1988-04-12", place_of_birth="Ghulja")
    client = logged_in(cast.caseworker)
    response = client.post(reverse("cases:registration_matches"), {
        "principal-given_name_cyrl": "Мамет", "principal-father_name_cyrl": "Турсун",
        "principal-date_of_birth": "1988-09-01", "principal-place_of_birth": "ghulja",
    })
    html = response.content.decode()
    assert response.status_code == 200
    assert "Possible existing records" in html and memet.reference in html
    assert "Born in the same year, on a different date." in html
    assert "Same place of birth." in html
    # The document is evidence, but a suggestion is not a read of the file: the number's tail only.
    assert "…5678" in html and "E12345678" not in html and "passport" in html.lower()
    assert 'target="_blank"' in html


def test_suggestions_need_two_letters_and_come_only_by_post(cast, memet, logged_in):
    client = logged_in(cast.caseworker)
    url = reverse("cases:registration_matches")
    assert client.get(url, {"principal-given_name_ug_latn": "Memet"}).status_code == 405
    html = client.post(url, {"principal-given_name_ug_latn": "M"}).content.decode()
    assert memet.reference not in html and "No existing record matches" in html


def test_registration_suggestions_are_refused_to_those_who_may_not_register(cast, memet, logged_in):
    assert not permissions.can_create_case(cast.auditor)
    response = logged_in(cast.auditor).post(reverse("cases:registration_matches"), {
        "principal-given_name_ug_latn": "Memet", "principal-father_name_ug_latn": "Tursun",
    })
    assert response.status_code == 403 and memet.reference not in response.content.decode()


def test_checking_for_existing_records_keeps_the_form_and_saves_nothing(cast, memet, logged_in):
    client = logged_in(cast.caseworker)
    cases_before = Case.objects.count()
    response = client.post(reverse("cases:create"), registration_data(**{
        "principal-given_name_ug_latn": "Memet", "principal-father_name_ug_latn": "Tursun", "check": "1",
    }))
    html = response.content.decode()
    assert response.status_code == 200
    assert Case.objects.count() == cases_before
    assert 'value="Memet"' in html and 'value="Almaty"' in html
    assert "Possible existing records" in html and memet.reference in html
    # The normal button still registers, as before.
    response = client.post(reverse("cases:create"), registration_data(**{
        "principal-given_name_ug_latn": "Memet", "principal-father_name_ug_latn": "Tursun",
    }))
    assert response.status_code == 302 and Case.objects.count() == cases_before + 1


def test_a_merged_record_says_which_case_holds_the_same_person(cast, memet, logged_in):
    second = open_case(cast.caseworker, principal={"given_name_pinyin": "Maimaiti", "father_name_pinyin": "Tuerxun"},
                       passport_number="")
    Person.objects.filter(case=second).update(same_as=Person.objects.get(case=memet))
    html = search(logged_in(cast.caseworker), "Memet Tursun")[1].content.decode()
    assert f"Same person as the record in case <bdi>{memet.reference}</bdi>" in html
    # Someone who sees only the second case learns nothing of the first, not even its reference.
    from cases.services import access

    access.case_assign(actor=cast.supervisor, case=second, assignee=cast.caseworker2)
    for page in (search(logged_in(cast.caseworker2), "Memet Tursun")[1],
                 logged_in(cast.caseworker2).get(f"/cases/{second.public_id}/")):
        html = page.content.decode()
        assert page.status_code == 200 and second.reference in html
        assert memet.reference not in html and "Same person as" not in html


def _search_queries(client, term):
    url = client.post(reverse("cases:person_search"), {"q": term})["Location"]
    client.get(url)  # the session and the language are loaded once before counting
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode().count("Strong match")


def test_the_search_page_costs_the_same_queries_for_3_and_30_matching_people(cast, logged_in):
    client = logged_in(cast.caseworker)
    for _ in range(3):
        open_case(cast.caseworker, principal=MEMET_ARABIC)
    few, shown_few = _search_queries(client, "Memet Tursun")
    for _ in range(27):
        open_case(cast.caseworker, principal=MEMET_ARABIC)
    many, shown_many = _search_queries(client, "Memet Tursun")
    assert shown_few == 3 and shown_many >= 25
    assert few == many


@pytest.mark.parametrize("term, message", [
    ("", "Type a name to search for."),
    ("   ", "Type a name to search for."),
    ("M" * 10_000, "Ensure this value has at most 200 characters"),
    ("Memet\x07Tursun", "characters that are not letters"),
    ("Memet\x00", "Null characters are not allowed"),
    ("12", "Type at least two letters"),
])
def test_bad_search_input_gets_a_message_not_an_error(cast, memet, logged_in, term, message):
    response = logged_in(cast.caseworker).post(reverse("cases:person_search"), {"q": term})
    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.parametrize("value", ["M" * 10_000, "Memet\x07\x1b", "Memet\x00Tursun", "\u202e\u200f"])
def test_bad_names_in_suggestions_never_give_an_error(cast, memet, logged_in, value):
    client = logged_in(cast.caseworker)
    fields = {"principal-given_name_ug_latn": value, "principal-father_name_ug_latn": "Tursun"}
    assert client.post(reverse("cases:registration_matches"), fields).status_code == 200
    response = client.post(reverse("cases:create"), registration_data(check="1", **fields))
    assert response.status_code == 200 and Case.objects.count() == 4


def test_an_expired_search_key_asks_for_the_name_again(cast, logged_in):
    response = logged_in(cast.caseworker).get(reverse("cases:person_search"), {"s": "no-such-key"})
    assert response.status_code == 200 and "Type the name again" in response.content.decode()


@pytest.mark.parametrize("evidence", [None, [], "x", {"order": ["x"]}, {"parts": "x"}, {"parts": [["given"]]},
                                      {"parts": [["given", "given", "high", ["a", "b"]]]},
                                      {"parts": [[["x"], "given", 0.9, ["a", "b"]]]}])
def test_evidence_of_any_shape_is_described_without_failing(evidence):
    from cases.templatetags.name_evidence import describe

    described = describe(evidence)
    assert described["rows"] == [] and described["how"] == ""
