"""What of the database goes into a backup, and how it is written out and read back.

Every table of every installed app is backed up, as Django serialises it (JSON Lines, one part per
table, primary keys kept), so an archive made on SQLite restores into PostgreSQL and back. Left out:

- content types and permissions: `migrate` makes them from the code. Rows that point at them
  (guardian's tables, group and user permissions, audit entries, admin history) name them by
  natural key (app label, model, codename), since their ids differ from one database to another;
- sessions (Django's and allauth's list of them): a restored system starts with everyone logged out;
- django-q's queue and task results (OrmQ, Task, Success, Failure): a queued task is pickled and
  signed with SECRET_KEY, and renders a worker left unfinished are re-queued by the sweeper.
  Schedules are kept: the one-off notification retries live there (they carry ids only);
- django-axes' current lockout counters (they expire within minutes); its logs of logins and
  failed logins are kept;
- the database cache table (not a model: only throwaway values).

Audit entries, guardian's object permissions and admin history are kept whole: they are the record.
"""

import datetime
import itertools
import json

from django.apps import apps
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.jsonl import Serializer as JSONLSerializer
from django.core.serializers.python import Deserializer as PythonDeserializer
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext as _

from cases.encryption import BlindIndexField, EncryptedJSONField
from config.backups.errors import BackupError

EXCLUDED = {
    "contenttypes.contenttype", "auth.permission",
    "sessions.session", "usersessions.usersession",
    "django_q.ormq", "django_q.task", "django_q.success", "django_q.failure",
    "axes.accessattempt", "axes.accessattemptexpiration",
}
# Referred to by natural key; present in every migrated database.
REFERENCE_MODELS = {"contenttypes.contenttype", "auth.permission"}
# Rows `migrate` itself creates (role groups and their permissions, sourced country profiles, the
# field-key canary): a freshly migrated database holds them, and a restore replaces them with the archive's.
SEEDED_BY_MIGRATE = {
    "auth.group", "auth.group_permissions", "cases.countryprofile", "cases.countryreturn", "cases.fieldkeycanary",
}
INSERT_BATCH = 500


class RestoreError(BackupError):
    """The archive cannot be restored here (the message says why; it names no record)."""


def label(model) -> str:
    return model._meta.label_lower


def table_models(*, backed_up_only=True):
    """Every table Django manages (auto-created many-to-many tables too), in a stable order."""
    models = [
        model for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and not model._meta.swapped
    ]
    if backed_up_only:
        models = [model for model in models if label(model) not in EXCLUDED]
    return models


def applied_migrations(using="default") -> dict[str, list[str]]:
    applied = MigrationRecorder(connections[using]).applied_migrations()
    state = {}
    for app_label, name in sorted(applied):
        state.setdefault(app_label, []).append(name)
    return state


def has_unapplied_migrations(using="default") -> bool:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[using])
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


class References:
    """Content types and permissions by id and by natural key, for one database."""

    def __init__(self, using):
        from django.contrib.auth.models import Permission
        from django.contrib.contenttypes.models import ContentType

        types = {ct.pk: (ct.app_label, ct.model) for ct in ContentType.objects.db_manager(using).all()}
        rows = Permission.objects.db_manager(using).values_list("pk", "codename", "content_type")
        permissions = {pk: (codename, *types[ct_id]) for pk, codename, ct_id in rows}
        self.natural = {"contenttypes.contenttype": types, "auth.permission": permissions}
        self.ids = {name: {key: pk for pk, key in table.items()} for name, table in self.natural.items()}

    def to_natural(self, model_label, pk):
        return None if pk is None else list(self.natural[model_label][pk])

    def to_id(self, model_label, key):
        if key is None:
            return None
        try:
            return self.ids[model_label][tuple(key)]
        except KeyError:
            raise RestoreError(_("The archive refers to a %(model)s this installation does not have; restore with "
                                 "the Panah version that made it.") % {"model": model_label}) from None


class _PreciseEncoder(DjangoJSONEncoder):
    """Django's encoder, but times keep their microseconds (Django's cuts them to milliseconds)."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        if isinstance(o, datetime.time):
            return o.isoformat()
        return super().default(o)


class _Serializer(JSONLSerializer):
    """Django's JSON Lines, with natural keys for content types and permissions only.

    Other foreign keys stay plain ids (no query per row); many-to-many tables are parts of their
    own, so a row never fetches its relations one by one.
    """

    def __init__(self, references):
        super().__init__()
        self._references = references

    def handle_fk_field(self, obj, field):
        target = label(field.remote_field.model)
        if target in REFERENCE_MODELS:
            self._current[field.name] = self._references.to_natural(target, getattr(obj, field.attname))
        else:
            super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj, field):
        pass  # the auto-created table is backed up as its own part


def _second_factors_decrypted(rows):
    """Second factors' keys and seeds are encrypted inside allauth's plain JSON (cases.accounts), out
    of reach of the encrypted columns' own handling: they travel decrypted, like those columns, and
    are encrypted again with the target's field keys on restore (`load`)."""
    from cases.accounts import map_encrypted_secrets
    from cases.encryption import decrypt_text

    for row in rows:
        row.data = map_encrypted_secrets(row.data, lambda token: decrypt_text(token, where="mfa.Authenticator.data"))
        yield row


