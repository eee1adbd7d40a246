"""Risk assessments as the case file changes: when they are written, what they say, what runs daily."""

import datetime
import io
import json
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core.management import call_command
from django_q.conf import Conf
from django_q.models import Schedule

from cases.choices import AssessmentReason, RiskLevel
from cases.models import Case, CountryProfile, CountryReturn, RiskAssessment, RiskRuleSet, User
from cases.models.risk import COUNTRY_FACT_NAMES
from cases.risk import rules
from cases.services import cases as case_services
from cases.services import people, records
from cases.services.risk import country_profile_save, risk_recompute, risk_recompute_many
from tests.conftest import add_incident, open_case, second_factor_secret

DATA_FILE = Path(__file__).resolve().parents[2] / "cases" / "migrations" / "data" / "0004_country_profiles.json"


def level(case):
    case.refresh_from_db()
    return case.risk_level


def test_registering_a_case_assesses_it_and_records_the_rule_set(cast, clock):
    case = open_case(cast.caseworker)
    case.refresh_from_db()
    assert case.risk_level == RiskLevel.MEDIUM  # Kazakhstan's country score 5 + not registered with UNHCR
    assessment = case.risk_assessment
    assert assessment.reason == AssessmentReason.CASE_CHANGED
    assert assessment.rule_set.fingerprint == rules.rule_set_fingerprint()
    assert assessment.rule_set.specification["factors"][0]["id"] == "C1"
    fired = [f["factor"] for f in assessment.explanation["fired"]]
    assert fired == ["C1b", "C3", "C6", "P12a"]
    assert "no_relatives" in assessment.explanation["missing"]


def test_a_custody_incident_raises_the_level_at_once_and_history_keeps_each_step(cast, clock):
    case = open_case(cast.caseworker)
    before = RiskAssessment.objects.filter(case=case).count()
    custody = add_incident(cast.caseworker, case, "custody", clock.today())
    assert level(case) == RiskLevel.HIGH
    latest = case.risk_assessment
    assert latest.previous_level == RiskLevel.MEDIUM
    assert RiskAssessment.objects.filter(case=case).count() == before + 1
    p1 = next(f for f in latest.explanation["fired"] if f["factor"] == "P1")
    assert p1["evidence"] == [["incident", custody.pk, clock.today().isoformat(), "custody"]]
    # Removing the evidence brings the level back down, as a new step of the history.
    records.incident_remove(actor=cast.caseworker, incident=custody)
    assert level(case) == RiskLevel.MEDIUM
    assert RiskAssessment.objects.filter(case=case).count() == before + 2


def test_an_edit_the_rules_do_not_read_writes_no_assessment(cast, clock):
    case = open_case(cast.caseworker)
    count = RiskAssessment.objects.count()
    records.note_add(actor=cast.caseworker, case=case, text="Called the client.")
    case_services.case_update(actor=cast.caseworker, case=case, expected_version=case.version,
                              changes={"host_city": "Shymkent"})
    assert RiskAssessment.objects.count() == count


def test_each_fact_writing_service_reassesses(cast, clock):
    case = open_case(cast.caseworker, passport_number="")
    principal = case.people.get()
    steps = [
        lambda: people.legal_status_add(actor=cast.caseworker, person=principal,
                                        data={"permit_type": "none", "valid_from": datetime.date(2026, 1, 1)}),
        lambda: records.relative_add(actor=cast.caseworker, case=case,
                                     data={"relationship": "father", "status": "imprisoned",
                                           "status_since": datetime.date(2026, 6, 1)}),
        lambda: people.document_add(actor=cast.caseworker, person=principal, data={
            "document_type": "prc_passport", "number": "E1", "issuing_country": "CN",
            "expires_on": datetime.date(2026, 1, 1)}),
        lambda: case_services.case_update(actor=cast.caseworker, case=Case.objects.get(pk=case.pk),
                                          expected_version=Case.objects.get(pk=case.pk).version,
                                          changes={"unhcr_status": "withdrawn"}),
        lambda: people.person_add(actor=cast.caseworker, case=case, data={
            "given_name_ug_latn": "Ayshem", "relationship": "child", "date_of_birth": datetime.date(2020, 5, 1)}),
    ]
    expected = ["P9", "P14", "P11a", "P12b", None]
    for step, factor in zip(steps, expected, strict=True):
        count = RiskAssessment.objects.filter(case=case).count()
        step()
        assert RiskAssessment.objects.filter(case=case).count() == count + 1
        case.refresh_from_db()
        if factor:
            assert factor in {f["factor"] for f in case.risk_assessment.explanation["fired"]}
    assert case.risk_assessment.explanation["vulnerabilities"] == ["child"]


