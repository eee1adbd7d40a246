"""Benchmark: erasing one case file with N records (issue 7, retention).

Builds a case with N records spread over household members (each with an identity document and
a phone), relatives, incidents, notes and attachments (each a small stored file), and one audit
entry per record as the services would have written, then times `case_erase` from the call to
the end of its commit (file deletion after the commit included).

    .venv/bin/python bench/retention_erase.py --records 100 1000 10000          # SQLite, var/bench-retention/
    createdb -h 127.0.0.1 -U postgres panah_bench_retention
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/panah_bench_retention .venv/bin/python bench/retention_erase.py

Not part of the test suite.
"""

import argparse
import datetime
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _django  # noqa: E402 - found through the path set just above


def build(records: int, supervisor, caseworker):
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from cases.models import Attachment, IdentityDocument, Incident, Note, Person, PersonPhone, Relative
    from cases.services import cases as case_services

    case = case_services.case_open(
        actor=caseworker, host_country="KZ", opened_on=datetime.date(2026, 1, 5),
        principal={"given_name_ug_latn": "Bench", "father_name_ug_latn": "Principal"},
    )
    share = max(1, records // 5)
    people = Person.objects.bulk_create(
        Person(case=case, relationship="child", given_name_ug_latn=f"Member{i}") for i in range(share))
    IdentityDocument.objects.bulk_create(
        IdentityDocument(person=p, document_type="prc_passport", number=f"E{i:08d}", issuing_country="CN")
        for i, p in enumerate(people))
    PersonPhone.objects.bulk_create(PersonPhone(person=p, number=f"+7701{i:07d}") for i, p in enumerate(people))
    made = list(people)
    made += Relative.objects.bulk_create(
        Relative(case=case, relationship="cousin", name=f"Relative {i}", status="unknown") for i in range(share))
    made += Incident.objects.bulk_create(
        Incident(case=case, category="police_visit", occurred_on=datetime.date(2025, 1, 1),
                 description=f"Fictional event {i}", source="client") for i in range(share))
    made += Note.objects.bulk_create(Note(case=case, author=caseworker, text=f"Fictional note {i}")
                                     for i in range(share))
    attachments = []
    for i in range(share):
        name = default_storage.save(f"attachments/bench/{uuid.uuid4().hex}.pdf", ContentFile(b"%PDF-1.4 bench"))
        attachments.append(Attachment(case=case, file=name, original_name=f"scan{i}.pdf",
                                      content_type="application/pdf", size=14, sha256="0" * 64,
                                      uploaded_by=caseworker))
    made += Attachment.objects.bulk_create(attachments)
    stamp = {"organisation": case.organisation_id, "case": str(case.public_id)}
    LogEntry.objects.bulk_create(
        LogEntry(content_type=ContentType.objects.get_for_model(obj), object_pk=str(obj.pk), object_id=obj.pk,
                 object_repr=str(obj), action=LogEntry.Action.CREATE, changes={"text": ["None", "[redacted]"]},
                 additional_data=stamp, actor=caseworker)
        for obj in made)
    return case, len(made) + 2 * share  # documents and phones too


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, nargs="+", default=[100, 1000, 10000])
    args = parser.parse_args()
    _django.setup("bench-retention")
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from cases.services import access
    from cases.services.retention import case_erase

    tag = uuid.uuid4().hex[:6]
    organisation = access.organisation_create(name=f"Bench NGO {tag}", kind="ngo", countries=["KZ"])
    users = {}
    from cases.models import User

    for role in ("caseworker", "supervisor"):
        user = User.objects.create_user(username=f"{role}-{tag}", password="x")
        users[role] = access.user_set_membership(actor=None, user=user, organisation=organisation, role=role)
    print(f"database: {connection.vendor}")
    for records in args.records:
        case, total = build(records, users["supervisor"], users["caseworker"])
        started = time.perf_counter()
        record = case_erase(actor=users["supervisor"], case=case, reason="client_request",
                            request_received_on=datetime.date(2026, 11, 1))
        elapsed = time.perf_counter() - started
        print(f"{total:>6} records, {record.files_erased:>5} files, {record.audit_entries_redacted:>6} audit entries: "
              f"erased in {elapsed * 1000:,.0f} ms")


if __name__ == "__main__":
    main()
