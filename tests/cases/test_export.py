"""The caseload export: password again, only what the person may see, no names, audited, safe
in a spreadsheet, and the same queries at any size."""

import csv
import io

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.services import cases as case_services
from tests.conftest import MEMET, PASSWORD, open_case

EXPORT = reverse("cases:export")


def download(client, password=PASSWORD, query=""):
    return client.post(f"{EXPORT}{query}", {"current_password": password})


def rows_of(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # spreadsheets read it as UTF-8
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


def test_a_caseworker_downloads_their_caseload_without_names_after_typing_the_password(cast, own_case, logged_in):
    foreign = open_case(cast.other_caseworker, country="TR", passport_number="")
    client = logged_in(cast.caseworker)
    client.cookies["django_language"] = "ru"
    assert client.get(EXPORT).status_code == 200

    refused = download(client, password="not-mine")
    assert refused.status_code == 400 and "Это не ваш пароль" in refused.content.decode()
    assert not LogEntry.objects.filter(additional_data__export="caseload").exists()

    response = download(client)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="panah-caseload-')
    assert "no-store" in response["Cache-Control"]
    header, *rows = rows_of(response)
    assert header[0] == "номер дела" and len(header) == 10  # labels in the downloader's language
    assert [row[0] for row in rows] == [own_case.reference]  # the other organisation's case is not there
    assert foreign.reference not in str(rows)
    flat = " ".join(" ".join(row) for row in rows)
    assert not any(name in flat for name in MEMET.values())  # no names in any script
    assert "+7701" not in flat and "E12345678" not in flat  # no phone, no document number
    assert rows[0][8] == "1" and rows[0][9] == "caseworker"  # household size, caseworker
    entry = LogEntry.objects.get(additional_data__export="caseload")
    assert entry.actor == cast.caseworker and entry.additional_data == {
        "organisation": cast.ngo.pk, "export": "caseload", "cases": 1, "filters": {"sort": "recent"},
        "searched": False}


@pytest.mark.parametrize("city, shown", [
    ('=HYPERLINK("http://evil.invalid","Almaty")', '\'=HYPERLINK("http://evil.invalid","Almaty")'),
    ("+1+1", "'+1+1"), ("@SUM(A1)", "'@SUM(A1)"),
    # A spreadsheet in a Russian or Turkish locale splits unquoted lines on ";": every cell is quoted.
    ("Almaty;=WEBSERVICE(1)", "Almaty;=WEBSERVICE(1)"),
])
def test_a_formula_typed_into_a_case_stays_text_in_the_spreadsheet(cast, own_case, logged_in, city, shown):
    case_services.case_update(actor=cast.caseworker, case=own_case, expected_version=own_case.version,
                              changes={"host_city": city})
    response = download(logged_in(cast.caseworker))
    body = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    _header, row = list(csv.reader(io.StringIO(body)))
    assert row[2] == shown
    assert all(line.startswith('"') and line.endswith('"') for line in body.splitlines()), body


def test_the_list_filters_apply_and_roles_without_a_caseload_cannot_export(cast, own_case, logged_in):
    case_services.case_change_status(actor=cast.caseworker, case=own_case, to_status="closed", reason="",
                                     expected_version=own_case.version)
    open_case(cast.caseworker, passport_number="")
    _header, *active = rows_of(download(logged_in(cast.caseworker), query="?status=open"))
    assert len(active) == 1 and own_case.reference not in str(active)
    for role in ("provider", "liaison", "lawyer", "auditor"):
        client = logged_in(cast.by_role()[role])
        assert client.get(EXPORT).status_code == 403 and download(client).status_code == 403


def test_shared_in_and_restricted_cases_stay_out_of_the_export(cast, own_case, logged_in):
    from cases.services import access

    theirs = open_case(cast.other_caseworker, country="TR", passport_number="")
    access.case_share(actor=cast.other_caseworker, case=theirs, organisation=cast.ngo, purpose="Fictional.")
    restricted = open_case(cast.caseworker, passport_number="", sensitivity="restricted")
    supervisor = logged_in(cast.supervisor)
    assert supervisor.get(reverse("cases:detail", kwargs={"public_id": theirs.public_id})).status_code == 200
    _header, *rows = rows_of(download(supervisor))
    assert [row[0] for row in rows] == [own_case.reference]
    assert theirs.reference not in str(rows) and restricted.reference not in str(rows)


def test_a_search_is_noted_in_the_audit_entry_but_never_its_term(cast, own_case, logged_in):
    client = logged_in(cast.caseworker)
    client.post(reverse("cases:list"), {"q": "Memet"})
    search_key = next(iter(client.session["case_searches"]))
    _header, *rows = rows_of(download(client, query=f"?s={search_key}"))
    assert [row[0] for row in rows] == [own_case.reference]
    entry = LogEntry.objects.get(additional_data__export="caseload")
    assert entry.additional_data["searched"] is True and "Memet" not in str(entry.additional_data)


def test_the_export_costs_the_same_queries_for_3_and_30_cases(cast, logged_in):
    client = logged_in(cast.supervisor)
    counts = {}
    for total in (3, 30):
        while len(rows_of(download(client))) - 1 < total:
            open_case(cast.caseworker, passport_number="")
        with CaptureQueriesContext(connection) as queries:
            rows = rows_of(download(client))
        assert len(rows) - 1 == total
        counts[total] = len(queries)
    assert counts[3] == counts[30]


def test_the_auditor_sees_the_download_in_the_trail(cast, own_case, logged_in):
    download(logged_in(cast.caseworker))
    client = logged_in(cast.auditor)
    client.cookies["django_language"] = "ru"
    assert "1 дело выгружено" in client.get(reverse("cases:audit")).content.decode()
