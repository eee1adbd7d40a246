"""Encrypted, verifiable backups of the whole system: the database, the uploaded and generated files, a manifest.

    backup_create(output=…)   one archive, written as it is read (memory stays bounded)
    backup_verify(path=…)     decrypt and check every hash against the manifest, touching no database
    backup_restore(path=…)    into an empty, migrated database, in one transaction, then count again

The cipher is `config.backups.cipher`, the plaintext layout `config.backups.archive`, what of the
database goes in `config.backups.database`. Messages name tables and give counts and hashes only.
"""

import datetime
import hashlib
import json
import os
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import DatabaseError, connections, models, transaction
from django.utils.translation import gettext as _

from config.backups import archive, database
from config.backups.cipher import DecryptingReader, EncryptingWriter, parse_key
from config.backups.errors import BackupError

FORMAT = 1
READ_BYTES = 1024 * 1024

__all__ = ["BackupError", "backup_create", "backup_key", "backup_restore", "backup_verify"]


def backup_key() -> bytes:
    return parse_key(settings.PANAH_BACKUP_KEY)


class _HashingSink:
    """The archive file, hashed as it is written (the hash an operator can compare after copying it)."""

    def __init__(self, raw):
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data):
        self.sha256.update(data)
        self.size += len(data)
        return self.raw.write(data)


@contextmanager
def _snapshot(using="default"):
    """Read the whole database as of one moment, without blocking writers."""
    connection = connections[using]
    if connection.in_atomic_block:  # the caller's transaction already gives one view (tests)
        yield
        return
    if connection.vendor == "sqlite":
        # Not transaction.atomic(): the SQLite connection begins IMMEDIATE, which would hold off
        # every writer for as long as the dump takes. A deferred read transaction in WAL mode
        # reads one snapshot and blocks nobody.
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")
        return
    with transaction.atomic(using=using):
        sql = database.snapshot_sql(connection.vendor)
        if sql:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        yield


def _file_fields():
    """Every FileField, by the name media parts carry ("cases.attachment.file"), with its storage."""
    return {
        f"{database.label(model)}.{field.name}": field
        for model in database.table_models() for field in model._meta.concrete_fields
        if isinstance(field, models.FileField)
    }


def _media(using="default") -> list[tuple[str, str]]:
    """(field, stored name) of every file a row points at, each once per field."""
    found = set()
    for key, field in _file_fields().items():
        rows = field.model._base_manager.using(using).exclude(**{field.attname: ""}).exclude(
            **{f"{field.attname}__isnull": True})
        found.update((key, name) for name in rows.values_list(field.attname, flat=True).iterator(chunk_size=2000))
    return sorted(found)


def _media_part_name(field_key: str, name: str) -> str:
    return f"{field_key}:{name}"


def _media_location(part_name: str):
    """The storage and stored name a media part goes back to."""
    field_key, _sep, name = part_name.partition(":")
    field = _file_fields().get(field_key)
    if field is None or not name:
        raise BackupError(_("The archive holds files for a field this installation does not have."))
    return field.storage, name


