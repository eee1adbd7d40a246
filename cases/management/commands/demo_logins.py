"""Print how to log in to the demo as each role."""

from django.core.management.base import BaseCommand

from cases.choices import Role
from cases.management.demo_world import DEMO_PASSWORD, USERS


class Command(BaseCommand):
    help = "Print the demo logins, one per role."

    def handle(self, *args, **options):
        self.stdout.write("")
        self.stdout.write("Demo logins (fictional data only). Password for every account: " + DEMO_PASSWORD)
        for username, _first, _last, organisation, role in USERS:
            self.stdout.write(f"  {Role(role).label:<28} {username:<12} {organisation}")
        self.stdout.write("")
        self.stdout.write("Every login then asks for a second-factor code. The demo shows it for you:")
        self.stdout.write("  make code WHO=caseworker        (the code an authenticator app would show now)")
        self.stdout.write("  make code WHO=caseworker KEY=1  (the key, to add the account to a real authenticator app)")
        self.stdout.write("")