def test_the_daily_run_notices_a_passport_crossing_the_180_day_window(cast, clock):
    case = open_case(cast.caseworker, passport_number="")
    people.document_add(actor=cast.caseworker, person=case.people.get(), data={
        "document_type": "prc_passport", "number": "E7", "issuing_country": "CN",
        "expires_on": clock.today() + datetime.timedelta(days=181)})
    assert risk_recompute_many()["changed"] == 0
    clock.advance(days=1)
    assert risk_recompute_many()["changed"] == 1
    case.refresh_from_db()
    assert case.risk_assessment.reason == AssessmentReason.DAILY
    assert "P11b" in {f["factor"] for f in case.risk_assessment.explanation["fired"]}
    assert risk_recompute_many()["changed"] == 0  # nothing new the same day


def test_a_closed_case_is_no_longer_assessed(cast, clock):
    case = open_case(cast.caseworker)
    case_services.case_change_status(actor=cast.caseworker, case=case, expected_version=case.version,
                                     to_status="closed", reason="Resettled elsewhere")
    case.refresh_from_db()
    assert case.risk_level == "" and case.risk_assessment is None
    assert RiskAssessment.objects.filter(case=case).exists()  # the history stays


def test_country_profiles_are_seeded_from_the_sourced_data_file(country_profiles):
    data = json.loads(DATA_FILE.read_text())
    assert CountryProfile.objects.count() == len(data) == 25
    for entry in data:
        profile = CountryProfile.objects.get(country=entry["country"])
        for name in COUNTRY_FACT_NAMES:
            assert getattr(profile, name) == entry["facts"][name]["value"]
            if getattr(profile, name) != "unknown":
                assert getattr(profile, f"{name}_source").startswith("http"), (entry["country"], name)
                assert getattr(profile, f"{name}_as_of") is not None
    assert set(CountryReturn.objects.filter(profile__country="TH").values_list("year", flat=True)) == {2015, 2025}
    assert all(r.source.startswith("http") for r in CountryReturn.objects.all())


def test_editing_a_country_profile_is_audited_and_reassesses_its_cases(
    cast, clock, monkeypatch, django_capture_on_commit_callbacks,
):
    from auditlog.models import LogEntry

    monkeypatch.setattr(Conf, "SYNC", True)  # run the queued re-assessment inline
    case = open_case(cast.caseworker)
    admin = User.objects.create_superuser("countryeditor", "editor@example.org", "x" * 16)
    profile = CountryProfile.objects.get(country="KZ")
    profile.extradition_treaty = "in_force"
    profile.extradition_treaty_source = "https://example.org/treaty"
    with django_capture_on_commit_callbacks(execute=True):
        country_profile_save(actor=admin, profile=profile)
    case.refresh_from_db()
    assert case.risk_assessment.reason == AssessmentReason.COUNTRY_PROFILE
    assert "C2" in {f["factor"] for f in case.risk_assessment.explanation["fired"]}
    entry = LogEntry.objects.get_for_object(profile).latest("timestamp")
    assert entry.actor == admin and "extradition_treaty" in entry.changes_dict


def test_only_country_profile_editors_may_save_a_profile(cast):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        country_profile_save(actor=cast.supervisor, profile=CountryProfile.objects.get(country="KZ"))


