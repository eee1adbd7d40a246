"""Restore a backup archive into an empty, migrated database and its media folder.

    manage.py migrate && manage.py backup_restore /backups/panah-2026-11-28.panah-backup
    manage.py setup_schedules      # afterwards, as on every deployment

Verifies the archive first, restores everything in one transaction (on failure nothing is left),
then counts the rows of every table again and compares them with the manifest.
`--replace-existing` deletes everything in a database that is not empty first.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from config.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup archive into an empty, migrated database (key: PANAH_BACKUP_KEY)."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--replace-existing", action="store_true",
                            help="Delete every row in this database first (in the same transaction).")

    def handle(self, *args, archive, replace_existing=False, **options):
        started = time.monotonic()
        try:
            report = backup_restore(path=archive, replace=replace_existing)
        except (BackupError, OSError) as error:
            raise CommandError(_("Nothing was restored: %(reason)s") % {"reason": error}) from error
        manifest = report["manifest"]
        if options["verbosity"] > 1:
            for table, count in sorted(report["counts"].items()):
                self.stdout.write(_("%(table)s: %(count)s of %(expected)s rows") % {
                    "table": table, "count": count, "expected": manifest["database"][table]["rows"]})
        self.stdout.write(_(
            "Restored in %(seconds).1f s: %(tables)s tables, %(rows)s rows (every count equals the manifest's), "
            "%(written)s media files written, %(kept)s already present with the same content."
        ) % {
            "seconds": time.monotonic() - started, "tables": len(report["counts"]),
            "rows": sum(report["counts"].values()), "written": report["media_written"],
            "kept": report["media_files"] - report["media_written"],
        })
