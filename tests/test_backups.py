"""Backups: an encrypted archive that restores into a genuinely empty second database, equal row for row.

The second database is made fresh for each restore (a SQLite file, or a new PostgreSQL database when
the suite runs on PostgreSQL) and is migrated and restored by `manage.py` in a child process, as an
operator would; its content is then read back with `dumpdata` and compared with the source's.
"""

import base64
import datetime
import hashlib
import io
import json
import os
import secrets
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from PIL import Image

from cases.models import Alert, Case, Person
from cases.services import access, people, records
from config.backups import archive as archive_format
from config.backups import cipher
from tests.conftest import GULNAR, ROOT, add_incident, open_case
from tests.referrals.conftest import counselling, give_consent, refer  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

# Tables the README says are not in an archive: made by `migrate` (compared through the natural
# keys that point at them), or transient (sessions, django-q's queue and results, current lockouts).
NOT_BACKED_UP = {
    "contenttypes.contenttype", "auth.permission", "sessions.session", "usersessions.usersession",
    "django_q.ormq", "django_q.task", "django_q.success", "django_q.failure",
    "axes.accessattempt", "axes.accessattemptexpiration",
}


def noise_png(seed: int, size=320) -> bytes:
    """A PNG that does not compress (so the archive spans many cipher chunks)."""
    image = Image.frombytes("RGB", (size, size), hashlib.shake_256(str(seed).encode()).digest(size * size * 3))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def dataset(cast, clock, media, counselling):  # noqa: F811 - the directory fixture
    """Two cases with people, documents, relatives, notes, an attachment, a share, a referral, an alert, a PDF."""
    case = open_case(cast.caseworker, phone="+77011234567")
    people.person_add(actor=cast.caseworker, case=case, data={**GULNAR, "relationship": "spouse"},
                      phone="+77019876543")
    records.relative_add(actor=cast.caseworker, case=case, data={
        "relationship": "father", "status": "imprisoned", "name": "Tursun (fictional)",
        "notes": "Fictional: taken to a camp in 2018."})
    records.note_add(actor=cast.caseworker, case=case, text="Fictional note: needs an Uyghur interpreter.")
    records.attachment_add(actor=cast.caseworker, case=case, upload=SimpleUploadedFile("scan.png", noise_png(1)),
                           description="Fictional passport scan")
    access.case_assign(actor=cast.supervisor, case=case, assignee=cast.caseworker2)
    access.case_share(actor=cast.caseworker, case=case, organisation=cast.clinic, purpose="Asylum")
    give_consent(cast.caseworker, case, counselling)
    refer(cast.caseworker, case, counselling)
    second = open_case(cast.caseworker, principal={"given_name_ug_latn": "Ayshem", "father_name_ug_latn": "Ablet"},
                       passport_number="E87654321")
    add_incident(cast.caseworker, second, "custody", clock.today())
    add_incident(cast.caseworker, second, "removal_order", clock.today())
    assert Alert.objects.filter(case=second).exists()
    from reports.models import DocumentStatus
    from reports.services.documents import document_render, document_request

    document = document_request(actor=cast.caseworker, case=case, kind="case_summary", language="en",
                                recipient_kind="file")
    assert document_render(document_id=document.pk) == DocumentStatus.DONE
    return case


# --- The second database ----------------------------------------------------------------------------


