"""On PostgreSQL, index people's folded names with trigrams so that search by any part of a name in
any script is an index lookup, not a scan of every person. SQLite has no equivalent and scans."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS cases_person_search_names_trgm ON cases_person USING gin (search_names gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS cases_person_search_names_trgm"]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_case_files_organisations_and_access")]

    operations = [migrations.RunPython(run(CREATE), run(DROP))]
