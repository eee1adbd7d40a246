"""Refoulement alerts: opened by risk changes, worked by UNHCR liaisons, escalated when nobody answers.

State changes are conditional updates (`UPDATE ... WHERE state = 'new'`), so two liaisons who
click "acknowledge" at the same moment record exactly one acknowledgement, on any database.
Notifications are rows plus django-q tasks queued after commit; they carry no personal data.
"""

import datetime
import logging
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cases import audit, clock, mailing, permissions, selectors, tasks
from cases.choices import (
    OPEN_ALERT_STATES,
    RISK_LEVEL_RANK,
    AlertEventKind,
    AlertState,
    InterventionKind,
    RiskLevel,
    Role,
)
from cases.models import (
    Alert,
    AlertEvent,
    AlertNotification,
    Case,
    CaseAssignment,
    Intervention,
    RiskAssessment,
    User,
)
from cases.risk import rules
from config.bidi import isolate

logger = logging.getLogger(__name__)


class AlertAlreadyHandled(ValidationError):
    """Someone else moved the alert on first; the message says who and when."""


def _rank(level):
    return RISK_LEVEL_RANK.get(level, -1)


def cases_with_open_alerts(case_ids) -> set[int]:
    return set(Alert.objects.open().filter(case_id__in=case_ids).values_list("case_id", flat=True))


def _new_reasons(assessment, previous_level_rules):
    previous = set(rules.alert_reasons(previous_level_rules))
    return [rule for rule in rules.alert_reasons(assessment.explanation.get("level_rules", [])) if rule not in previous]


def may_open_alert(*, assessment: RiskAssessment, previous_level: str, previous_level_rules=()) -> bool:
    """Whether this change calls for an alert: a rise to HIGH or IMMINENT, or a new reason at those levels.

    A new reason at the same level (an arrest of someone whose red notice already made the case
    HIGH) is news for the liaison, even if an earlier alert was closed.
    """
    if assessment.level not in rules.ALERT_LEVELS:
        return False
    rose = _rank(assessment.level) > _rank(previous_level or RiskLevel.LOW)
    return rose or bool(_new_reasons(assessment, previous_level_rules))


class Routing:
    """Who an alert goes to, remembered for one recomputation run (a run may open thousands)."""

    def __init__(self):
        self._liaisons: dict[str, list[User]] = {}
        self._supervisors: dict[int, set[User]] = {}
        self._load: dict[int, int] | None = None

    def liaisons(self, country) -> list[User]:
        if country not in self._liaisons:
            self._liaisons[country] = selectors.covering_liaisons(country)
        return self._liaisons[country]

    def least_busy_liaison(self, country, *, exclude=()) -> User | None:
        """The covering liaison with the fewest open alerts (ties: the earliest account)."""
        candidates = [user for user in self.liaisons(country) if user.pk not in exclude]
        if not candidates:
            return None
        if self._load is None:
            self._load = dict(
                Alert.objects.open().filter(responsible_liaison__isnull=False)
                .values_list("responsible_liaison_id").annotate(n=Count("pk"))
            )
        chosen = min(candidates, key=lambda user: (self._load.get(user.pk, 0), user.pk))
        self._load[chosen.pk] = self._load.get(chosen.pk, 0) + 1
        return chosen

    def supervisors(self, organisation_id) -> set[User]:
        if organisation_id not in self._supervisors:
            self._supervisors[organisation_id] = set(User.objects.filter(
                organisation_id=organisation_id, role=Role.SUPERVISOR, is_active=True,
            ))
        return self._supervisors[organisation_id]

    @staticmethod
    def caseworkers(case_ids) -> dict[int, set[User]]:
        found: dict[int, set[User]] = {case_id: set() for case_id in case_ids}
        for assignment in CaseAssignment.objects.filter(case_id__in=case_ids, user__is_active=True).select_related(
            "user",
        ):
            found[assignment.case_id].add(assignment.user)
        return found


def _deadline(level, now):
    return now + datetime.timedelta(hours=rules.ACKNOWLEDGE_WITHIN_HOURS[level])


