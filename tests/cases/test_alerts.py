"""Refoulement alerts: opening, routing, deduplication, the workflow, deadlines and notifications."""

import datetime
import threading

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.urls import reverse
from django_q.models import Schedule

from cases.choices import AlertEventKind, AlertState, RiskLevel
from cases.models import Alert, AlertEvent, AlertNotification, Intervention
from cases.services import access, records
from cases.services import alerts as alert_services
from cases.services.risk import risk_recompute, risk_recompute_many
from tests.conftest import MEMET, add_incident, make_user, open_case


@pytest.fixture
def offices(cast):
    """A second liaison at the Kazakhstan desk and a Thailand office that must never be told."""
    second = make_user("liaison2", cast.unhcr, "unhcr_liaison")
    thailand = access.organisation_create(name="UNHCR Bangkok Desk", kind="unhcr", countries=["TH"])
    far_liaison = make_user("farliaison", thailand, "unhcr_liaison")
    return second, far_liaison


def high_case(cast, clock):
    """A Kazakhstan case whose principal was just arrested: HIGH (custody in a country scoring 5)."""
    case = open_case(cast.caseworker)
    add_incident(cast.caseworker, case, "custody", clock.today())
    case.refresh_from_db()
    assert case.risk_level == RiskLevel.HIGH
    return case


def open_alert(case):
    return Alert.objects.get(case=case, state__in=["new", "acknowledged", "intervention"])


def recipients(alert, reason):
    return set(AlertNotification.objects.filter(alert=alert, reason=reason)
               .values_list("recipient__username", flat=True))


def test_a_rise_to_high_opens_an_alert_routed_to_the_covering_liaison_and_the_case_team(cast, clock, offices):
    case = high_case(cast, clock)
    alert = open_alert(case)
    assert (alert.trigger, alert.level, alert.state, alert.country) == ("high", "high", "new", "KZ")
    assert alert.acknowledge_by == clock.at + datetime.timedelta(hours=24)
    assert alert.responsible_liaison == cast.liaison  # least busy covering liaison; ties by id
    assert recipients(alert, "opened") == {"liaison", "caseworker", "supervisor"}
    assert AlertEvent.objects.get(alert=alert).kind == AlertEventKind.OPENED


def test_a_case_in_an_uncovered_country_still_opens_an_alert_with_nobody_responsible(cast, clock, offices):
    case = open_case(cast.caseworker, country="KG")
    add_incident(cast.caseworker, case, "red_notice", clock.today())
    alert = open_alert(case)
    assert alert.responsible_liaison is None
    assert recipients(alert, "opened") == {"caseworker", "supervisor"}


def test_recomputing_again_and_again_opens_no_duplicate(cast, clock, offices):
    case = high_case(cast, clock)
    add_incident(cast.caseworker, case, "red_notice", clock.today())  # more HIGH signals
    add_incident(cast.caseworker, case, "access_denied", clock.today())
    for _ in range(3):
        risk_recompute(case=case)
        risk_recompute_many()
    assert Alert.objects.filter(case=case).count() == 1


def test_the_open_constraint_refuses_a_second_open_alert_for_the_same_trigger(cast, clock):
    from django.db import IntegrityError, transaction

    case = high_case(cast, clock)
    alert = open_alert(case)
    duplicate = Alert(public_id="00000000-0000-0000-0000-000000000001", case=case, country="KZ", trigger="high",
                      level="high", opened_by_assessment=alert.opened_by_assessment, opened_at=clock.at,
                      acknowledge_by=clock.at)
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_turning_imminent_opens_an_imminent_alert_that_supersedes_the_high_one(cast, clock, offices):
    case = high_case(cast, clock)
    high = open_alert(case)
    alert_services.alert_acknowledge(actor=offices[0], alert=high)
    add_incident(cast.caseworker, case, "removal_order", clock.today())
    imminent = open_alert(case)
    assert (imminent.trigger, imminent.reasons) == ("imminent", ["I2"])
    assert imminent.acknowledge_by == clock.at + datetime.timedelta(hours=1)
    assert imminent.responsible_liaison == offices[0]  # the liaison already on the case stays on it
    high.refresh_from_db()
    assert high.state == AlertState.SUPERSEDED
    assert AlertEvent.objects.filter(alert=high, kind=AlertEventKind.SUPERSEDED).exists()