def test_setup_schedules_is_idempotent_and_records_the_rule_set(country_profiles):
    call_command("setup_schedules", stdout=io.StringIO())
    call_command("setup_schedules", stdout=io.StringIO())
    names = sorted(Schedule.objects.values_list("name", flat=True))
    assert names == ["panah-alert-escalation", "panah-documents-sweep", "panah-referral-consent-expiry",
                     "panah-referral-reminders", "panah-retention-reviews-daily", "panah-risk-daily"]
    daily = Schedule.objects.get(name="panah-risk-daily")
    assert daily.func == "cases.tasks.risk_recompute_daily" and daily.schedule_type == Schedule.DAILY
    escalation = Schedule.objects.get(name="panah-alert-escalation")
    assert escalation.schedule_type == Schedule.MINUTES and escalation.minutes == 1
    assert RiskRuleSet.objects.filter(fingerprint=rules.rule_set_fingerprint()).count() == 1


def test_setup_schedules_corrects_a_schedule_that_drifted(db):
    call_command("setup_schedules", stdout=io.StringIO())
    Schedule.objects.filter(name="panah-alert-escalation").update(minutes=30, func="wrong.place")
    call_command("setup_schedules", stdout=io.StringIO())
    escalation = Schedule.objects.get(name="panah-alert-escalation")
    assert (escalation.minutes, escalation.func) == (1, "cases.tasks.alerts_escalate")


def test_one_case_recomputation_costs_a_fixed_number_of_queries(cast, clock, django_assert_max_num_queries):
    case = open_case(cast.caseworker)
    for day in range(1, 6):
        add_incident(cast.caseworker, case, "prc_contact", clock.today() - datetime.timedelta(days=day))
    with django_assert_max_num_queries(12):
        risk_recompute(case=case)


def test_the_daily_run_is_spread_over_tasks_by_id_range(cast, clock, monkeypatch):
    from cases import tasks

    monkeypatch.setattr(Conf, "SYNC", True)  # run the queued range tasks inline
    monkeypatch.setattr(tasks, "RISK_RANGE_SIZE", 2)
    cases = [open_case(cast.caseworker, passport_number="") for _ in range(3)]
    for case in cases:
        people.document_add(actor=cast.caseworker, person=case.people.get(), data={
            "document_type": "prc_passport", "number": "E9", "issuing_country": "CN",
            "expires_on": clock.today() + datetime.timedelta(days=181)})
    clock.advance(days=1)
    queued = tasks.risk_recompute_daily()
    assert queued["tasks"] == 2
    for case in cases:
        case.refresh_from_db()
        assert case.risk_assessment.reason == AssessmentReason.DAILY
        assert "P11b" in {f["factor"] for f in case.risk_assessment.explanation["fired"]}


def test_an_administrator_edits_a_country_profile_in_the_admin_and_its_cases_are_reassessed(
    cast, clock, monkeypatch, django_capture_on_commit_callbacks, logged_in,
):
    from auditlog.models import LogEntry
    from django.urls import reverse

    monkeypatch.setattr(Conf, "SYNC", True)
    case = open_case(cast.caseworker, country="KG")
    admin = User.objects.create_superuser("countryadmin", "admin@example.org", "x" * 16)
    TOTP.activate(admin, second_factor_secret("countryadmin"))
    profile = CountryProfile.objects.get(country="KG")
    url = reverse("admin:cases_countryprofile_change", args=[profile.pk])
    form = logged_in(admin).get(url).context["adminform"].form
    data = {name: ("" if value is None else value) for name, value in form.initial.items() if name != "country"}
    data.update({"extradition_treaty": "in_force", "extradition_treaty_source": "https://example.org/kg-treaty",
                 "returns-TOTAL_FORMS": "0", "returns-INITIAL_FORMS": "0"})
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(admin).post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    profile.refresh_from_db()
    assert profile.extradition_treaty == "in_force"
    assert LogEntry.objects.get_for_object(profile).latest("timestamp").actor == admin
    case.refresh_from_db()
    assert case.risk_assessment.reason == AssessmentReason.COUNTRY_PROFILE
    assert "C2" in {f["factor"] for f in case.risk_assessment.explanation["fired"]}
    assert logged_in(cast.supervisor).get(url).status_code in (302, 403)  # not for organisation staff