@transaction.atomic
def alerts_open(*, assessments: list[RiskAssessment], routing: Routing | None = None) -> list[Alert]:
    """Open an alert for each assessment, for cases that have no open alert (batch: a fixed number of queries).

    The risk service calls this with the cases' rows locked, so no other alert for these cases
    can be opened meanwhile; the partial unique constraint would refuse one anyway.
    """
    if not assessments:
        return []
    routing = routing or Routing()
    now = clock.now()
    cases = Case.objects.in_bulk([a.case_id for a in assessments])
    opened = []
    for assessment in assessments:
        case = cases[assessment.case_id]
        opened.append(Alert(
            public_id=uuid.uuid4(), case=case, country=case.host_country, trigger=assessment.level,
            level=assessment.level, state=AlertState.NEW, opened_by_assessment=assessment,
            reasons=rules.alert_reasons(assessment.explanation.get("level_rules", [])), opened_at=now,
            acknowledge_by=_deadline(assessment.level, now),
            responsible_liaison=routing.least_busy_liaison(case.host_country),
        ))
    Alert.objects.bulk_create(opened)
    AlertEvent.objects.bulk_create([
        AlertEvent(alert=alert, kind=AlertEventKind.OPENED, at=now,
                   details={"level": alert.level, "reasons": alert.reasons,
                            "assessment": alert.opened_by_assessment_id})
        for alert in opened
    ])
    caseworkers = routing.caseworkers(list(cases))
    _notify_many([
        (alert, caseworkers[alert.case_id] | routing.supervisors(alert.case.organisation_id) | _responsible(alert),
         AlertEventKind.OPENED)
        for alert in opened
    ])
    return opened


@transaction.atomic
def alerts_follow_levels(*, assessments: list[RiskAssessment]) -> int:
    """Note a new level on the open alerts of these cases, when nothing else is news (batch).

    A rules change or a date passing can move thousands of cases with open alerts at once;
    this costs a fixed number of queries however many there are.
    """
    if not assessments:
        return 0
    now = clock.now()
    by_case = {a.case_id: a for a in assessments}
    changed = [alert for alert in Alert.objects.open().filter(case_id__in=by_case).select_for_update()
               if alert.level != by_case[alert.case_id].level]
    for level in {by_case[alert.case_id].level for alert in changed}:
        Alert.objects.filter(pk__in=[a.pk for a in changed if by_case[a.case_id].level == level]).update(level=level)
    AlertEvent.objects.bulk_create([
        AlertEvent(alert=alert, kind=AlertEventKind.LEVEL_CHANGED, at=now,
                   details={"from": alert.level, "to": by_case[alert.case_id].level,
                            "assessment": by_case[alert.case_id].pk})
        for alert in changed
    ])
    return len(changed)


def _note_level_change(alert, assessment, now):
    Alert.objects.filter(pk=alert.pk).update(level=assessment.level)
    AlertEvent.objects.create(
        alert=alert, kind=AlertEventKind.LEVEL_CHANGED, at=now,
        details={"from": alert.level, "to": assessment.level, "assessment": assessment.pk},
    )


@transaction.atomic
def alert_follow_assessment(
    *, assessment: RiskAssessment, previous_level: str, previous_level_rules=(), routing: Routing | None = None,
) -> Alert | None:
    """Update, annotate or open the alerts of one case after its assessment changed."""
    routing = routing or Routing()
    now = clock.now()
    level = assessment.level
    # Locked: a liaison closing one of these right now must not lose the news written below.
    open_alerts = list(Alert.objects.open().filter(case_id=assessment.case_id).select_for_update(of=("self",))
                       .select_related("case", "responsible_liaison").order_by("pk"))
    # A level change is the engine's, not a person's: the alert's own event history records it.
    for alert in open_alerts:
        if alert.level != level:
            _note_level_change(alert, assessment, now)
    if not may_open_alert(assessment=assessment, previous_level=previous_level,
                          previous_level_rules=previous_level_rules):
        return None
    # An open alert at this level or a more urgent one already covers the case: annotate it.
    covering = sorted((a for a in open_alerts if _rank(a.trigger) >= _rank(level)), key=lambda a: -_rank(a.trigger))
    if not covering:
        return _open_superseding(assessment, open_alerts, routing, now)
    existing = covering[0]
    new_reasons = _new_reasons(assessment, previous_level_rules)
    if new_reasons:
        Alert.objects.filter(pk=existing.pk).update(reasons=sorted(set(existing.reasons) | set(new_reasons)))
        AlertEvent.objects.create(
            alert=existing, kind=AlertEventKind.NEW_SIGNAL, at=now,
            details={"reasons": new_reasons, "assessment": assessment.pk},
        )
        people = routing.caseworkers([existing.case_id])[existing.case_id]
        _notify_many([(existing, people | routing.supervisors(existing.case.organisation_id) | _responsible(existing),
                       AlertEventKind.NEW_SIGNAL)])
    return existing