def backup_create(*, output: Path, key: bytes | None = None) -> dict:
    """Write an encrypted archive of the database and media to `output` (a new file); return a summary.

    Written to `<output>.partial` (mode 0600) and renamed when complete, so a file named `output`
    is always a whole archive.
    """
    key = key or backup_key()
    output = Path(output)
    if output.exists():
        raise BackupError(_("%(path)s exists already; choose a new file name.") % {"path": output})
    if database.has_unapplied_migrations():
        raise BackupError(_("The database has unapplied migrations: run migrate before making a backup."))
    partial = output.with_name(output.name + ".partial")
    manifest = {
        "format": FORMAT,
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
        "database_vendor": connections["default"].vendor,
        "excluded_tables": sorted(database.EXCLUDED),
        "database": {},
        "media": {},
        "media_missing": 0,
    }
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with open(descriptor, "wb", buffering=READ_BYTES) as raw:
            sink = _HashingSink(raw)
            writer = EncryptingWriter(sink, key)
            with _snapshot():
                manifest["migrations"] = database.applied_migrations()
                references = database.References("default")
                for model in database.table_models():
                    part = archive.start_part(writer, "database", database.label(model))
                    rows = database.dump(model, archive.TextPartWriter(part), references)
                    part.close()
                    manifest["database"][database.label(model)] = {"rows": rows, **part.summary()}
                files = _media()
            fields = _file_fields()
            for field_key, name in files:
                # Read through the field's storage: an encrypted one hands over the plaintext, which
                # is encrypted again by the target's storage on restore (like encrypted columns).
                storage = fields[field_key].storage
                if not storage.exists(name):
                    manifest["media_missing"] += 1
                    continue
                part_name = _media_part_name(field_key, name)
                part = archive.start_part(writer, "media", part_name)
                with storage.open(name, "rb") as stored:
                    while chunk := stored.read(READ_BYTES):
                        part.write(chunk)
                part.close()
                manifest["media"][part_name] = part.summary()
            part = archive.start_part(writer, "manifest", "manifest")
            part.write(json.dumps(manifest, sort_keys=True).encode("utf-8"))
            part.close()
            writer.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return _summary(manifest, archive_bytes=sink.size, archive_sha256=sink.sha256.hexdigest())


def _summary(manifest, **extra) -> dict:
    return {
        "manifest": manifest,
        "tables": len(manifest["database"]),
        "rows": sum(entry["rows"] for entry in manifest["database"].values()),
        "media_files": len(manifest["media"]),
        "media_bytes": sum(entry["bytes"] for entry in manifest["media"].values()),
        "media_missing": manifest["media_missing"],
        **extra,
    }


def _read_manifest(part) -> dict:
    try:
        manifest = json.loads(part.read())
    except ValueError as error:
        raise BackupError(_("The archive's manifest is malformed.")) from error
    if manifest.get("format") != FORMAT:
        raise BackupError(_("This archive has manifest format %(found)s; this Panah reads format %(known)s.")
                          % {"found": manifest.get("format"), "known": FORMAT})
    return manifest


def backup_verify(*, path: Path, key: bytes | None = None) -> dict:
    """Decrypt the archive and check each part against the manifest; return a summary or raise BackupError."""
    key = key or backup_key()
    found = {}
    manifest = None
    with open(path, "rb", buffering=READ_BYTES) as raw:
        reader = DecryptingReader(raw, key)
        for part in archive.parts(reader):
            if manifest is not None:
                raise BackupError(_("The archive has content after its manifest."))
            if part.kind == "manifest":
                manifest = _read_manifest(part)
                continue
            if part.kind not in {"database", "media"} or (part.kind, part.name) in found:
                raise BackupError(_("The archive's content is malformed."))
            rows = sum(block.count(b"\n") for block in part.blocks())
            found[(part.kind, part.name)] = {**({"rows": rows} if part.kind == "database" else {}), **part.summary()}
    if manifest is None:
        raise BackupError(_("The archive has no manifest."))
    expected = {("database", name): entry for name, entry in manifest["database"].items()}
    expected.update({("media", name): entry for name, entry in manifest["media"].items()})
    differing = [key for key in expected.keys() | found.keys() if expected.get(key) != found.get(key)]
    if differing:
        tables = sorted(name for kind, name in differing if kind == "database")
        raise BackupError(_("The archive does not match its manifest: %(tables)s tables (%(names)s) and "
                            "%(files)s media files differ.") % {
            "tables": len(tables), "names": ", ".join(tables) or "-",
            "files": sum(1 for kind, _name in differing if kind == "media")})
    return _summary(manifest, archive_bytes=Path(path).stat().st_size, archive_sha256=_file_sha256(path))


