"""Re-encrypt every encrypted value and file under the current field key, and refresh blind indexes.

Rotation: put a new key first in PANAH_FIELD_KEYS (keeping the old ones after it), restart, run
this command, then remove the old keys. Safe to run again at any time: values already under the
current key are left alone. Prints counts only, never a value.
"""

import time

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.db.models.functions import Cast

from cases import encryption


class Command(BaseCommand):
    help = "Re-encrypt stored values and files with the current PANAH_FIELD_KEYS key; refresh blind indexes."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--new-key", action="store_true",
                            help="Only print a freshly generated key for PANAH_FIELD_KEYS, and exit.")

    def handle(self, *args, batch_size, new_key, **options):
        if new_key:
            self.stdout.write(encryption.generate_key())
            return
        started = time.monotonic()
        totals = {"rows": 0, "rotated": 0, "current": 0, "reindexed": 0}
        for model in apps.get_models():
            fields = encryption.encrypted_fields(model)
            if fields:
                counts = self.rotate_model(model, fields, batch_size)
                self.stdout.write(
                    f"{model._meta.label}: {counts['rows']} rows, {counts['rotated']} values re-encrypted, "
                    f"{counts['current']} already current, {counts['reindexed']} blind indexes refreshed"
                )
                for key in totals:
                    totals[key] += counts[key]
            for field in encryption.encrypted_file_fields(model):
                outcomes = self.rotate_files(model, field)
                self.stdout.write(f"{model._meta.label}.{field.name}: " + ", ".join(
                    f"{count} {outcome}" for outcome, count in sorted(outcomes.items())) if outcomes else
                    f"{model._meta.label}.{field.name}: no files")
        secrets = self.rotate_second_factor_secrets()
        self.stdout.write(f"mfa.Authenticator: {secrets} second factors re-encrypted")
        seconds = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(
            f"Done: {totals['rows']} rows, {totals['rotated']} values re-encrypted, {totals['current']} already "
            f"current, {totals['reindexed']} blind indexes refreshed in {seconds:.1f} s."
        ))

    def rotate_model(self, model, fields, batch_size) -> dict:
        counts = {"rows": 0, "rotated": 0, "current": 0, "reindexed": 0}
        indexes = [field for field in model._meta.concrete_fields if isinstance(field, encryption.BlindIndexField)]
        raw = {f"raw_{field.attname}": Cast(field.attname, models.TextField()) for field in fields}
        raw |= {f"raw_{field.attname}": Cast(field.attname, models.TextField()) for field in indexes}
        columns = [*fields, *indexes]
        pks = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), batch_size):
            with transaction.atomic():
                rows = (model._default_manager.filter(pk__in=pks[start:start + batch_size])
                        .select_for_update().annotate(**raw).values_list("pk", *raw))
                updates = {field.attname: {} for field in columns}
                for pk, *values in rows:
                    counts["rows"] += 1
                    stored = dict(zip([field.attname for field in columns], values, strict=True))
                    for field in fields:
                        token = stored[field.attname]
                        if not token:
                            continue
                        if encryption.is_current(token):
                            counts["current"] += 1
                        else:
                            updates[field.attname][pk] = encryption.rotate_text(token, where=field.where())
                            counts["rotated"] += 1
                    for index in indexes:
                        source = model._meta.get_field(index.source)
                        token = stored[source.attname]
                        plain = encryption.decrypt_text(token, where=source.where()) if token else ""
                        fresh = index.index_of(plain)
                        if fresh != (stored[index.attname] or ""):
                            updates[index.attname][pk] = fresh
                            counts["reindexed"] += 1
                for attname, by_pk in updates.items():
                    if by_pk:
                        self.write_raw(model, attname, by_pk)
        return counts

    @staticmethod
    def write_raw(model, attname, by_pk):
        """Store the given texts as they are (tokens already made): a TextField-typed CASE, so the
        encrypted field does not encrypt them a second time."""
        text = models.TextField()
        model._default_manager.filter(pk__in=list(by_pk)).update(**{attname: models.Case(
            *[models.When(pk=pk, then=models.Value(value, output_field=text)) for pk, value in by_pk.items()],
            output_field=text,
        )})

    @staticmethod
    def rotate_files(model, field) -> dict:
        outcomes = {}
        names = model._default_manager.exclude(**{field.name: ""}).order_by("pk").values_list(field.name, flat=True)
        for name in names.iterator():
            outcome = field.storage.rotate(name)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        return outcomes

    @transaction.atomic
    def rotate_second_factor_secrets(self) -> int:
        """The keys and seeds of second factors, encrypted by cases.accounts.SecondFactorAdapter."""
        from allauth.mfa.models import Authenticator

        from cases.accounts import map_encrypted_secrets

        rotated = 0
        for authenticator in Authenticator.objects.select_for_update().order_by("pk"):
            data = map_encrypted_secrets(authenticator.data, lambda token: token if encryption.is_current(token)
                                         else encryption.rotate_text(token, where="mfa.Authenticator.data"))
            if data != authenticator.data:
                authenticator.data = data
                authenticator.save(update_fields=["data"])
                rotated += 1
        return rotated
