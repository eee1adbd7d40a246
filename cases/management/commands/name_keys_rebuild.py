"""Recompute the cross-script name match keys and their index (issue 8).

Run after an upgrade that changes `cases.names.KEYS_VERSION` (only stale people are redone), or
with --all to rebuild everything. Prints counts only: never a name.
"""

import time

from django.core.management.base import BaseCommand

from cases.services.identities import name_index_vacuum, name_keys_rebuild


class Command(BaseCommand):
    help = "Recompute the name match keys of people whose keys are missing or an older version."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Rebuild every person, not only stale ones.")
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, **options):
        started = time.perf_counter()

        def progress(done):
            if options["verbosity"] >= 2:
                self.stdout.write(f"{done} people")

        done = name_keys_rebuild(stale_only=not options["all"], batch_size=options["batch_size"], progress=progress)
        if done:
            name_index_vacuum()
        self.stdout.write(f"Name keys rebuilt for {done} people in {time.perf_counter() - started:.1f} s.")
