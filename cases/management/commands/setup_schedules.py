"""Create or correct the recurring django-q schedules, and record the current risk rule set.

Idempotent: run it on every deployment (and `make run` does). If the rules in
`cases/risk/rules.py` changed since the last run, every case is re-assessed in the background.
"""

import datetime
import importlib

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django_q.models import Schedule
from django_q.tasks import async_task

from cases import clock
from cases.models import Case, RiskRuleSet
from cases.risk import rules
from cases.risk.engine import ASSESSED_STATUSES
from cases.services.risk import current_rule_set


def all_schedules() -> dict:
    """The SCHEDULES of every installed app's `tasks` module (apps built on `cases` bring their own)."""
    schedules = {}
    for app_config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{app_config.name}.tasks")
        except ModuleNotFoundError as error:
            if error.name != f"{app_config.name}.tasks":
                raise
            continue
        schedules.update(getattr(module, "SCHEDULES", {}))
    return schedules


class Command(BaseCommand):
    help = "Create the recurring background schedules (idempotent) and record the current risk rule set."

    @transaction.atomic
    def handle(self, *args, **options):
        tomorrow_early = datetime.datetime.combine(
            clock.today() + datetime.timedelta(days=1), datetime.time(2, 0), tzinfo=datetime.UTC,
        )
        for name, spec in all_schedules().items():
            defaults = {"func": spec["func"], "schedule_type": spec["schedule_type"], "repeats": -1}
            if spec["minutes"]:
                defaults["minutes"] = spec["minutes"]
            schedule, created = Schedule.objects.get_or_create(
                name=name, defaults={**defaults, "next_run": tomorrow_early if spec["schedule_type"] == "D"
                                     else clock.now()},
            )
            if not created:
                changed = {k: v for k, v in defaults.items() if getattr(schedule, k) != v}
                if changed:
                    Schedule.objects.filter(pk=schedule.pk).update(**changed)
            self.stdout.write(f"schedule {name}: {'created' if created else 'present'}")
        known = RiskRuleSet.objects.filter(fingerprint=rules.rule_set_fingerprint()).exists()
        rule_set = current_rule_set()
        # Cases written before the risk engine existed (an upgrade) have never been assessed.
        unassessed = Case.objects.filter(status__in=ASSESSED_STATUSES, risk_assessment__isnull=True).exists()
        if not known or unassessed:
            transaction.on_commit(lambda: async_task(
                "cases.tasks.risk_recompute_daily", "rules_changed", task_name="risk-rules-changed",
            ))
            self.stdout.write(f"risk rule set {rule_set}: every case will be re-assessed in the background")
        else:
            self.stdout.write(f"risk rule set {rule_set} unchanged")
