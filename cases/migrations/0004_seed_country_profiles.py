"""Seed one CountryProfile per host country from data/0004_country_profiles.json beside this file.

The data file is the reviewed, sourced starting point, frozen with this migration so that every
installation starts from the same facts; after it, administrators keep the profiles current in
the admin (audited). Migrations never import app code: the file is read directly and the
historical models are used.
"""

import datetime
import json
from pathlib import Path

from django.db import migrations

DATA_FILE = Path(__file__).resolve().parent / "data" / "0004_country_profiles.json"
FACTS = [
    "extradition_treaty", "sco_member", "refugee_convention", "cat_party", "unhcr_access",
    "asylum_exclusion", "prc_officials_at_arrests", "chain_refoulement",
]


def seed(apps, schema_editor):
    CountryProfile = apps.get_model("cases", "CountryProfile")
    CountryReturn = apps.get_model("cases", "CountryReturn")
    for entry in json.loads(DATA_FILE.read_text(encoding="utf-8")):
        notes = [entry.get("notes", "")]
        values = {}
        for name in FACTS:
            fact = entry["facts"][name]
            values[name] = fact["value"]
            values[f"{name}_as_of"] = datetime.date.fromisoformat(fact["as_of"]) if fact["as_of"] else None
            values[f"{name}_source"] = fact["source"]
            if fact.get("note"):
                notes.append(f"{name}: {fact['note']}")
        profile, created = CountryProfile.objects.get_or_create(
            country=entry["country"], defaults={**values, "notes": "\n".join(n for n in notes if n)},
        )
        if not created:
            continue
        for item in entry.get("deportations", []):
            CountryReturn.objects.create(
                profile=profile, year=item["year"], count=item.get("count"), kind=item["kind"],
                description=item.get("description", "")[:300], source=item["source"],
            )


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_risk_country_profiles_assessments_and_alerts")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
