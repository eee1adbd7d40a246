"""Check a backup archive without touching the database: decrypt it and compare every hash with its manifest.

    manage.py backup_verify /backups/panah-2026-11-28.panah-backup

Exits non-zero, with the reason, on a wrong key, a damaged or altered byte, a truncated file.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from config.backups import BackupError, backup_verify


class Command(BaseCommand):
    help = "Decrypt a backup archive and check it against its manifest (touches no database)."
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)

    def handle(self, *args, archive, **options):
        started = time.monotonic()
        try:
            summary = backup_verify(path=archive)
        except (BackupError, OSError) as error:
            raise CommandError(_("The archive is not valid: %(reason)s") % {"reason": error}) from error
        manifest = summary["manifest"]
        self.stdout.write(_(
            "The archive is intact (checked in %(seconds).1f s): made %(created)s on %(vendor)s, "
            "%(tables)s tables, %(rows)s rows, %(files)s media files; every hash matches the manifest."
        ) % {
            "seconds": time.monotonic() - started, "created": manifest["created_at"],
            "vendor": manifest["database_vendor"], "tables": summary["tables"], "rows": summary["rows"],
            "files": summary["media_files"],
        })