def test_a_new_override_on_an_open_imminent_alert_is_news_not_a_new_alert(cast, clock, offices):
    case = high_case(cast, clock)
    add_incident(cast.caseworker, case, "removal_order", clock.today())
    alert = open_alert(case)
    mail_count = AlertNotification.objects.count()
    add_incident(cast.caseworker, case, "deportation_preparation", clock.today())
    assert Alert.objects.filter(case=case, state="new").count() == 1
    alert.refresh_from_db()
    assert sorted(alert.reasons) == ["I1", "I2"]
    event = AlertEvent.objects.get(alert=alert, kind=AlertEventKind.NEW_SIGNAL)
    assert event.details["reasons"] == ["I1"]
    assert AlertNotification.objects.count() > mail_count


def test_a_falling_level_is_noted_on_the_open_alert_which_stays_open(cast, clock, offices):
    case = high_case(cast, clock)
    alert = open_alert(case)
    add_incident(cast.caseworker, case, "released", clock.today())
    alert.refresh_from_db()
    assert alert.state == AlertState.NEW and alert.level == RiskLevel.MEDIUM
    change = AlertEvent.objects.get(alert=alert, kind=AlertEventKind.LEVEL_CHANGED)
    assert change.details["from"] == "high" and change.details["to"] == "medium"


def test_after_an_alert_is_closed_a_new_rise_opens_a_new_one(cast, clock, offices):
    case = high_case(cast, clock)
    first = open_alert(case)
    alert_services.alert_close(actor=cast.liaison, alert=first, outcome="resolved", note="Released on bail.")
    custody = case.incidents.get(category="custody")
    records.incident_remove(actor=cast.caseworker, incident=custody)
    clock.advance(days=2)
    add_incident(cast.caseworker, case, "custody", clock.today())
    assert Alert.objects.filter(case=case).count() == 2
    assert open_alert(case).pk != first.pk


def test_acknowledging_takes_responsibility_and_a_second_click_says_who_was_first(cast, clock, offices):
    alert = open_alert(high_case(cast, clock))
    alert_services.alert_acknowledge(actor=offices[0], alert=alert)
    alert.refresh_from_db()
    assert (alert.state, alert.acknowledged_by, alert.responsible_liaison) == ("acknowledged", offices[0], offices[0])
    with pytest.raises(ValidationError) as refused:
        alert_services.alert_acknowledge(actor=cast.liaison, alert=alert)
    assert "Liaison2" in refused.value.messages[0]
    assert AlertEvent.objects.filter(alert=alert, kind=AlertEventKind.ACKNOWLEDGED).count() == 1


@pytest.mark.parametrize("who", ["caseworker", "supervisor", "lawyer", "provider"])
def test_only_covering_liaisons_acknowledge(cast, clock, offices, who):
    alert = open_alert(high_case(cast, clock))
    with pytest.raises(PermissionDenied):
        alert_services.alert_acknowledge(actor=getattr(cast, who), alert=alert)
    with pytest.raises(PermissionDenied):
        alert_services.alert_acknowledge(actor=offices[1], alert=alert)  # the Thailand office


@pytest.mark.django_db(transaction=True)
def test_two_liaisons_acknowledging_at_the_same_moment_record_one_acknowledgement(cast, clock, offices):
    alert = open_alert(high_case(cast, clock))
    barrier = threading.Barrier(2)
    outcomes = []

    def click(user):
        try:
            barrier.wait()
            alert_services.alert_acknowledge(actor=user, alert=Alert.objects.get(pk=alert.pk))
            outcomes.append(("won", user.username))
        except ValidationError:
            outcomes.append(("refused", user.username))
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(user,)) for user in (cast.liaison, offices[0])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(kind for kind, _user in outcomes) == ["refused", "won"]
    winner = next(user for kind, user in outcomes if kind == "won")
    alert.refresh_from_db()
    assert alert.acknowledged_by.username == winner and alert.version == 2
    assert AlertEvent.objects.filter(alert=alert, kind=AlertEventKind.ACKNOWLEDGED).count() == 1