def _open_superseding(assessment, open_alerts, routing, now) -> Alert:
    """Open a more urgent alert beside open ones, which it replaces: one row per case in the queue."""
    less_urgent = [a for a in open_alerts if _rank(a.trigger) < _rank(assessment.level)]
    # The liaison already on the case (the one who acknowledged, else the one told) stays on it.
    on_it = sorted((a for a in less_urgent if a.responsible_liaison_id), key=lambda a: a.acknowledged_by_id is None)
    case = assessment.case
    alert = Alert(
        public_id=uuid.uuid4(), case=case, country=case.host_country, trigger=assessment.level,
        level=assessment.level, state=AlertState.NEW, opened_by_assessment=assessment,
        reasons=rules.alert_reasons(assessment.explanation.get("level_rules", [])), opened_at=now,
        acknowledge_by=_deadline(assessment.level, now),
        responsible_liaison=on_it[0].responsible_liaison if on_it else routing.least_busy_liaison(case.host_country),
    )
    alert.save()
    AlertEvent.objects.create(
        alert=alert, kind=AlertEventKind.OPENED, at=now,
        details={"level": alert.level, "reasons": alert.reasons, "assessment": assessment.pk,
                 "supersedes": [str(a.public_id) for a in less_urgent]},
    )
    for old in less_urgent:
        if Alert.objects.open().filter(pk=old.pk).update(
            state=AlertState.SUPERSEDED, closed_at=now, version=F("version") + 1,
        ):
            audit.record_change(old, {"state": (old.state, AlertState.SUPERSEDED)})
            AlertEvent.objects.create(
                alert=old, kind=AlertEventKind.SUPERSEDED, at=now, details={"by": str(alert.public_id)},
            )
    people = routing.caseworkers([case.pk])[case.pk]
    _notify_many([(alert, people | routing.supervisors(case.organisation_id) | _responsible(alert),
                   AlertEventKind.OPENED)])
    return alert


@transaction.atomic
def alerts_close_with_case(*, case_ids) -> int:
    """Close the open alerts of cases no longer assessed (closed, resettled, departed): nothing left to escalate."""
    now = clock.now()
    closed = 0
    for alert in Alert.objects.open().filter(case_id__in=case_ids).select_for_update():
        if Alert.objects.open().filter(pk=alert.pk).update(
            state=AlertState.RESOLVED, closed_at=now, version=F("version") + 1,
        ):
            audit.record_change(alert, {"state": (alert.state, AlertState.RESOLVED)})
            AlertEvent.objects.create(alert=alert, kind=AlertEventKind.CASE_CLOSED, at=now)
            closed += 1
    return closed


@transaction.atomic
def alerts_follow_case_move(*, case: Case) -> int:
    """After the host country changed: re-route the case's open alerts to the new country's liaisons.

    The old country's liaisons lose sight of the alert (they no longer cover the case); the new
    country's least busy liaison becomes responsible and is told, with the case team.
    """
    now = clock.now()
    routing = Routing()
    moved = 0
    for alert in Alert.objects.open().filter(case=case).exclude(country=case.host_country).select_for_update():
        liaison = routing.least_busy_liaison(case.host_country)
        Alert.objects.filter(pk=alert.pk).update(
            country=case.host_country, responsible_liaison=liaison, version=F("version") + 1,
        )
        audit.record_change(alert, {"country": (alert.country, case.host_country)})
        AlertEvent.objects.create(
            alert=alert, kind=AlertEventKind.MOVED, at=now, details={"from": alert.country, "to": case.host_country},
        )
        alert.refresh_from_db()
        people = routing.caseworkers([case.pk])[case.pk]
        _notify_many([(alert, people | routing.supervisors(case.organisation_id) | _responsible(alert),
                       AlertEventKind.MOVED)])
        moved += 1
    return moved


