"""Can the configured keys read what is stored? Asked by `manage.py check` and the health endpoint.

A wrong or missing PANAH_FIELD_KEYS must be noticed by whoever deploys, not by a caseworker
opening a case: the check decrypts the canary and a sample of every encrypted column (and of
the stored files), and compares sampled blind indexes with the HMAC of their decrypted number,
which catches a changed PANAH_BLIND_INDEX_KEY. Problems name the model and field, never a value.
"""

from dataclasses import dataclass

from django.apps import apps
from django.core import checks
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

from cases import encryption


@dataclass(frozen=True)
class KeyProblem:
    code: str  # field_keys_invalid | canary_unreadable | field_key_mismatch | file_key_mismatch | blind_index_mismatch
    where: str


def key_problems(*, sample: int = 20, files: int = 3) -> list[KeyProblem]:
    """What the configured keys cannot read, checking the canary, the last `sample` rows of every
    model with encrypted fields and the last `files` stored files of each encrypted file field."""
    try:
        probe = encryption.encrypt_text(encryption.CANARY_TEXT)
        encryption.decrypt_text(probe, where="PANAH_FIELD_KEYS")
        encryption.blind_index("document", "0000")
    except encryption.EncryptionKeyError as error:
        return [KeyProblem("field_keys_invalid", error.where)]
    problems = []
    from cases.models import FieldKeyCanary

    try:
        canaries = list(FieldKeyCanary.objects.values_list("value", flat=True)[:5])
        if any(value != encryption.CANARY_TEXT for value in canaries):
            problems.append(KeyProblem("canary_unreadable", "cases.FieldKeyCanary.value"))
    except encryption.EncryptionKeyError as error:
        problems.append(KeyProblem("canary_unreadable", error.where))
    problems += _second_factor_problems(sample)
    for model in apps.get_models():
        fields = encryption.encrypted_fields(model)
        if fields:
            problems += _sample_problems(model, fields, sample)
        for field in encryption.encrypted_file_fields(model):
            problems += _file_problems(model, field, files)
    return problems


def _sample_problems(model, fields, sample):
    indexes = [field for field in model._meta.concrete_fields if isinstance(field, encryption.BlindIndexField)]
    names = [field.name for field in fields] + [field.name for field in indexes]
    try:
        rows = list(model._default_manager.order_by("-pk").values(*names)[:sample])
    except encryption.EncryptionKeyError as error:
        return [KeyProblem("field_key_mismatch", error.where)]
    for index in indexes:
        if any(row[index.name] != index.index_of(row[index.source] or "") for row in rows):
            return [KeyProblem("blind_index_mismatch", f"{model._meta.label}.{index.name}")]
    return []


def _second_factor_problems(sample):
    """Second factors' keys and seeds (allauth's JSON, encrypted by cases.accounts): unreadable,
    nobody could finish logging in."""
    from allauth.mfa.models import Authenticator

    from cases.accounts import map_encrypted_secrets

    try:
        for data in Authenticator.objects.order_by("-pk").values_list("data", flat=True)[:sample]:
            map_encrypted_secrets(data, lambda token: encryption.decrypt_text(token, where="mfa.Authenticator.data"))
    except encryption.EncryptionKeyError as error:
        return [KeyProblem("field_key_mismatch", error.where)]
    return []


def _file_problems(model, field, files):
    names = model._default_manager.exclude(**{field.name: ""}).order_by("-pk").values_list(field.name, flat=True)
    for name in names[:files]:
        try:
            with field.storage.open(name, "rb"):
                pass
        except FileNotFoundError:
            continue  # a missing file is the upload verification's business
        except encryption.EncryptionKeyError:
            return [KeyProblem("file_key_mismatch", f"{model._meta.label}.{field.name}")]
    return []


def _migrations_pending() -> bool:
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


@checks.register(checks.Tags.security)
def check_field_keys(app_configs=None, **kwargs):
    """An Error for each encrypted column or file the configured keys cannot read.

    Stays silent while migrations are pending (`migrate` runs this check before it encrypts
    anything) and when the database cannot be reached (other checks and the health endpoint say so).
    """
    try:
        if _migrations_pending():
            return []
        problems = key_problems()
    except DatabaseError:
        return []
    return [
        checks.Error(
            f"{problem.where} cannot be read with the configured keys ({problem.code}).",
            hint="Set PANAH_FIELD_KEYS to the keys the data was encrypted with (all of them, the current one "
                 "first) and PANAH_BLIND_INDEX_KEY to the key the indexes were made with; see cases/encryption.py.",
            id="panah.E001",
        )
        for problem in problems
    ]