def test_a_liaisons_first_intervention_acknowledges_and_moves_the_alert_on(cast, clock, offices):
    alert = open_alert(high_case(cast, clock))
    alert_services.alert_record_intervention(actor=cast.liaison, alert=alert, kind="unhcr_access_requested",
                                             done_at=clock.at, note="Called the detention centre.")
    alert.refresh_from_db()
    assert (alert.state, alert.acknowledged_by) == ("intervention", cast.liaison)
    kinds = list(AlertEvent.objects.filter(alert=alert).values_list("kind", flat=True))
    assert kinds == ["opened", "acknowledged", "intervention"]


def test_a_caseworker_records_an_intervention_without_acknowledging_for_unhcr(cast, clock, offices):
    alert = open_alert(high_case(cast, clock))
    alert_services.alert_record_intervention(actor=cast.caseworker, alert=alert, kind="lawyer_instructed",
                                             done_at=clock.at)
    alert.refresh_from_db()
    assert alert.state == AlertState.NEW and alert.acknowledged_by is None
    assert Intervention.objects.get(alert=alert).recorded_by == cast.caseworker


def test_interventions_cannot_be_dated_in_the_future_or_added_to_a_closed_alert(cast, clock, offices):
    alert = open_alert(high_case(cast, clock))
    with pytest.raises(ValidationError):
        alert_services.alert_record_intervention(actor=cast.liaison, alert=alert, kind="lawyer_instructed",
                                                 done_at=clock.at + datetime.timedelta(hours=2))
    alert_services.alert_close(actor=cast.liaison, alert=alert, outcome="false_alarm", note="Wrong person.")
    with pytest.raises(ValidationError):
        alert_services.alert_record_intervention(actor=cast.liaison, alert=alert, kind="lawyer_instructed",
                                                 done_at=clock.at)
    assert not Intervention.objects.exists()


def test_closing_needs_a_reason_and_closing_a_new_alert_acknowledges_it(cast, clock, offices):
    alert = open_alert(high_case(cast, clock))
    with pytest.raises(ValidationError):
        alert_services.alert_close(actor=cast.liaison, alert=alert, outcome="resolved", note="  ")
    alert_services.alert_close(actor=cast.liaison, alert=alert, outcome="resolved", note="Released, safe.")
    alert.refresh_from_db()
    assert (alert.state, alert.acknowledged_by, alert.closed_by) == ("resolved", cast.liaison, cast.liaison)
    with pytest.raises(ValidationError):
        alert_services.alert_close(actor=cast.liaison, alert=alert, outcome="resolved", note="Again.")


@pytest.mark.parametrize(("make_imminent", "hours"), [(False, 24), (True, 1)])
def test_an_unacknowledged_alert_escalates_once_when_its_deadline_passes(cast, clock, offices, make_imminent, hours):
    case = high_case(cast, clock)
    if make_imminent:
        add_incident(cast.caseworker, case, "deportation_preparation", clock.today())
    alert = open_alert(case)
    assert alert.acknowledge_by == clock.at + datetime.timedelta(hours=hours)
    clock.advance(hours=hours, seconds=-1)
    assert alert_services.alerts_escalate_overdue() == 0
    clock.advance(seconds=2)
    assert alert_services.alerts_escalate_overdue() == 1
    alert.refresh_from_db()
    assert alert.escalated_at == clock.at
    # The supervisor, and a second liaison of the covering office (not the one already told).
    assert recipients(alert, "escalated") == {"supervisor", "liaison2"}
    assert alert_services.alerts_escalate_overdue() == 0  # once only


def test_an_acknowledged_alert_does_not_escalate(cast, clock, offices):
    alert = open_alert(high_case(cast, clock))
    alert_services.alert_acknowledge(actor=cast.liaison, alert=alert)
    clock.advance(days=3)
    assert alert_services.alerts_escalate_overdue() == 0