def _file_sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as raw:
        while chunk := raw.read(READ_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _check_target(manifest, *, replace: bool):
    """Refuse a database at another migration state, or one holding data (unless replacing it)."""
    here = database.applied_migrations()
    differing = sorted(app for app in here.keys() | manifest["migrations"].keys()
                       if here.get(app) != manifest["migrations"].get(app))
    if differing:
        raise BackupError(_("This database's migrations differ from the archive's for %(apps)s. Restore with the "
                            "Panah version that made the archive, into a database migrated by it (then upgrade).")
                          % {"apps": ", ".join(differing)})
    unknown = sorted(set(manifest["database"]) - {database.label(model) for model in database.table_models()})
    if unknown:
        raise BackupError(_("The archive holds tables this installation does not have: %(tables)s.")
                          % {"tables": ", ".join(unknown)})
    occupied = database.occupied_tables()
    if occupied and not replace:
        raise BackupError(_("The database is not empty (%(count)s tables hold rows, e.g. %(tables)s). Restore into "
                            "a freshly migrated database, or pass --replace-existing to delete everything in this "
                            "one first.") % {"count": len(occupied), "tables": ", ".join(occupied[:5])})
    clashing = []
    for part_name, entry in manifest["media"].items():
        storage, name = _media_location(part_name)
        if storage.exists(name) and _stored_sha256(storage, name) != entry["sha256"]:
            clashing.append(name)
    if clashing:
        raise BackupError(_("%(count)s files in the media folder have the names of files in the archive but other "
                            "content; move them away first.") % {"count": len(clashing)})


def _stored_sha256(storage, name) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as stored:
        while chunk := stored.read(READ_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def backup_restore(*, path: Path, key: bytes | None = None, replace: bool = False) -> dict:
    """Restore the archive into this (empty, migrated) database and media folder; return the counts.

    Verifies the whole archive first. Everything happens in one transaction: on any failure no row
    is left and the files written so far are removed. Files already present with the same content
    are left as they are.
    """
    key = key or backup_key()
    verified = backup_verify(path=path, key=key)
    manifest = verified["manifest"]
    _check_target(manifest, replace=replace)
    restored_models = [model for model in database.table_models() if database.label(model) in manifest["database"]]
    restored = [database.label(model) for model in restored_models]
    written = []
    loading = None
    try:
        with transaction.atomic():
            if replace:
                database.clear([model for model in database.table_models(backed_up_only=False)
                                if database.label(model) not in database.REFERENCE_MODELS])
            else:
                database.clear([model for model in restored_models
                                if database.label(model) in database.SEEDED_BY_MIGRATE])
            references = database.References("default")
            with open(path, "rb", buffering=READ_BYTES) as raw:
                for part in archive.parts(DecryptingReader(raw, key)):
                    if part.kind == "database":
                        loading = part.name
                        database.load(part.name, part.lines(), references)
                        loading = None
                    elif part.kind == "media":
                        storage, name = _media_location(part.name)
                        if storage.exists(name):  # with the same content (checked above): keep it
                            part.drain()
                        else:
                            saved = storage.save(name, File(part, name=name))
                            written.append((storage, saved))
                            if saved != name:
                                raise BackupError(_("The media storage renamed a restored file."))
                    else:
                        part.drain()
                    if part.kind != "manifest":
                        entry = manifest.get(part.kind, {}).get(part.name, {})
                        if part.summary() != {"sha256": entry.get("sha256"), "bytes": entry.get("bytes")}:
                            raise BackupError(_("The archive changed while it was being restored."))
            database.finish(restored_models)
            counts = database.row_counts(restored_models)
            differing = sorted(name for name in restored if counts[name] != manifest["database"][name]["rows"])
            if differing:
                raise BackupError(_("After the restore, the row counts of %(tables)s differ from the manifest; "
                                    "nothing was restored.") % {"tables": ", ".join(differing)})
    except BaseException as error:
        for storage, name in written:
            storage.delete(name)
        if isinstance(error, DatabaseError):
            # Not the database's own message: PostgreSQL's quotes the offending values.
            raise BackupError(_("The database refused the archive's rows (%(error)s, at %(table)s); nothing was "
                                "restored. Run with --traceback for the database's message (it may quote data).")
                              % {"error": type(error).__name__, "table": loading or "the final check"}) from error
        raise
    return {**verified, "counts": counts, "media_written": len(written)}
