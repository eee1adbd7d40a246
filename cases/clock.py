"""The time the rules and alert deadlines run on. One seam, so tests can move the clock."""

from django.utils import timezone


def now():
    return timezone.now()


def today():
    return timezone.localdate(now())