def test_notification_emails_carry_a_link_and_no_personal_data(cast, clock, offices, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    case = high_case(cast, clock)
    alert = open_alert(case)
    for notification in AlertNotification.objects.filter(alert=alert):
        assert alert_services.notification_deliver(notification_id=notification.pk) == "sent"
    assert sorted(m.to[0] for m in mail.outbox) == ["caseworker@example.org", "liaison@example.org",
                                                     "supervisor@example.org"]
    message = mail.outbox[0]
    assert str(alert.public_id) in message.body and "High" in message.subject
    text = message.subject + message.body
    for personal in [*MEMET.values(), case.reference, "E12345678", "Almaty"]:
        assert personal not in text
    assert AlertNotification.objects.filter(alert=alert, status="sent", attempts=1).count() == 3


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def test_a_failed_send_is_retried_later_and_given_up_after_five_attempts(cast, clock, offices, settings):
    settings.EMAIL_BACKEND = "tests.cases.test_alerts.RefusingBackend"
    alert = open_alert(high_case(cast, clock))
    notification = AlertNotification.objects.filter(alert=alert).first()
    assert alert_services.notification_deliver(notification_id=notification.pk) == "pending"
    retry = Schedule.objects.get(name__startswith=f"alert-notification-retry-{notification.pk}-")
    assert retry.func == "cases.tasks.alert_notification_send" and retry.schedule_type == Schedule.ONCE
    assert retry.next_run == clock.at + datetime.timedelta(seconds=60)
    for _ in range(4):
        alert_services.notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("failed", 5)
    assert Schedule.objects.filter(name__startswith=f"alert-notification-retry-{notification.pk}-").count() == 4
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert alert_services.notification_deliver(notification_id=notification.pk) == "failed"  # not resent once given up


# --- Pages ---------------------------------------------------------------------------------------

def test_the_queue_puts_imminent_first_then_the_nearest_deadline_and_filters(cast, clock, offices, logged_in):
    early = high_case(cast, clock)
    clock.advance(hours=1)
    late = open_case(cast.other_caseworker, country="TR")
    add_incident(cast.other_caseworker, late, "red_notice", clock.today())
    clock.advance(hours=1)
    urgent = high_case(cast, clock)
    add_incident(cast.caseworker, urgent, "deportation_preparation", clock.today())
    client = logged_in(cast.liaison)
    response = client.get(reverse("cases:alert_queue"))
    assert response.status_code == 200
    rows = [a.case_id for a in response.context["page"]]
    assert rows == [urgent.pk, early.pk, late.pk]
    only_tr = client.get(reverse("cases:alert_queue"), {"country": "TR"})
    assert [a.case_id for a in only_tr.context["page"]] == [late.pk]
    closed = client.get(reverse("cases:alert_queue"), {"state": "superseded"})
    assert [a.case_id for a in closed.context["page"]] == [urgent.pk]


def test_the_queue_costs_the_same_queries_at_any_size(cast, clock, offices, logged_in, django_assert_num_queries):
    client = logged_in(cast.liaison)
    high_case(cast, clock)
    client.get(reverse("cases:alert_queue"))
    with django_assert_num_queries(_count_queries(client)) as small:
        client.get(reverse("cases:alert_queue"))
    for _ in range(4):
        high_case(cast, clock)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(reverse("cases:alert_queue"))


def _count_queries(client):
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(conn) as captured:
        client.get(reverse("cases:alert_queue"))
    return len(captured.captured_queries)


def test_a_liaison_reads_the_minimum_data_without_the_case_file_and_the_read_is_audited(
    cast, clock, offices, logged_in,
):
    case = high_case(cast, clock)
    alert = open_alert(case)
    client = logged_in(cast.liaison)
    assert client.get(reverse("cases:detail", args=[case.public_id])).status_code == 404  # not shared
    reads = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count()
    response = client.get(reverse("cases:alert_detail", args=[alert.public_id]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Maimaiti" in page and "E12345678" in page  # the names and passport UNHCR will need
    assert "In custody of host authorities" in page  # why
    assert reverse("cases:detail", args=[case.public_id]) not in page  # no link into the file
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() == reads + 1


@pytest.mark.parametrize("who", ["other_caseworker", "lawyer", "provider", "auditor", "caseworker2"])
def test_people_without_the_case_or_the_country_get_404_on_the_alert(cast, clock, offices, logged_in, who):
    alert = open_alert(high_case(cast, clock))
    user = getattr(cast, who)
    client = logged_in(user)
    for name in ("alert_detail", "alert_acknowledge", "alert_intervention", "alert_close"):
        response = client.post(reverse(f"cases:{name}", args=[alert.public_id]), {"note": "x", "outcome": "resolved"})
        assert response.status_code == 404, name
    assert list(client.get(reverse("cases:alert_queue")).context["page"]) == []
    alert.refresh_from_db()
    assert alert.state == "new"


def test_the_far_office_liaison_sees_neither_the_alert_nor_the_row(cast, clock, offices, logged_in):
    alert = open_alert(high_case(cast, clock))
    client = logged_in(offices[1])
    assert client.get(reverse("cases:alert_detail", args=[alert.public_id])).status_code == 404
    assert list(client.get(reverse("cases:alert_queue")).context["page"]) == []


def test_the_caseworker_sees_the_alert_but_cannot_acknowledge_it(cast, clock, offices, logged_in):
    alert = open_alert(high_case(cast, clock))
    client = logged_in(cast.caseworker)
    page = client.get(reverse("cases:alert_detail", args=[alert.public_id]))
    assert page.status_code == 200 and b'id="acknowledge"' not in page.content
    assert client.post(reverse("cases:alert_acknowledge", args=[alert.public_id])).status_code == 403


def test_a_bad_intervention_keeps_what_was_typed(cast, clock, offices, logged_in):
    alert = open_alert(high_case(cast, clock))
    client = logged_in(cast.liaison)
    response = client.post(reverse("cases:alert_intervention", args=[alert.public_id]), {
        "intervention-kind": "urgent_appeal", "intervention-done_at": "2030-01-01T10:00",
        "intervention-note": "Sent to the Special Rapporteur, ref 123",
    })
    assert response.status_code == 400
    assert "Sent to the Special Rapporteur, ref 123" in response.content.decode()
    assert "cannot be dated in the future" in response.content.decode()
    assert not Intervention.objects.exists()


def test_closing_without_a_reason_is_refused_on_the_page(cast, clock, offices, logged_in):
    alert = open_alert(high_case(cast, clock))
    response = logged_in(cast.liaison).post(reverse("cases:alert_close", args=[alert.public_id]),
                                            {"close-outcome": "resolved", "close-note": ""})
    assert response.status_code == 400
    alert.refresh_from_db()
    assert alert.state == "new"


def test_the_case_page_shows_the_level_why_and_the_open_alert(cast, clock, offices, logged_in):
    case = high_case(cast, clock)
    page = logged_in(cast.caseworker).get(reverse("cases:detail", args=[case.public_id])).content.decode()
    assert 'class="risk-badge risk-high"' in page
    assert "In custody in a country with a country score of 3 or more" in page
    assert reverse("cases:alert_detail", args=[open_alert(case).public_id]) in page
    assert "No relatives in China are recorded" in page  # missing data
    from cases.models import CountryProfile

    assert CountryProfile.objects.get(country="KZ").sco_member_source in page  # the source behind C3


def test_the_rules_page_lists_every_factor_and_the_country_sources(cast, logged_in):
    page = logged_in(cast.caseworker).get(reverse("cases:risk_rules")).content.decode()
    from cases.risk import rules

    for factor in rules.FACTORS.values():
        assert f'<td class="rule-id">{factor.id}</td>' in page
    assert "https://" in page and "Thailand" in page


def test_the_risk_history_page_lists_each_assessment(cast, clock, logged_in):
    case = high_case(cast, clock)
    response = logged_in(cast.caseworker).get(reverse("cases:case_risk", args=[case.public_id]))
    assert response.status_code == 200
    assert len(response.context["history"]) == case.risk_assessments.count() >= 2


def test_the_case_list_shows_filters_and_sorts_by_risk(cast, clock, logged_in):
    calm = open_case(cast.caseworker, country="KG")
    arrested = high_case(cast, clock)
    client = logged_in(cast.caseworker)
    only_high = client.get(reverse("cases:list"), {"risk": "high"})
    assert [c.pk for c in only_high.context["page"]] == [arrested.pk]
    assert 'class="risk-badge risk-high"' in only_high.content.decode()
    by_risk = client.get(reverse("cases:list"), {"sort": "risk"})
    assert [c.pk for c in by_risk.context["page"]] == [arrested.pk, calm.pk]


def test_a_notification_is_written_in_the_recipients_language(cast, clock, offices, settings):
    # `make test` compiles the catalogues before the suite runs.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cast.liaison.preferred_language = "ru"
    cast.liaison.save(update_fields=["preferred_language"])
    alert = open_alert(high_case(cast, clock))
    notification = AlertNotification.objects.get(alert=alert, recipient=cast.liaison)
    alert_services.notification_deliver(notification_id=notification.pk)
    subject, body = mail.outbox[0].subject, mail.outbox[0].body
    assert subject.startswith("Panah: ") and "Высокий" in subject and "refoulement" not in subject
    assert "Уровень" in body or "уровень" in body.lower()


# --- Review findings: each of these once went wrong ----------------------------------------------

def test_a_case_never_has_two_open_alerts_when_its_level_falls_and_rises_again(cast, clock, offices):
    case = high_case(cast, clock)
    add_incident(cast.caseworker, case, "removal_order", clock.today())  # IMMINENT (supersedes HIGH)
    clock.advance(hours=2)
    add_incident(cast.caseworker, case, "removal_order_suspended", clock.today())  # back to HIGH
    add_incident(cast.caseworker, case, "released", clock.today())  # MEDIUM
    clock.advance(days=1)
    add_incident(cast.caseworker, case, "custody", clock.today())  # HIGH again
    open_alerts = list(Alert.objects.open().filter(case=case))
    assert len(open_alerts) == 1 and open_alerts[0].trigger == "imminent"
    assert open_alerts[0].level == "high"
    news = AlertEvent.objects.filter(alert=open_alerts[0], kind=AlertEventKind.NEW_SIGNAL).last()
    assert "H1" in news.details["reasons"]


def test_a_new_reason_at_the_same_level_opens_a_new_alert_after_the_last_was_closed(cast, clock, offices):
    case = open_case(cast.caseworker)
    add_incident(cast.caseworker, case, "red_notice", clock.today())  # HIGH (H3)
    first = open_alert(case)
    alert_services.alert_close(actor=cast.liaison, alert=first, outcome="resolved", note="Notice challenged.")
    clock.advance(days=30)
    add_incident(cast.caseworker, case, "custody", clock.today())  # still HIGH, but now arrested (H1)
    second = open_alert(case)
    assert second.pk != first.pk and "H1" in second.reasons


def test_closing_the_case_closes_its_alerts_and_nothing_escalates(cast, clock, offices):
    from cases.services import cases as case_services

    case = high_case(cast, clock)
    alert = open_alert(case)
    case.refresh_from_db()
    case_services.case_change_status(actor=cast.caseworker, case=case, expected_version=case.version,
                                     to_status="closed", reason="Left for a third country")
    alert.refresh_from_db()
    assert alert.state == AlertState.RESOLVED and alert.closed_by is None
    assert AlertEvent.objects.filter(alert=alert, kind=AlertEventKind.CASE_CLOSED).exists()
    clock.advance(days=2)
    assert alert_services.alerts_escalate_overdue() == 0


def test_moving_the_case_to_another_country_moves_its_alert_to_that_countrys_liaisons(
    cast, clock, offices, logged_in,
):
    from cases.services import cases as case_services

    case = high_case(cast, clock)
    alert = open_alert(case)
    case.refresh_from_db()
    case_services.case_update(actor=cast.caseworker, case=case, expected_version=case.version,
                              changes={"host_country": "TH"})
    alert.refresh_from_db()
    assert (alert.country, alert.responsible_liaison) == ("TH", offices[1])
    assert recipients(alert, "moved") >= {"farliaison", "caseworker"}
    assert logged_in(cast.liaison).get(reverse("cases:alert_detail", args=[alert.public_id])).status_code == 404
    assert logged_in(offices[1]).get(reverse("cases:alert_detail", args=[alert.public_id])).status_code == 200


def test_a_liaison_sees_a_closed_alert_for_30_days_then_no_longer(cast, clock, offices, logged_in):
    alert = open_alert(high_case(cast, clock))
    alert_services.alert_close(actor=cast.liaison, alert=alert, outcome="false_alarm", note="Another person.")
    url = reverse("cases:alert_detail", args=[alert.public_id])
    clock.advance(days=29)
    assert logged_in(cast.liaison).get(url).status_code == 200
    clock.advance(days=2)
    assert logged_in(cast.liaison).get(url).status_code == 404
    assert list(logged_in(cast.liaison).get(reverse("cases:alert_queue"), {"state": "all"}).context["page"]) == []
    assert logged_in(cast.caseworker).get(url).status_code == 200  # the case team keeps its history


def test_acknowledging_and_closing_are_in_the_audit_trail_with_the_actor(cast, clock, offices):
    alert = open_alert(high_case(cast, clock))
    alert_services.alert_acknowledge(actor=cast.liaison, alert=alert)
    alert_services.alert_close(actor=cast.liaison, alert=alert, outcome="resolved", note="Released.")
    entries = LogEntry.objects.get_for_object(alert).filter(action=LogEntry.Action.UPDATE).order_by("pk")
    assert [(e.actor, e.changes_dict["state"]) for e in entries] == [
        (cast.liaison, ["new", "acknowledged"]), (cast.liaison, ["acknowledged", "resolved"]),
    ]
    assert entries[0].additional_data["organisation"] == cast.ngo.pk  # auditors of the owning NGO see it


def test_an_escalation_email_is_skipped_once_the_alert_is_acknowledged(cast, clock, offices, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    alert = open_alert(high_case(cast, clock))
    clock.advance(hours=25)
    alert_services.alerts_escalate_overdue()
    alert_services.alert_acknowledge(actor=cast.liaison, alert=alert)
    for notification in AlertNotification.objects.filter(alert=alert, reason="escalated"):
        assert alert_services.notification_deliver(notification_id=notification.pk) == "skipped"
    assert mail.outbox == []


def test_a_successful_intervention_post_redirects_without_reading_the_case_again(cast, clock, offices, logged_in):
    alert = open_alert(high_case(cast, clock))
    reads = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count()
    response = logged_in(cast.liaison).post(reverse("cases:alert_intervention", args=[alert.public_id]), {
        "intervention-kind": "lawyer_instructed", "intervention-done_at": clock.at.strftime("%Y-%m-%dT%H:%M"),
        "intervention-note": "Lawyer on the way.",
    })
    assert response.status_code == 302 and response["Location"].endswith("#interventions")
    assert Intervention.objects.get(alert=alert).note == "Lawyer on the way."
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() == reads  # only a shown page is a read


def test_a_second_acknowledgement_names_the_first_liaison_isolated_and_the_time_in_the_local_format(cast, clock):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from cases.models import Alert
    from cases.services import alerts
    from config.bidi import isolate
    from tests.conftest import add_incident, make_user, open_case

    case = open_case(cast.caseworker)
    add_incident(cast.caseworker, case, "custody", clock.today())
    alert = Alert.objects.get(case=case)
    second = make_user("liaison2", cast.unhcr, "unhcr_liaison")
    alerts.alert_acknowledge(actor=cast.liaison, alert=alert)
    with translation.override("ru"), pytest.raises(ValidationError) as refused:
        alerts.alert_acknowledge(actor=second, alert=Alert.objects.get(pk=alert.pk))
    acknowledged_at = Alert.objects.get(pk=alert.pk).acknowledged_at
    message = refused.value.messages[0]
    assert isolate(cast.liaison) in message  # the name keeps its direction in any sentence
    assert f"{acknowledged_at:%d.%m.%Y %H:%M} UTC" in message  # Russian short date, 24-hour time