class Target:
    """A new, empty database (and media folder) that `manage.py` in a child process works on."""

    def __init__(self, folder: Path, vendor: str):
        self.folder = folder
        self.media = folder / "media"
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PANAH_SQLITE_PATH",
                                                               "DJANGO_ALLOW_ASYNC_UNSAFE"}},
            "PANAH_ENV": "test", "PANAH_VAR_DIR": str(folder / "var"), "PANAH_MEDIA_ROOT": str(self.media),
        }
        from django.conf import settings

        self.env["PANAH_BACKUP_KEY"] = settings.PANAH_BACKUP_KEY
        self.database = None
        if vendor == "postgresql":
            self.database = f"panah_restore_{uuid.uuid4().hex[:12]}"
            self._admin(f'CREATE DATABASE "{self.database}"')
            self.env["DATABASE_URL"] = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + self.database

    def _admin(self, sql):
        import psycopg

        # Through the suite's own (test) database: the one DATABASE_URL names need not exist,
        # since pytest-django creates and uses test_<name>.
        settings = connection.settings_dict
        with psycopg.connect(dbname=settings["NAME"], host=settings["HOST"] or None, port=settings["PORT"] or None,
                             user=settings["USER"] or None, password=settings["PASSWORD"] or None,
                             autocommit=True) as admin:
            admin.execute(sql)

    def drop(self):
        if self.database:
            self._admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def manage(self, *args) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=600)

    def migrate(self):
        result = self.manage("migrate", "--verbosity", "0")
        assert result.returncode == 0, result.stderr

    def stored_files(self) -> dict[str, str]:
        result = self.manage("shell", "--no-imports", "--command", STORED_FILES)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])

    def rows(self) -> list[dict]:
        out = self.folder / "dump.jsonl"
        result = self.manage("dumpdata", "--all", "--natural-foreign", "--format", "jsonl", "--output", str(out))
        assert result.returncode == 0, result.stderr
        return comparable(out.read_text(encoding="utf-8"))


@pytest.fixture
def target(tmp_path):
    """An empty database of the kind the suite runs on."""
    made = Target(tmp_path / "target", connection.vendor)
    yield made
    made.drop()


def blind_indexes() -> dict[str, list[str]]:
    """Blind-index columns: HMACs under each installation's own key, so they differ by design."""
    from django.apps import apps

    from cases.encryption import BlindIndexField

    return {model._meta.label_lower: [f.name for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]
            for model in apps.get_models()}


def comparable(jsonl: str) -> list[dict]:
    rows = [json.loads(line) for line in jsonl.splitlines() if line.strip()]
    indexes = blind_indexes()
    kept = []
    for row in rows:
        if row["model"] in NOT_BACKED_UP:
            continue
        for name in indexes.get(row["model"], []):
            assert len(row["fields"].pop(name) or "x" * 64) == 64  # present: computed again on restore
        if row["model"] == "mfa.authenticator":
            # Keys and seeds are encrypted with each installation's field keys: compared decrypted
            # (SECOND_FACTORS below), here only which they are.
            row["fields"]["data"] = sorted(row["fields"]["data"])
        kept.append(row)
    return sorted(kept, key=lambda row: (row["model"], json.dumps(row["pk"])))


# The plaintext of every stored file a row points at, read through its field's storage (attachments
# are encrypted at rest with each installation's own field key, so their bytes on disk differ).
STORED_FILES = """
import hashlib, json
from django.apps import apps
from django.db import models
found = {}
for model in apps.get_models():
    for field in model._meta.concrete_fields:
        if isinstance(field, models.FileField):
            for name in model._base_manager.exclude(**{field.attname: ""}).values_list(field.attname, flat=True):
                with field.storage.open(name, "rb") as stored:
                    digest = hashlib.sha256(stored.read()).hexdigest()
                found[model._meta.label_lower + "." + field.name + ":" + name] = digest
print(json.dumps(found))
"""


# Every second factor's keys and seeds, decrypted with the installation's own field keys.
SECOND_FACTORS = """
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from cases.accounts import map_encrypted_secrets
for data in Authenticator.objects.order_by("pk").values_list("data", flat=True):
    print(sorted(map_encrypted_secrets(data, decrypt).items()))
"""


def second_factors() -> str:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import decrypt

    from cases.accounts import map_encrypted_secrets

    return "\n".join(str(sorted(map_encrypted_secrets(data, decrypt).items()))
                     for data in Authenticator.objects.order_by("pk").values_list("data", flat=True))


TIMESTAMPS = """
from auditlog.models import LogEntry
for stamp in LogEntry.objects.order_by("pk").values_list("timestamp", flat=True):
    print(stamp.isoformat())
"""


def timestamps() -> str:
    from auditlog.models import LogEntry

    stamps = list(LogEntry.objects.order_by("pk").values_list("timestamp", flat=True))
    assert any(stamp.microsecond % 1000 for stamp in stamps)  # digits past the millisecond, to keep
    return "\n".join(stamp.isoformat() for stamp in stamps)


