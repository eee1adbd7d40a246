"""Write an encrypted, verifiable archive of the database and the media files.

    manage.py backup_create --output /backups/panah-2026-11-28.panah-backup

The key is PANAH_BACKUP_KEY. Prints counts, sizes and hashes only. See `config/backups/`.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from config.backups import BackupError, backup_create


class Command(BaseCommand):
    help = "Write an encrypted archive of the database and media files (key: PANAH_BACKUP_KEY)."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, type=Path, help="The archive to write (a new file).")

    def handle(self, *args, output, **options):
        started = time.monotonic()
        try:
            summary = backup_create(output=output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(_(
            "Backup written in %(seconds).1f s: %(tables)s tables, %(rows)s rows, %(files)s media files "
            "(%(media_bytes)s bytes), %(missing)s referenced files missing from storage.\n"
            "Archive: %(bytes)s bytes, SHA-256 %(sha256)s."
        ) % {
            "seconds": time.monotonic() - started, "tables": summary["tables"], "rows": summary["rows"],
            "files": summary["media_files"], "media_bytes": summary["media_bytes"],
            "missing": summary["media_missing"], "bytes": summary["archive_bytes"],
            "sha256": summary["archive_sha256"],
        })
        if summary["media_missing"]:
            self.stderr.write(_("Warning: %(count)s files that rows point at were not in storage.")
                              % {"count": summary["media_missing"]})
