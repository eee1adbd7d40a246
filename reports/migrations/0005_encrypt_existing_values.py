"""Encrypt what 0004 made encrypted: the filing texts, specific needs, generated PDFs and uploaded
exhibit files (see cases 0009, which this mirrors).

Values are read raw (cast to text, so the encrypted field does not try to decrypt plaintext) and
written back through `bulk_update`, which encrypts them. Files are encrypted in place; their
recorded SHA-256 stays that of the plaintext. Reversing writes the plaintext back.
"""

from django.db import migrations, models
from django.db.models import Value
from django.db.models.functions import Cast

ENCRYPTED = {
    "reports.Filing": ["declaration_text", "translation_text", "special_issues"],
    "reports.SpecificNeed": ["description"],
}
FILES = {"reports.GeneratedDocument": "file", "reports.Exhibit": "file"}
BATCH = 500


def _raw_rows(model, names, pks):
    raw = {f"raw_{name}": Cast(name, models.TextField()) for name in names}
    return model.objects.filter(pk__in=pks).annotate(**raw).values_list("pk", *raw)


def _batches(model):
    pks = list(model.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), BATCH):
        yield pks[start:start + BATCH]


def encrypt(apps, schema_editor):
    for label, names in ENCRYPTED.items():
        model = apps.get_model(label)
        for pks in _batches(model):
            changed = []
            for pk, *values in _raw_rows(model, names, pks):
                row = model(pk=pk)
                for name, value in zip(names, values, strict=True):
                    setattr(row, name, value or "")
                changed.append(row)
            model.objects.bulk_update(changed, names)
    for label, name in FILES.items():
        model = apps.get_model(label)
        storage = model._meta.get_field(name).storage
        for stored in model.objects.exclude(**{name: ""}).values_list(name, flat=True).iterator():
            storage.rotate(stored)


def decrypt(apps, schema_editor):
    connection = schema_editor.connection
    for label, name in FILES.items():
        model = apps.get_model(label)
        storage = model._meta.get_field(name).storage
        for stored in model.objects.exclude(**{name: ""}).values_list(name, flat=True).iterator():
            try:
                with storage.open(stored, "rb") as handle:
                    plain = handle.read()
            except FileNotFoundError:
                continue
            storage.write_raw(stored, plain)
    for label, names in ENCRYPTED.items():
        model = apps.get_model(label)
        fields = [model._meta.get_field(name) for name in names]
        for pks in _batches(model):
            for pk, *values in _raw_rows(model, names, pks):
                plain = {field.name: Value(field.from_db_value(value, None, connection) or "",
                                           output_field=models.TextField())
                         for field, value in zip(fields, values, strict=True)}
                model.objects.filter(pk=pk).update(**plain)


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0009_encrypt_existing_values"),
        ("reports", "0004_encrypted_fields"),
    ]

    operations = [
        migrations.RunPython(encrypt, decrypt),
    ]
