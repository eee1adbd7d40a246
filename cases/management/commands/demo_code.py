"""Print the code a demo account's authenticator app would show now (the demo only)."""

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Print the current second-factor code of a demo account (PANAH_ENV=demo only)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--key", action="store_true", help="Print the key to add to an authenticator app instead.")

    def handle(self, *args, username, key, **options):
        # Anywhere else this would hand a second factor to whoever can run commands on the server.
        if settings.PANAH_ENV != "demo":
            raise CommandError("Only in the demo (PANAH_ENV=demo): real accounts use their own authenticator app.")
        authenticator = Authenticator.objects.filter(
            user__username=username, type=Authenticator.Type.TOTP,
        ).first()
        if authenticator is None:
            raise CommandError(f"No demo account {username!r} with an authenticator app. Run `make demo` first.")
        secret = decrypt(authenticator.data["secret"])
        if key:
            self.stdout.write(secret)
            return
        counters = list(yield_hotp_counters_from_time())
        current = counters[len(counters) // 2]
        self.stdout.write(format_hotp_value(hotp_value(secret, current)))