def _responsible(alert) -> set:
    return {alert.responsible_liaison} if alert.responsible_liaison_id else set()


# Notifications per task: small enough that a slow mail server cannot push a task past its timeout.
NOTIFICATIONS_PER_TASK = 25


def _notify_many(batches):
    """Create the notification rows for (alert, recipients, reason) triples; queue them after commit."""
    rows = AlertNotification.objects.bulk_create([
        AlertNotification(alert=alert, recipient=user, reason=reason)
        for alert, recipients, reason in batches
        for user in sorted(recipients, key=lambda u: u.pk) if user is not None and user.email
    ])
    ids = [row.pk for row in rows]
    if ids:
        # robust: the alert is committed either way; a broker hiccup must not turn into a 500.
        transaction.on_commit(lambda: [
            tasks.enqueue_alert_notifications(ids[start:start + NOTIFICATIONS_PER_TASK])
            for start in range(0, len(ids), NOTIFICATIONS_PER_TASK)
        ], robust=True)


def _refuse_taken(alert, message_if_closed):
    alert.refresh_from_db()
    if alert.acknowledged_by_id and alert.state in OPEN_ALERT_STATES:
        raise AlertAlreadyHandled(
            _("%(name)s acknowledged this alert at %(time)s UTC. Nothing was changed.")
            % {
                "name": isolate(alert.acknowledged_by),
                "time": date_format(alert.acknowledged_at, "SHORT_DATETIME_FORMAT"),
            },
            code="already_acknowledged",
        )
    raise AlertAlreadyHandled(message_if_closed, code="closed")


@transaction.atomic
def alert_acknowledge(*, actor: User, alert: Alert) -> Alert:
    """Take responsibility for a new alert; exactly one of several simultaneous clicks wins."""
    permissions.require(permissions.can_work_alert(actor, alert))
    now = clock.now()
    won = Alert.objects.filter(pk=alert.pk, state=AlertState.NEW).update(
        state=AlertState.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=actor, responsible_liaison=actor,
        version=F("version") + 1,
    )
    if not won:
        _refuse_taken(alert, _("This alert is already closed. Nothing was changed."))
    with audit.acting_as(actor):
        audit.record_change(alert, {"state": (AlertState.NEW, AlertState.ACKNOWLEDGED)})
    AlertEvent.objects.create(alert=alert, kind=AlertEventKind.ACKNOWLEDGED, actor=actor, at=now)
    alert.refresh_from_db()
    return alert


@transaction.atomic
def alert_record_intervention(
    *, actor: User, alert: Alert, kind: str, done_at: datetime.datetime, note: str = "",
) -> Intervention:
    """Record what was done. A liaison's first intervention also acknowledges a new alert."""
    permissions.require(permissions.can_record_intervention(actor, alert))
    if kind not in InterventionKind.values:
        raise ValidationError(_("Choose what was done."), code="kind")
    now = clock.now()
    if done_at > now + datetime.timedelta(minutes=5):
        raise ValidationError(_("An intervention cannot be dated in the future."), code="future")
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if locked.state not in OPEN_ALERT_STATES:
        raise ValidationError(_("This alert is already closed. Nothing was changed."), code="closed")
    intervention = Intervention.objects.create(
        alert=locked, kind=kind, done_at=done_at, note=note, recorded_by=actor,
    )
    changes = {}
    if locked.state == AlertState.NEW and permissions.can_work_alert(actor, locked):
        changes.update(acknowledged_at=now, acknowledged_by=actor, responsible_liaison=actor)
        AlertEvent.objects.create(alert=locked, kind=AlertEventKind.ACKNOWLEDGED, actor=actor, at=now)
    if locked.state == AlertState.ACKNOWLEDGED or changes:
        changes["state"] = AlertState.INTERVENTION
    if changes:
        Alert.objects.filter(pk=locked.pk).update(version=F("version") + 1, **changes)
        with audit.acting_as(actor):
            audit.record_change(locked, {"state": (locked.state, changes["state"])})
    AlertEvent.objects.create(
        alert=locked, kind=AlertEventKind.INTERVENTION, actor=actor, at=now, note=note, details={"kind": kind},
    )
    return intervention


