"""Encrypt the referral values 0003 made encrypted (see cases 0009, which this mirrors).

Values are read raw (cast to text) and written back through `bulk_update`, which encrypts them;
`shared_data` is parsed first, as it holds JSON. Reversing writes the plaintext back.
"""

import json

from django.db import migrations, models
from django.db.models import Value
from django.db.models.functions import Cast

ENCRYPTED = {
    "referrals.Consent": ["interpreter", "notes", "withdrawal_note"],
    "referrals.Referral": ["reasons", "services_provided", "override_reason", "shared_data"],
    "referrals.ReferralEvent": ["note"],
}
JSON_FIELDS = {"shared_data"}
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
                    setattr(row, name, (json.loads(value) if value else {}) if name in JSON_FIELDS else value or "")
                changed.append(row)
            model.objects.bulk_update(changed, names)


def decrypt(apps, schema_editor):
    connection = schema_editor.connection
    for label, names in ENCRYPTED.items():
        model = apps.get_model(label)
        fields = [model._meta.get_field(name) for name in names]
        for pks in _batches(model):
            for pk, *values in _raw_rows(model, names, pks):
                plain = {}
                for field, value in zip(fields, values, strict=True):
                    value = field.from_db_value(value, None, connection)
                    if field.name in JSON_FIELDS:
                        value = json.dumps(value if value is not None else {})
                    plain[field.name] = Value(value or "", output_field=models.TextField())
                model.objects.filter(pk=pk).update(**plain)


class Migration(migrations.Migration):

    dependencies = [
        ("referrals", "0003_encrypted_fields"),
    ]

    operations = [
        migrations.RunPython(encrypt, decrypt),
    ]
