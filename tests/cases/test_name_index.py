"""Cross-script search through the stored name index (issue 8): the evaluation set in the database.

`test_name_matching.py` scores every registered person against every query (no database). Here the
390 people are stored the way the services store them (keys on the row, integer keys in the index)
and every query goes through `selectors.identity.name_matches`, the path the search pages take: look
up index keys, fetch the best-overlapping people, score. Figures print with -s.
"""

import datetime
import time

import pytest

from cases import names
from cases.choices import HouseholdRelationship
from cases.models import Case, Person, PersonNameKey
from cases.selectors.identity import name_matches
from cases.services import identities
from cases.services.people import person_fields_for_save
from tests.cases import name_evaluation
from tests.conftest import MEMET

TARGET_RECALL = 0.95
TARGET_PRECISION = 0.90

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored_evaluation(cast):
    people, table = name_evaluation.build()
    cases = Case.objects.bulk_create([
        Case(reference=f"KZ-2026-{p.ident + 500000:06d}", organisation=cast.ngo, host_country="KZ",
             opened_on=datetime.date(2026, 1, 1), status_changed_on=datetime.date(2026, 1, 1),
             created_by=cast.caseworker)
        for p in people
    ])
    rows = [
        Person(case=case, relationship=HouseholdRelationship.PRINCIPAL,
               date_of_birth=datetime.date(p.birth_year, 1, 1), **person_fields_for_save(p.registered_fields(table)))
        for case, p in zip(cases, people)
    ]
    Person.objects.bulk_create(rows)
    identities.name_index_refresh(rows)
    ident_of = {row.pk: p.ident for row, p in zip(rows, people)}
    return people, ident_of


def test_top5_search_through_the_index_meets_the_target(stored_evaluation):
    people, ident_of = stored_evaluation
    spellings = [s for p in people for s in p.spellings]
    found = returned = correct = 0
    started = time.perf_counter()
    for spelling in spellings:
        results = name_matches(names.query_keys(spelling.text), threshold=names.DUPLICATE_THRESHOLD, limit=5)
        ids = [ident_of[pk] for pk, _score, _evidence in results]
        returned += len(ids)
        correct += ids.count(spelling.person)
        found += spelling.person in ids
    elapsed = time.perf_counter() - started
    recall, precision = found / len(spellings), correct / max(returned, 1)
    print(f"\nindexed top-5 search: {len(spellings)} queries over {len(people)} stored people: recall {recall:.3f}, "
          f"precision {precision:.3f}, {1000 * elapsed / len(spellings):.1f} ms per query; "
          f"{PersonNameKey.objects.count() / len(people):.1f} index keys per person")
    assert recall >= TARGET_RECALL
    assert precision >= TARGET_PRECISION


def test_the_index_is_rewritten_when_names_change(cast, own_case):
    from cases.services import people as people_services

    principal = own_case.people.get()
    before = set(PersonNameKey.objects.filter(person=principal).values_list("key", flat=True))
    assert before == set(names.index_keys(principal.name_keys)) and principal.name_keys["v"] == names.KEYS_VERSION
    assert name_matches(names.query_keys("Маймаити Турсун"), limit=5)[0][0] == principal.pk
    renamed = {field: "" for field in MEMET} | {"given_name_ug_latn": "Qeyser", "father_name_ug_latn": "Niyaz"}
    people_services.person_update(actor=cast.caseworker, person=principal, expected_version=principal.version,
                                  data=renamed)
    after = set(PersonNameKey.objects.filter(person=principal).values_list("key", flat=True))
    assert after == set(names.index_keys(names.query_keys("Qeyser Niyaz"))) != before
    assert not any(pk == principal.pk for pk, _s, _e in name_matches(names.query_keys("Memet Tursun"), limit=5))
    assert name_matches(names.query_keys("Кайсар Нияз"), limit=1)[0][0] == principal.pk


def test_name_keys_rebuild_redoes_stale_people_only(cast, own_case):
    principal = own_case.people.get()
    Person.objects.filter(pk=principal.pk).update(name_keys={"v": 0})
    PersonNameKey.objects.filter(person=principal).delete()
    assert identities.name_keys_rebuild() == 1
    principal.refresh_from_db()
    assert principal.name_keys["v"] == names.KEYS_VERSION
    assert PersonNameKey.objects.filter(person=principal).count() == len(names.index_keys(principal.name_keys))
    assert identities.name_keys_rebuild() == 0


@pytest.mark.django_db(transaction=True)
def test_the_rebuild_command_redoes_every_person_and_tidies_the_index(cast, own_case):
    """Outside a transaction, as an operator runs it (VACUUM on PostgreSQL must not fail)."""
    from io import StringIO

    from django.core.management import call_command

    principal = own_case.people.get()
    PersonNameKey.objects.filter(person=principal).delete()
    output = StringIO()
    call_command("name_keys_rebuild", "--all", stdout=output)
    assert output.getvalue().startswith(f"Name keys rebuilt for {Person.objects.count()} people")
    assert set(PersonNameKey.objects.filter(person=principal).values_list("key", flat=True)) == set(
        names.index_keys(principal.name_keys))
    assert "Memet" not in output.getvalue()  # counts only, never a name


def test_a_query_longer_than_any_name_is_cut_before_it_is_looked_up():
    huge = names.index_keys(names.query_keys("maimaiti" * 25 + " " + "tursun " * 30))
    assert len(huge) <= len(names.index_keys(names.query_keys("maimaitimaimaitimaimaitimaimaitimaimaiti"))) * 3
    assert names.query_keys("Memet Tursun") == names.query_keys("  Memet   Tursun ")


def test_people_without_keys_after_the_upgrade_count_as_stale(cast, own_case):
    """Migration 0011 gives existing people empty keys ({}): the default rebuild must find them."""
    principal = own_case.people.get()
    Person.objects.filter(pk=principal.pk).update(name_keys={})
    PersonNameKey.objects.filter(person=principal).delete()
    assert identities.name_keys_rebuild() == 1
    assert PersonNameKey.objects.filter(person=principal).exists()