def dump(model, stream, references) -> int:
    """Write every row of `model` to the text `stream` as JSON Lines, in primary-key order; return the count."""
    rows = model._base_manager.using("default").order_by("pk").iterator(chunk_size=2000)
    if label(model) == "mfa.authenticator":
        rows = _second_factors_decrypted(rows)
    counted = _Counted(rows)
    _Serializer(references).serialize(counted, stream=stream, cls=_PreciseEncoder)
    return counted.count


class _Counted:
    def __init__(self, iterable):
        self._iterable = iterable
        self.count = 0

    def __iter__(self):
        for item in self._iterable:
            self.count += 1
            yield item


def snapshot_sql(vendor):
    """The statement that makes this read-only transaction see one consistent state, if the backend needs one."""
    # PostgreSQL's default READ COMMITTED would let a case written half-way through the dump
    # appear in one table and not the next; SQLite gives a read transaction one snapshot anyway.
    return "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY" if vendor == "postgresql" else None


# --- Restore ------------------------------------------------------------------------------------------


def row_counts(models, using="default") -> dict[str, int]:
    return {label(model): model._base_manager.using(using).count() for model in models}


def occupied_tables(using="default") -> list[str]:
    """The backed-up tables holding rows a fresh `migrate` does not make (empty list: the database is empty)."""
    return [
        label(model) for model in table_models()
        if label(model) not in SEEDED_BY_MIGRATE and model._base_manager.using(using).exists()
    ]


def clear(models, using="default"):
    """Delete every row of `models` (foreign keys are checked at commit, so the order does not matter)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        for model in reversed(models):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608 - table names from the models


def load(model_label, lines, references, using="default") -> int:
    """Insert the JSON Lines rows of one table as they are, without signals; return the count.

    Raw inserts, as `loaddata` saves: no `save()`, no signals (no audit entries or revision counts
    for the restore itself), auto_now fields keep their stored values. Encrypted columns arrive as
    plaintext (their `value_to_string`) and are encrypted on the way in with this installation's
    current field key (their `get_db_prep_save`); blind indexes are computed again.
    """
    from cases.accounts import map_encrypted_secrets
    from cases.encryption import encrypt_text

    model = apps.get_model(model_label)
    reference_fields = [
        (field.name, label(field.remote_field.model)) for field in model._meta.concrete_fields
        if field.is_relation and label(field.remote_field.model) in REFERENCE_MODELS
    ]

    def rows():
        for line in lines:
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("model") != model_label:
                raise RestoreError(_("The archive's part for %(model)s holds rows of another table.")
                                   % {"model": model_label})
            for name, target in reference_fields:
                row["fields"][name] = references.to_id(target, row["fields"].get(name))
            for name in json_text:
                if isinstance(row["fields"].get(name), str):
                    row["fields"][name] = json.loads(row["fields"][name])
            if model_label == "mfa.authenticator":
                row["fields"]["data"] = map_encrypted_secrets(row["fields"]["data"], encrypt_text)
            yield row

    fields = list(model._meta.concrete_fields)
    derived = [field for field in fields if isinstance(field, BlindIndexField)]
    # EncryptedJSONField serialises to JSON text, but its to_python does not parse text back (it
    # would be stored as one JSON string, in loaddata too): parse it here.
    json_text = [field.name for field in fields if isinstance(field, EncryptedJSONField)]
    connection = connections[using]
    count = 0
    objects = (item.object for item in PythonDeserializer(rows(), using=using))
    while batch := list(itertools.islice(objects, INSERT_BATCH)):
        for obj in batch:
            for field in derived:
                # A blind index is an HMAC under this installation's PANAH_BLIND_INDEX_KEY: made
                # again from the restored value, as a save would, so lookups work with this key.
                field.pre_save(obj, add=True)
        size = max(1, connection.ops.bulk_batch_size(fields, batch))
        for start in range(0, len(batch), size):
            # QuerySet._insert with raw=True is what Model.save_base(raw=True) (loaddata) runs, in bulk.
            model._base_manager.using(using)._insert(batch[start:start + size], fields=fields, raw=True, using=using)
        count += len(batch)
    return count


def finish(models, using="default"):
    """Check every foreign key now, then move PostgreSQL's id sequences past the restored ids."""
    connection = connections[using]
    connection.check_constraints(table_names=[model._meta.db_table for model in models])
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