def stored_files() -> dict[str, str]:
    from contextlib import redirect_stdout

    out = io.StringIO()
    with redirect_stdout(out):
        exec(STORED_FILES, {})  # noqa: S102 - the same script the target runs
    return json.loads(out.getvalue())


def assert_same_rows(restored, expected):
    """Equal, row for row; on a difference, name the table, row and fields (not their values)."""
    for got, wanted in zip(restored, expected, strict=True):
        differing = sorted(name for name in got["fields"].keys() | wanted["fields"].keys()
                           if got["fields"].get(name) != wanted["fields"].get(name))
        assert (got["model"], got["pk"], differing) == (wanted["model"], wanted["pk"], [])


def source_rows(tmp_path) -> list[dict]:
    out = tmp_path / "source.jsonl"
    call_command("dumpdata", all=True, use_natural_foreign_keys=True, format="jsonl", output=str(out), verbosity=0)
    return comparable(out.read_text(encoding="utf-8"))


def file_hashes(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in folder.rglob("*") if path.is_file()}


@pytest.fixture
def backup(dataset, tmp_path):
    path = tmp_path / "panah.backup"
    call_command("backup_create", output=path, stdout=io.StringIO())
    return path


@pytest.fixture
def small_backup(own_case, cast, media, tmp_path):
    """A case with a relative and an attachment: enough for an archive of several cipher chunks."""
    records.relative_add(actor=cast.caseworker, case=own_case, data={"relationship": "father", "status": "imprisoned"})
    records.attachment_add(actor=cast.caseworker, case=own_case, upload=SimpleUploadedFile("scan.png", noise_png(2)))
    path = tmp_path / "small.backup"
    call_command("backup_create", output=path, stdout=io.StringIO())
    return path


# --- Round trip -------------------------------------------------------------------------------------


def test_a_backup_restores_into_an_empty_database_equal_row_for_row(backup, media, target, tmp_path):
    expected = source_rows(tmp_path)
    models = {row["model"] for row in expected}
    assert {"cases.case", "cases.person", "cases.identitydocument", "cases.relative", "cases.attachment",
            "cases.alert", "referrals.referral", "referrals.consent", "reports.generateddocument",
            "auditlog.logentry", "cases.caseuserobjectpermission", "cases.casegroupobjectpermission",
            "auth.group", "cases.user"} <= models
    assert Case.objects.count() == 2 and Person.objects.count() == 3

    target.migrate()
    result = target.manage("backup_restore", "--verbosity", "2", str(backup))
    assert result.returncode == 0, result.stderr
    assert "every count equals the manifest" in result.stdout
    assert "cases.person: 3 of 3 rows" in result.stdout
    for personal in ["Memet", "Gulnar", "Ayshem", "Tursun", "E12345678", "+7701", "Steppe Shelter", "caseworker"]:
        assert personal not in result.stdout + result.stderr, personal

    restored = target.rows()
    assert len(restored) == len(expected)
    assert_same_rows(restored, expected)
    # Times to the microsecond (dumpdata above shows milliseconds only).
    stamps = target.manage("shell", "--no-imports", "--command", TIMESTAMPS)
    assert stamps.returncode == 0, stamps.stderr
    assert stamps.stdout.split() == timestamps().split()

    source_files = stored_files()
    assert len(source_files) == 2  # the attachment and the generated PDF
    assert target.stored_files() == source_files
    assert len(file_hashes(target.media)) == 2
    # The target has field keys of its own: its system check reads every encrypted column and
    # blind index back with them (restored values were encrypted and indexed again on the way in).
    checked = target.manage("check")
    assert checked.returncode == 0, checked.stderr
    # Second factors work there: their keys and seeds, re-encrypted with the target's keys, are the same.
    factors = target.manage("shell", "--no-imports", "--command", SECOND_FACTORS)
    assert factors.returncode == 0, factors.stderr
    assert factors.stdout.strip() == second_factors() and "secret" in factors.stdout

    # A second restore into the now full database is refused, and changes nothing…
    again = target.manage("backup_restore", str(backup))
    assert again.returncode != 0 and "not empty" in again.stderr
    assert_same_rows(target.rows(), expected)
    # …unless asked to replace what is there.
    replaced = target.manage("backup_restore", "--replace-existing", str(backup))
    assert replaced.returncode == 0, replaced.stderr
    assert_same_rows(target.rows(), expected)

    # New rows get new ids (PostgreSQL's sequences were moved past the restored ones).
    created = target.manage("shell", "--no-imports", "--command",
                            "from django.contrib.auth.models import Group; print(Group.objects.create(name='new').pk)")
    assert created.returncode == 0, created.stderr
    assert int(created.stdout.split()[-1]) > max(row["pk"] for row in expected if row["model"] == "auth.group")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the suite's own run on PostgreSQL covers this")