@transaction.atomic
def alert_close(*, actor: User, alert: Alert, outcome: str, note: str) -> Alert:
    """Resolve the alert or close it as a false alarm, with the reason in words."""
    permissions.require(permissions.can_work_alert(actor, alert))
    if outcome not in (AlertState.RESOLVED, AlertState.FALSE_ALARM):
        raise ValidationError(_("Choose how the alert ended."), code="outcome")
    if not note.strip():
        raise ValidationError(_("Say what happened, so the next reader knows why the alert was closed."),
                              code="note")
    now = clock.now()
    closing = {"state": outcome, "closed_at": now, "closed_by": actor, "version": F("version") + 1}
    # Closing an alert nobody acknowledged is also its acknowledgement.
    acknowledged_now = Alert.objects.filter(pk=alert.pk, state=AlertState.NEW).update(
        acknowledged_at=now, acknowledged_by=actor, responsible_liaison=actor, **closing,
    )
    if not acknowledged_now:
        won = Alert.objects.open().filter(pk=alert.pk).update(**closing)
        if not won:
            raise AlertAlreadyHandled(_("This alert is already closed. Nothing was changed."), code="closed")
    kind = AlertEventKind.RESOLVED if outcome == AlertState.RESOLVED else AlertEventKind.FALSE_ALARM
    with audit.acting_as(actor):
        audit.record_change(alert, {"state": (alert.state, outcome)})
    AlertEvent.objects.create(alert=alert, kind=kind, actor=actor, at=now, note=note)
    alert.refresh_from_db()
    return alert


@transaction.atomic
def alerts_escalate_overdue() -> int:
    """Escalate every new alert past its acknowledgement deadline, once: supervisors and a second liaison."""
    now = clock.now()
    escalated = 0
    routing = Routing()
    overdue = Alert.objects.filter(
        state=AlertState.NEW, acknowledge_by__lt=now, escalated_at__isnull=True,
    ).select_related("case", "responsible_liaison").order_by("acknowledge_by", "pk")
    for alert in overdue:
        if not Alert.objects.filter(pk=alert.pk, state=AlertState.NEW, escalated_at__isnull=True).update(
            escalated_at=now,
        ):
            continue  # acknowledged or escalated by someone else meanwhile
        audit.record_change(alert, {"escalated_at": (None, now.isoformat())})
        exclude = {alert.responsible_liaison_id} if alert.responsible_liaison_id else set()
        second = routing.least_busy_liaison(alert.country, exclude=exclude)
        AlertEvent.objects.create(
            alert=alert, kind=AlertEventKind.ESCALATED, at=now,
            details={"second_liaison": second.pk if second else None},
        )
        _notify_many([(alert, routing.supervisors(alert.case.organisation_id) | ({second} if second else set()),
                       AlertEventKind.ESCALATED)])
        escalated += 1
    return escalated


def notification_deliver(*, notification_id: int) -> str:
    """Send one alert notification email (see `cases.mailing.deliver`); returns the resulting status.

    A notification that is no longer needed (the alert was acknowledged or closed) is skipped.
    """
    notification = (
        AlertNotification.objects.select_related("alert", "recipient").filter(pk=notification_id).first()
    )
    if notification is None:
        return "missing"
    alert = notification.alert
    return mailing.deliver(
        notification,
        needed=_still_needed(notification),
        templates=("cases/alerts/email_subject.txt", "cases/alerts/email_body.txt"),
        context={"alert": alert, "reason": notification.reason, "level_label": RiskLevel(alert.level).label,
                 "link": mailing.absolute_url(reverse("cases:alert_detail", args=[alert.public_id]))},
        schedule_retry=tasks.schedule_alert_notification_retry,
    )


def _still_needed(notification) -> bool:
    alert = notification.alert
    if alert.state not in OPEN_ALERT_STATES:
        return False
    # "Not acknowledged in time" is moot once someone has acknowledged it.
    return not (notification.reason == AlertEventKind.ESCALATED and alert.state != AlertState.NEW)