def test_an_archive_made_on_postgresql_restores_into_sqlite(backup, tmp_path):
    sqlite = Target(tmp_path / "sqlite-target", "sqlite")
    sqlite.migrate()
    result = sqlite.manage("backup_restore", str(backup))
    assert result.returncode == 0, result.stderr
    assert_same_rows(sqlite.rows(), source_rows(tmp_path))
    assert sqlite.stored_files() == stored_files()


def test_the_archive_holds_no_readable_personal_data(backup):
    raw = backup.read_bytes()
    for personal in [b"Memet", b"Ayshem", b"E12345678", b"Steppe Shelter", b"\x89PNG\r\n", b"%PDF-1."]:
        assert personal not in raw


def test_restore_refuses_a_database_that_is_not_empty(backup):
    cases_before = Case.objects.count()
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup_restore", str(backup), stdout=io.StringIO())
    assert Case.objects.count() == cases_before


def test_a_failing_restore_leaves_the_target_empty(backup, target, tmp_path):
    """An archive that decrypts and matches its manifest but whose rows break a foreign key."""
    broken = tmp_path / "broken.backup"
    rewrite(backup, broken, lambda kind, name, data: data.replace(b'"case": ', b'"case": 9999', 1)
            if (kind, name) == ("database", "cases.person") else data)
    call_command("backup_verify", str(broken), stdout=io.StringIO())  # intact as an archive

    target.migrate()
    empty = target.rows()
    result = target.manage("backup_restore", str(broken))
    assert result.returncode != 0
    assert "Nothing was restored" in result.stderr and "Traceback" not in result.stderr
    assert target.rows() == empty
    assert not any(row["model"] in {"cases.case", "cases.user", "auditlog.logentry"} for row in empty)
    assert file_hashes(target.media) == {}


def rewrite(source: Path, destination: Path, change):
    """Re-pack an archive with the same key, changing parts' content and fixing the manifest to match."""
    key = cipher.parse_key(_key())
    parts = []
    with open(source, "rb") as raw:
        for part in archive_format.parts(cipher.DecryptingReader(raw, key)):
            parts.append((part.kind, part.name, part.read()))
    manifest = json.loads(parts[-1][2])
    with open(destination, "wb") as raw:
        writer = cipher.EncryptingWriter(raw, key)
        for kind, name, data in parts[:-1]:
            data = change(kind, name, data)
            part = archive_format.start_part(writer, kind, name)
            part.write(data)
            part.close()
            manifest[kind][name].update(part.summary())
        part = archive_format.start_part(writer, "manifest", "manifest")
        part.write(json.dumps(manifest).encode())
        part.close()
        writer.close()


def _key():
    from django.conf import settings

    return settings.PANAH_BACKUP_KEY


# --- Verification -------------------------------------------------------------------------------------


def verify(path):
    call_command("backup_verify", str(path), stdout=io.StringIO())


def test_an_intact_archive_verifies(small_backup):
    out = io.StringIO()
    call_command("backup_verify", str(small_backup), stdout=out)
    assert "intact" in out.getvalue()


def test_verify_fails_with_another_key(small_backup, settings):
    settings.PANAH_BACKUP_KEY = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    with pytest.raises(CommandError, match="does not open this archive"):
        verify(small_backup)


def test_verify_exits_non_zero_with_another_key(small_backup, tmp_path):
    env = {**os.environ, "PANAH_ENV": "test", "PANAH_VAR_DIR": str(tmp_path / "var"),
           "PANAH_BACKUP_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}
    result = subprocess.run([sys.executable, "manage.py", "backup_verify", str(small_backup)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "does not open this archive" in result.stderr


def test_verify_fails_on_one_flipped_byte_in_the_middle(small_backup, tmp_path):
    data = bytearray(small_backup.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged = tmp_path / "flipped.backup"
    damaged.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="damaged"):
        verify(damaged)


def chunk_offsets(path) -> list[int]:
    """Where each cipher chunk starts in the file."""
    data = path.read_bytes()
    offsets, at = [], cipher.HEADER_BYTES
    while at < len(data):
        offsets.append(at)
        (length,) = cipher.LENGTH.unpack(data[at:at + 4])
        at += 4 + length + cipher.TAG_BYTES
    return offsets


@pytest.mark.parametrize("where", ["mid-chunk", "chunk boundary", "header"])
def test_verify_fails_on_a_truncated_archive(small_backup, tmp_path, where):
    data = small_backup.read_bytes()
    offsets = chunk_offsets(small_backup)
    assert len(offsets) >= 4
    cut = {"mid-chunk": len(data) - 100, "chunk boundary": offsets[-1], "header": 20}[where]
    truncated = tmp_path / "truncated.backup"
    truncated.write_bytes(data[:cut])
    with pytest.raises(CommandError, match="truncated|not a Panah backup"):
        verify(truncated)


def test_verify_fails_on_reordered_or_appended_chunks(small_backup, tmp_path):
    data = small_backup.read_bytes()
    first, second, third = chunk_offsets(small_backup)[:3]
    swapped = data[:first] + data[second:third] + data[first:second] + data[third:]
    (tmp_path / "swapped.backup").write_bytes(swapped)
    with pytest.raises(CommandError, match="damaged or was altered"):
        verify(tmp_path / "swapped.backup")
    (tmp_path / "longer.backup").write_bytes(data + data[first:second])
    with pytest.raises(CommandError, match="after its end marker"):
        verify(tmp_path / "longer.backup")


def test_verify_fails_when_a_part_does_not_match_the_manifest(small_backup, tmp_path):
    """Sealed with the right key, but a table's content is not what the manifest lists."""
    altered = tmp_path / "altered.backup"
    key = cipher.parse_key(_key())
    with open(small_backup, "rb") as raw:
        parts = [(p.kind, p.name, p.read()) for p in archive_format.parts(cipher.DecryptingReader(raw, key))]
    with open(altered, "wb") as raw:
        writer = cipher.EncryptingWriter(raw, key)
        for kind, name, data in parts:
            part = archive_format.start_part(writer, kind, name)
            part.write(data.replace(b"imprisoned", b"released", 1) if name == "cases.relative" else data)
            part.close()
        writer.close()
    with pytest.raises(CommandError, match=r"does not match its manifest: 1 tables \(cases.relative\)"):
        verify(altered)


def test_create_refuses_to_overwrite_a_file(small_backup):
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup_create", output=small_backup, stdout=io.StringIO())


def test_the_manifest_lists_counts_migrations_and_hashes(backup):
    key = cipher.parse_key(_key())
    with open(backup, "rb") as raw:
        parts = [(p.kind, p.name, p.read()) for p in archive_format.parts(cipher.DecryptingReader(raw, key))]
    manifest = json.loads(parts[-1][2])
    assert manifest["format"] == 1
    assert manifest["database"]["cases.case"]["rows"] == 2
    assert manifest["database"]["cases.person"]["rows"] == 3
    assert manifest["migrations"]["cases"][0].startswith("0001_")
    assert manifest["migrations"]["referrals"] and manifest["migrations"]["reports"]
    assert not NOT_BACKED_UP & set(manifest["database"])
    for kind, name, data in parts[:-1]:
        assert manifest[kind][name]["sha256"] == hashlib.sha256(data).hexdigest()
    assert len(manifest["media"]) == 2
    assert datetime.datetime.fromisoformat(manifest["created_at"]).tzinfo is not None
