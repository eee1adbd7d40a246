"""Every URL of the project outside the case pages x every role x own / other organisation's /
shared objects and a referral whose consent was withdrawn x GET and POST.

The case pages have their own matrix (tests/cases/test_access_matrix.py); this one covers the
rest: alerts, referrals and consents, the provider directory, generated documents and filing
materials, the pages without an object (audit trail, caseload export, inbox...) and the admin.

The rules under test, with the expectation read from the permissions modules (never from the
views):
- an object the user may not see answers 404, for GET and POST alike (a POST-only URL answers
  405 to a GET before anything is looked up, which tells nothing);
- an object the user sees but may not act on is refused (403, or 400 when a referral's state
  refuses the step first), and nothing is written;
- what the user may do is not refused: the GET shows the page, a valid POST goes through (each
  POST runs in a savepoint that is rolled back, so one world serves every request);
- a refused request (403, 404) leaves no read of the file in the audit trail either;
- lists (case list, alert queue, provider inbox, directory, verification codes) show exactly
  what the user may see.
A completeness check reads the URL configuration: a new URL taking an object id without an
entry here (or in the case matrix) fails, and so does a page of the apps missing from PAGES.

Where a request cannot tell objects apart, it is asked once per role rather than per object: a
GET to a POST-only URL (refused with 405 before any lookup), a POST to a read-only page (served
as the GET), and, on referrals the role may not see, the steps beyond one per side (the referral
is looked up before the step; every step is asked where the role sees the referral, and on the
one whose consent was withdrawn).
"""

import datetime
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from auditlog.models import LogEntry
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from PIL import Image

from cases import permissions as cp
from cases.choices import OPEN_ALERT_STATES, AlertState
from cases.models import Alert, DuplicateCandidate
from cases.models.retention import RetentionReview
from cases.services import access
from cases.services import alerts as alert_services
from cases.services import cases as case_services
from referrals import permissions as rp
from referrals.choices import ReferralState
from referrals.services import consents as consent_services
from referrals.services import referrals as referral_services
from reports import permissions as dp
from reports.models import DocumentKind, DocumentStatus, GeneratedDocument
from reports.services import documents as document_services
from reports.services import filings
from tests.cases.test_access_matrix import CASE_URLS, ROLES
from tests.conftest import PASSWORD, add_incident, open_case
from tests.referrals.conftest import give_consent, make_provider, refer

TODAY_ISO = "2026-11-20"


def never(user, obj):
    return False


def pdf_upload():
    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), "white").save(buffer, format="PDF")
    return SimpleUploadedFile("scan.pdf", buffer.getvalue(), content_type="application/pdf")


# --- The world: one object of every kind, for three cases and the withdrawn consent ---------------

@dataclass
class Filed:
    """An exhibit or a need, seen through the case in the URL (usually its own case)."""

    record: object
    url_case: object

    @property
    def case(self):
        return self.record.filing.case


@dataclass
class World:
    cases: dict
    alerts: dict
    consents: dict
    referrals: dict
    providers: dict
    documents: dict
    exhibits: dict
    needs: dict
    security_keys: dict = field(default_factory=dict)
    reviews: dict = field(default_factory=dict)
    duplicates: dict = field(default_factory=dict)


def finish(document):
    """Mark a requested document as rendered (a stand-in PDF: rendering is not under test here)."""
    name = f"documents/{document.public_id}.pdf"
    document.file.storage.save(name, ContentFile(b"%PDF-1.4 fictional stand-in"))
    GeneratedDocument.objects.filter(pk=document.pk).update(
        status=DocumentStatus.DONE, file=name, sha256=hashlib.sha256(name.encode()).hexdigest(),
    )
    document.refresh_from_db()
    return document


def closed_alert(cast, clock, days_ago):
    """An alert of a new case of the caseworker's, closed by the covering liaison `days_ago` days ago."""
    now = clock.at
    clock.at = now - datetime.timedelta(days=days_ago)
    case = open_case(cast.caseworker, passport_number="")
    for category in ("custody", "red_notice", "removal_order"):
        add_incident(cast.caseworker, case, category, clock.today())
    alert = alert_services.alert_close(actor=cast.liaison, alert=Alert.objects.get(case=case, state="new"),
                                       outcome="resolved", note="Fictional: released.")
    clock.at = now
    return alert


def build_world(cast, clock):
    # own: the caseworker's NGO, Kazakhstan (covered by the UNHCR desk), shared with the clinic.
    # other: the other NGO's, Kyrgyzstan (no UNHCR office here covers it), shared with nobody.
    # shared: the other NGO's, Turkey, shared with the caseworker's NGO, the clinic and UNHCR.
    own = open_case(cast.caseworker)
    other = open_case(cast.other_caseworker, country="KG", passport_number="E22223333")
    shared = open_case(cast.other_caseworker, country="TR", passport_number="E55554444")
    access.case_share(actor=cast.caseworker, case=own, organisation=cast.clinic, purpose="Asylum")
    for organisation in (cast.ngo, cast.clinic, cast.unhcr):
        access.case_share(actor=cast.other_caseworker, case=shared, organisation=organisation, purpose="Joint work")
    owner = {"own": cast.caseworker, "other": cast.other_caseworker, "shared": cast.other_caseworker}
    cases = {"own": own, "other": other, "shared": shared}

    alerts = {}
    for label, case in cases.items():
        for category in ("custody", "red_notice", "removal_order"):
            add_incident(owner[label], case, category, datetime.date(2026, 11, 27))
        alerts[label] = Alert.objects.get(case=case, state="new")
    # A liaison keeps seeing a closed alert of a covered country for 30 days, then no more.
    alerts["closed_recently"] = closed_alert(cast, clock, days_ago=10)
    alerts["closed_long_ago"] = closed_alert(cast, clock, days_ago=45)

    everywhere = ["KZ", "KG", "TR"]
    rooms = make_provider(cast.provider_org, "Calm Rooms counselling", services=["mhpss_focused"],
                          countries=everywhere, languages=["ug", "ru"])
    desk = make_provider(cast.clinic, "Harbour asylum desk", services=["legal_aid"], countries=everywhere,
                         languages=["tr", "en"])
    unlisted = make_provider(cast.provider_org, "Closed branch", services=["mhpss_focused"], countries=everywhere,
                             languages=["ru"])
    unlisted.is_active = False
    unlisted.save(update_fields=["is_active"])

    # The consent the client withdraws: the referral resting on it is sent first, then a second
    # consent (the newest covers the next referrals), then the first is withdrawn.
    withdrawn_consent = give_consent(cast.caseworker, own, rooms)
    ended = refer(cast.caseworker, own, rooms)
    own_consent = give_consent(cast.caseworker, own, rooms)
    consent_services.consent_withdraw(actor=cast.caseworker, consent=withdrawn_consent, note="Client decided.")
    withdrawn_consent.refresh_from_db()
    ended.refresh_from_db()
    assert ended.state == ReferralState.WITHDRAWN and ended.consent_id == withdrawn_consent.pk
    referrals = {
        "own_sent": refer(cast.caseworker, own, rooms),
        "own_draft": refer(cast.caseworker, own, rooms, send=False),
        "own_accepted": referral_services.referral_accept(actor=cast.provider, referral=refer(
            cast.caseworker, own, rooms)),
        "own_consent_withdrawn": ended,
        # Sent without consent in an emergency: the supervisor's override, to the clinic.
        "own_override": refer(cast.supervisor, own, desk, services=("legal_aid",), priority="urgent",
                              override_reason="Fictional: removal tomorrow, client unreachable."),
    }
    other_consent = give_consent(cast.other_caseworker, other, rooms)
    give_consent(cast.other_caseworker, other, desk, purpose="legal")
    referrals["other_sent"] = refer(cast.other_caseworker, other, rooms)
    referrals["other_legal"] = refer(cast.other_caseworker, other, desk, services=("legal_aid",))
    shared_consent = give_consent(cast.other_caseworker, shared, rooms)
    referrals["shared_sent"] = refer(cast.other_caseworker, shared, rooms)
    consents = {"own": own_consent, "own_withdrawn": withdrawn_consent, "other": other_consent,
                "shared": shared_consent}

    def request(actor, case, kind, **extra):
        extra.setdefault("recipient_kind", "court")
        return finish(document_services.document_request(actor=actor, case=case, kind=kind, language="en", **extra))

    documents = {f"{label}_summary": request(owner[label], case, "case_summary") for label, case in cases.items()}
    documents["own_clinic_packet"] = request(cast.lawyer, own, "asylum_packet")
    documents["own_ngo_packet"] = request(cast.caseworker, own, "asylum_packet")
    documents["own_alert_sheet"] = request(cast.liaison, own, "alert_sheet", alert=alerts["own"],
                                           recipient_kind="unhcr")
    documents["other_alert_sheet"] = request(cast.other_caseworker, other, "alert_sheet", alert=alerts["other"],
                                             recipient_kind="unhcr")

    exhibits, needs = {}, {}
    for label, case, actor in (("own_ngo", own, cast.caseworker), ("own_clinic", own, cast.lawyer),
                               ("other", other, cast.other_caseworker), ("shared", shared, cast.other_caseworker)):
        exhibit = filings.exhibit_add(actor=actor, case=case, section="client", title="Passport", upload=pdf_upload())
        need = filings.need_add(actor=actor, case=case, person=case.people.get(relationship="principal"),
                                category="medical", description="Fictional: needs a doctor.")
        exhibits[label], needs[label] = Filed(exhibit, case), Filed(need, case)
    # Another case's exhibit and need in the URL of the caseworker's own case: never found.
    exhibits["other_in_own_url"] = Filed(exhibits["other"].record, own)
    needs["other_in_own_url"] = Filed(needs["other"].record, own)
    exhibits["own_ngo_in_shared_url"] = Filed(exhibits["own_ngo"].record, shared)
    # A security key (second factor) of the caseworker's and one of another organisation's caseworker.
    from allauth.mfa.models import Authenticator

    security_keys = {
        label: Authenticator.objects.create(user=user, type=Authenticator.Type.WEBAUTHN,
                                            data={"name": f"Fictional key of {label}", "credential": {}})
        for label, user in (("caseworker", cast.caseworker), ("other_caseworker", cast.other_caseworker))
    }
    # Retention reviews, scheduled when a case is closed: one of each NGO's.
    reviews = {}
    for label, actor, country in (("own", cast.caseworker, "KZ"), ("other", cast.other_caseworker, "TR")):
        closed = open_case(actor, country=country, passport_number="")
        case_services.case_change_status(actor=actor, case=closed, expected_version=closed.version, to_status="closed",
                                         reason="Moved on", effective_on=datetime.date(2026, 11, 20))
        reviews[label] = RetentionReview.objects.get(case=closed)
    # Possible duplicates: every case's principal is the same fictional man, so registration queued
    # these pairs (the caseworker's two cases; the caseworker's and the other NGO's; and the case
    # the other NGO shares with the caseworker's).
    def candidate(case_a, case_b):
        first, second = sorted(case.people.get(relationship="principal").pk for case in (case_a, case_b))
        return DuplicateCandidate.objects.get(first_id=first, second_id=second)

    duplicates = {"own_pair": candidate(own, reviews["own"].case), "across": candidate(own, other),
                  "with_shared": candidate(own, shared)}
    return World(cases=cases, alerts=alerts, consents=consents, referrals=referrals,
                 providers={"rooms": rooms, "desk": desk, "unlisted": unlisted}, documents=documents,
                 exhibits=exhibits, needs=needs, security_keys=security_keys, reviews=reviews,
                 duplicates=duplicates)


@pytest.fixture
def world(cast, settings, tmp_path, clock):
    settings.MEDIA_ROOT = tmp_path
    return build_world(cast, clock)


# --- The matrix -----------------------------------------------------------------------------------

REFUSED = {403, 404}


@dataclass
class Route:
    name: str
    kind: str  # which of the world's collections the URL points at
    kwargs: Callable  # obj -> URL kwargs
    visible: Callable  # (user, obj) -> may the user know the object exists?
    allowed: Callable  # (user, obj) -> may the user do what a POST does (and see the page)?
    data: Callable = lambda user, obj: {}  # a valid POST: refused only by the access rules
    post_only: bool = False
    get_allowed: Callable | None = None  # when seeing the page differs from acting
    ok_get: Callable = lambda obj: {200}
    ok_post: Callable = lambda obj: {302}
    refused: frozenset = frozenset(REFUSED)
    post_writes: Callable = lambda obj: True  # an allowed POST answered with a redirect has written
    objects: tuple = ()  # which objects of the collection (all when empty)
    read_only: bool = False  # a page that answers a POST as a GET


def case_kwargs(case):
    return {"public_id": case.public_id}


def public_id(obj):
    return {"public_id": obj.public_id}


def case_form_data(prefix, **values):
    return {f"{prefix}-{key}": value for key, value in values.items()}


def principal(case):
    return case.people.get(relationship="principal")


def referral_form_data(case, provider):
    return {
        "person": principal(case).pk, "provider": provider.pk, "services_requested": ["mhpss_focused"],
        "priority": "normal", "reasons": "Fictional: sleep problems.", "data_categories": ["names", "languages"],
    }


def consent_form_data(case, recipient):
    return {
        "person": principal(case).pk, "recipient": recipient.pk, "purpose": "psychosocial",
        "data_categories": ["names"], "obtained_on": TODAY_ISO, "method": "written", "language": "ug",
    }


def rooms():
    """The psychosocial provider of the world, the one new referrals and consents name."""
    from referrals.models import ServiceProvider

    return ServiceProvider.objects.get(name="Calm Rooms counselling")


def referral_visible(user, referral):
    return rp.is_referrer_side(user, referral) or rp.provider_may_open(user, referral)


def filed_visible(user, filed):
    """The case in the URL decides first; preparing its filing, the user sees only their organisation's."""
    case = filed.url_case
    if not cp.can_view_case(user, case):
        return False
    if not dp.can_prepare_filing(user, case):
        return True  # refused for the case itself, before the record is looked up
    return filed.case.pk == case.pk and filed.record.filing.organisation_id == user.organisation_id


def filed_kwargs(id_name):
    return lambda filed: {"public_id": filed.url_case.public_id, id_name: filed.record.pk}


def filing_version(user, case):
    from reports.models import Filing

    filing = Filing.objects.filter(case=case, organisation_id=user.organisation_id).first()
    return filing.version if filing else 0


def edit_ok(referral):
    return {200} if referral.state == ReferralState.DRAFT else {302}  # a sent one: back to its page


STEP_DATA = {
    "send": lambda r: {"send-version": r.version, "send-override_reason": ""},
    "accept": lambda r: {"accept-note": "Fictional: we take the client on."},
    "decline": lambda r: {"decline-reason": "no_capacity", "decline-note": ""},
    "progress": lambda r: {"progress-note": "Fictional: first session held."},
    "outcome": lambda r: {"outcome-outcome": "services_provided", "outcome-note": ""},
    "follow_up": lambda r: {"follow_up-note": "Fictional: called the provider."},
    "close": lambda r: {"close-note": "Fictional: client satisfied."},
    "withdraw": lambda r: {"withdraw-note": "Fictional: client moved."},
    "review": lambda r: {"review-review": "justified", "review-note": ""},
    "no-such-step": lambda r: {"note": "x"},
}
STEP_ALLOWED = {
    "send": lambda u, r: r.state == ReferralState.DRAFT and rp.can_act_as_referrer(u, r),
    "accept": lambda u, r: rp.can_move_referral(u, r, ReferralState.ACCEPTED),
    "decline": lambda u, r: rp.can_move_referral(u, r, ReferralState.DECLINED),
    "progress": rp.can_record_progress,
    "outcome": lambda u, r: rp.can_move_referral(u, r, ReferralState.COMPLETED),
    "follow_up": rp.can_follow_up,
    "close": lambda u, r: rp.can_move_referral(u, r, ReferralState.CLOSED),
    "withdraw": lambda u, r: rp.can_move_referral(u, r, ReferralState.WITHDRAWN),
    "review": lambda u, r: bool(r.is_override and not r.override_review and r.state != ReferralState.DRAFT
                                and rp.can_review_override(u, r)),
    "no-such-step": never,
}


# Each step on the referrals where who may take it differs: a live one, an accepted one, one whose
# consent was withdrawn, one the clinic's lawyer answers without seeing the case; sending on a draft,
# the review on the override.
ANSWERED = ("own_sent", "own_accepted", "own_consent_withdrawn", "other_legal")
STEP_REFERRALS = {
    "send": ("own_draft", "own_sent", "own_consent_withdrawn"),
    "withdraw": ("own_draft", *ANSWERED),
    "review": ("own_override", "own_sent"),
    "no-such-step": ("own_sent",),
}


def step_route(step):
    return Route(
        f"referrals:step[{step}]", "referrals", lambda r: {"public_id": r.public_id, "step": step},
        referral_visible, STEP_ALLOWED[step], data=lambda user, r: STEP_DATA[step](r), post_only=True,
        # A step the referral's state does not allow is refused with the form (400) before the side is asked.
        refused=frozenset({400, 403}) if step != "no-such-step" else frozenset({404}),
        objects=STEP_REFERRALS.get(step, ANSWERED),
    )


def own_key(user, key):
    return key.user_id == user.pk


def alert_open(alert):
    return alert.state in OPEN_ALERT_STATES


def alert_sheet_allowed(user, alert):
    return dp.can_generate_document(user, alert.case, DocumentKind.ALERT_SHEET, alert=alert, recipient_kind="unhcr")


ROUTES = [
    # Alerts (cases app): the alert's id in the URL.
    Route("cases:alert_detail", "alerts", public_id, cp.can_view_alert, cp.can_view_alert, ok_post=lambda a: {200},
          read_only=True),
    # Acknowledging what is no longer new only says so (a redirect with a message, nothing written).
    Route("cases:alert_acknowledge", "alerts", public_id, cp.can_view_alert, cp.can_work_alert, post_only=True,
          post_writes=lambda a: a.state == AlertState.NEW),
    # On a closed alert nobody records an intervention or closes it again: the form says why (400).
    Route("cases:alert_intervention", "alerts", public_id, cp.can_view_alert,
          lambda u, a: cp.can_record_intervention(u, a) and alert_open(a), post_only=True,
          data=lambda u, a: case_form_data(
              "intervention", kind="lawyer_instructed", done_at="2026-11-28T08:00", note="Fictional call."),
          refused=frozenset({400, 403})),
    Route("cases:alert_close", "alerts", public_id, cp.can_view_alert,
          lambda u, a: cp.can_work_alert(u, a) and alert_open(a), post_only=True,
          data=lambda u, a: case_form_data("close", outcome="resolved", note="Fictional: released."),
          refused=frozenset({400, 403})),
    Route("reports:alert_new", "alerts", public_id, cp.can_view_alert, alert_sheet_allowed, post_only=True,
          data=lambda u, a: case_form_data("sheet", language="en", recipient_kind="unhcr")),
    # The referring side on a case.
    Route("referrals:consent_new", "cases", case_kwargs, cp.can_view_case, rp.can_record_consent,
          data=lambda u, c: consent_form_data(c, rooms().organisation)),
    Route("referrals:new", "cases", case_kwargs, cp.can_view_case, rp.can_refer_case,
          data=lambda u, c: referral_form_data(c, rooms())),
    Route("referrals:consent_withdraw", "consents", lambda c: {"consent_id": c.pk},
          lambda u, c: rp.can_view_case_referrals(u, c.case), rp.can_withdraw_consent,
          data=lambda u, c: {"note": "Fictional: client changed their mind."},
          ok_post=lambda c: {400} if c.withdrawn_at else {302}),  # withdrawing twice is refused
    # One referral, either side.
    Route("referrals:detail", "referrals", public_id, referral_visible, referral_visible, ok_post=lambda r: {200},
          read_only=True),
    Route("referrals:edit", "referrals", public_id, referral_visible, rp.can_act_as_referrer,
          data=lambda u, r: {**referral_form_data(r.case, r.provider), "version": r.version},
          ok_get=edit_ok, post_writes=lambda r: r.state == ReferralState.DRAFT),
    *[step_route(step) for step in STEP_DATA],
    # The directory.
    Route("referrals:provider", "providers", lambda p: {"provider_id": p.pk},
          lambda u, p: rp.can_view_directory(u) and p.is_active, rp.can_update_provider,
          get_allowed=lambda u, p: rp.can_view_directory(u) and p.is_active,
          data=lambda u, p: {"version": p.version, "capacity": "waitlist", "contact_details": "Fictional desk"}),
    # Documents and filing materials on a case.
    Route("reports:new", "cases", case_kwargs, cp.can_view_case,
          lambda u, c: dp.can_generate_document(u, c, DocumentKind.CASE_SUMMARY, recipient_kind="court"),
          post_only=True, data=lambda u, c: case_form_data("document", kind="case_summary", language="ru",
                                                           recipient_kind="court")),
    Route("reports:filing", "cases", case_kwargs, cp.can_view_case, dp.can_prepare_filing,
          data=lambda u, c: case_form_data("filing", version=filing_version(u, c), programme="Fictional")),
    Route("reports:exhibit_add", "cases", case_kwargs, cp.can_view_case, dp.can_prepare_filing, post_only=True,
          data=lambda u, c: {**case_form_data("exhibit", section="client", title="Summons"),
                             "exhibit-upload": pdf_upload()}),
    Route("reports:need_add", "cases", case_kwargs, cp.can_view_case, dp.can_prepare_filing, post_only=True,
          data=lambda u, c: case_form_data("need", person=principal(c).pk, category="medical",
                                           description="Fictional: diabetes.")),
    Route("reports:exhibit_change", "exhibits", filed_kwargs("exhibit_id"), filed_visible,
          lambda u, f: dp.can_prepare_filing(u, f.url_case), post_only=True,
          data=lambda u, f: {"operation": "remove"}),
    Route("reports:need_remove", "needs", filed_kwargs("need_id"), filed_visible,
          lambda u, f: dp.can_prepare_filing(u, f.url_case), post_only=True),
    # Generated documents.
    Route("reports:status", "documents", public_id, dp.can_view_document, dp.can_view_document,
          ok_post=lambda d: {200}, read_only=True),
    Route("reports:download", "documents", public_id, dp.can_view_document, dp.can_view_document,
          ok_post=lambda d: {200}, read_only=True),
    # Retention: an organisation's supervisors decide its own reviews (keep longer, or erase the file).
    Route("cases:retention_review", "reviews", lambda r: {"review_id": r.pk}, cp.can_decide_retention_review,
          cp.can_decide_retention_review, data=lambda u, r: {"keep_for": "730", "reason": "Fictional: appeal"}),
    Route("cases:retention_review_erase", "reviews", lambda r: {"review_id": r.pk}, cp.can_decide_retention_review,
          cp.can_decide_retention_review,
          data=lambda u, r: {"confirm_reference": r.case_reference, "current_password": PASSWORD}),
    # Possible duplicates: the pair is seen by who sees both records; a supervisor who may edit both
    # proposes a merge (with the password again).
    Route("cases:duplicate_detail", "duplicates", lambda c: {"candidate_id": c.pk}, cp.can_view_both_records,
          cp.can_propose_merge, get_allowed=cp.can_view_both_records,
          data=lambda u, c: {"action": "propose", "propose-version": c.version, "propose-survivor": c.first_id,
                             "propose-current_password": PASSWORD}),
    # One's own account: a security key is its owner's alone (there is no permission to ask).
    Route("mfa_remove_webauthn", "security_keys", lambda key: {"pk": key.pk}, own_key, own_key,
          post_writes=lambda key: False),  # allauth's tables are not in the audit trail
]


def writes():
    return LogEntry.objects.exclude(action=LogEntry.Action.ACCESS).count()


def url_name(route):
    return route.name.split("[", 1)[0]


def reads():
    return LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count()


def ask(client, method, url, data):
    """One request in a savepoint that is rolled back: (response, whether it wrote anything).

    A read recorded in the audit trail counts as written when the request was refused: the trail
    must not say someone opened a file they were turned away from.
    """
    with transaction.atomic():
        before, read_before = writes(), reads()
        response = getattr(client, method)(url, data)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        wrote = writes() != before or (response.status_code in (403, 404) and reads() != read_before)
        transaction.set_rollback(True)
    return response, wrote


def check(client, user, route, obj, problems, *, decide, get=True, post=True):
    """GET and POST one URL as `user`; return how many combinations were checked."""
    url = reverse(url_name(route), kwargs=route.kwargs(obj))
    visible = decide(route.visible)
    may_act = visible and decide(route.allowed)
    may_see = visible and decide(route.get_allowed or route.allowed)
    where = (user.username, route.name, obj)
    if get:
        response, wrote = ask(client, "get", url, {})
        if route.post_only:
            expected = {405}
        elif not visible:
            expected = {404}
        elif may_see:
            expected = route.ok_get(obj)
        else:
            expected = route.refused
        if response.status_code not in expected:
            problems.append(("GET", *where, response.status_code, sorted(expected)))
        if wrote:
            problems.append(("GET wrote", *where))
    if not post:
        return 1
    # POST, with data that would be accepted
    response, wrote = ask(client, "post", url, route.data(user, obj))
    if not visible:
        expected = {404}
    elif may_act:
        expected = route.ok_post(obj)
    else:
        expected = route.refused
    if response.status_code not in expected:
        problems.append(("POST", *where, response.status_code, sorted(expected)))
    if wrote and not may_act:
        problems.append(("POST wrote", *where))
    if may_act and response.status_code == 302 and route.post_writes(obj) and not wrote:
        problems.append(("allowed POST wrote nothing", *where))
    return 2 if get else 1


def just_logged_in(client, user):
    """As after typing the password again a moment ago: allauth asks for it before a second factor changes."""
    import time

    from allauth.account.internal.flows import login

    session = client.session
    session[login.AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time(), "username": user.username, "reauthenticated": True}]
    session[login._AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()
    return client


def worth_asking(route, key, visible):
    """Every step where the role sees the referral, and on the one whose consent was withdrawn; on other
    referrals the role may not see, one step of each side (the referral is looked up before the step)."""
    if not route.name.startswith("referrals:step[") or visible or key == "own_consent_withdrawn":
        return True
    return route.name in ("referrals:step[accept]", "referrals:step[withdraw]", "referrals:step[no-such-step]")


def run_routes(cast, world, logged_in, routes):
    """Every route x role x object; returns (problems, combinations checked, combinations allowed)."""
    problems, checked, granted = [], 0, 0
    for role in ROLES:
        user = cast.by_role()[role]
        client = just_logged_in(logged_in(user), user)
        refused_get, answers = set(), {}
        for route in routes:
            objects = getattr(world, route.kind)
            for index, key in enumerate(route.objects or objects):
                obj = objects[key]

                def decide(predicate, obj=obj):
                    # Permission predicates are slow-ish (object grants) and the world does not change
                    # between requests (each is rolled back): ask each once per user and object.
                    if (predicate, id(obj)) not in answers:
                        answers[predicate, id(obj)] = bool(predicate(user, obj))
                    return answers[predicate, id(obj)]

                if not worth_asking(route, key, decide(route.visible)):
                    continue
                # A POST-only URL answers 405 to a GET before it looks anything up: once per URL pattern.
                get = not route.post_only or url_name(route) not in refused_get
                refused_get.add(url_name(route))
                # A read-only page answers a POST as a GET: asked once per route and role.
                post = not route.read_only or index == 0
                checked += check(client, user, route, obj, problems, decide=decide, get=get, post=post)
                granted += decide(route.visible) and decide(route.allowed)
    return problems, checked, granted


def report(problems):
    return "\n".join(str(problem) for problem in problems[:60]) + (
        f"\n... and {len(problems) - 60} more" if len(problems) > 60 else "")


def group_of(route):
    """Grouped so that one world serves many URLs, and a failure names the part of the project."""
    if route.kind == "alerts":
        return "alerts"
    if route.kind == "referrals":
        return "referrals"
    if route.kind in ("security_keys", "reviews"):
        return "account_and_retention"
    return "referring_side" if route.name.startswith("referrals:") else "documents_and_filings"


GROUPS = ["alerts", "referring_side", "referrals", "documents_and_filings", "account_and_retention"]


@pytest.mark.parametrize("group", GROUPS)
def test_no_unauthorised_success_and_out_of_scope_is_404(cast, world, logged_in, group):
    routes = [route for route in ROUTES if group_of(route) == group]
    problems, checked, granted = run_routes(cast, world, logged_in, routes)
    print(f"{group}: {checked} URL x role x object x method combinations, {granted} allowed")
    assert not problems, report(problems)
    assert granted > 0 and checked > 2 * granted  # both sides of the matrix were exercised


# --- Pages without an object: who may open them at all -------------------------------------------

@dataclass
class Page:
    name: str
    allowed: Callable  # user -> bool
    ok_get: Callable = lambda user: {200}
    ok_post: Callable = lambda user: {200}  # an empty POST: a read page answers as to a GET, a form says 400
    refused: frozenset = frozenset({403})


def landing(user):
    return {302} if rp.works_only_on_referrals(user) else {200}  # a provider lands in the inbox


PAGES = [
    Page("home", lambda user: True, ok_get=landing, ok_post=landing),
    Page("cases:list", lambda user: True, ok_post=lambda user: {302}),  # a search is kept, then shown
    Page("cases:create", cp.can_create_case, ok_post=lambda user: {400}),
    Page("cases:registration_matches", cp.can_create_case, ok_get=lambda user: {405}),  # POST only
    Page("cases:person_search", lambda user: True, ok_post=lambda user: {400}),  # an empty search: a message
    Page("cases:export", cp.can_export_caseload, ok_post=lambda user: {400}),  # the password is asked again
    Page("cases:audit", cp.can_view_audit_log),
    Page("cases:alert_queue", cp.can_view_alert_queue),
    Page("cases:risk_rules", cp.can_view_risk_rules),
    Page("referrals:inbox", rp.can_view_referral_inbox),
    Page("referrals:directory", rp.can_view_directory),
    Page("reports:verify", lambda user: True, ok_post=lambda user: {400}),
    # Retention pages do not tell others they exist.
    Page("cases:retention_queue", cp.can_manage_retention, refused=frozenset({404})),
    Page("cases:retention_schedule", cp.can_manage_retention, refused=frozenset({404})),
    Page("cases:erasure_records", cp.can_view_erasure_records, refused=frozenset({404})),
    # Everyone gets the duplicate queue: it lists only the pairs (or signals) the user may see.
    Page("cases:duplicate_queue", lambda user: True),
]


def test_pages_without_an_object_answer_only_those_who_may_open_them(cast, logged_in):
    problems, checked, granted = [], 0, 0
    for role in ROLES:
        user = cast.by_role()[role]
        client = logged_in(user)
        for page in PAGES:
            may = page.allowed(user)
            granted += may
            for method, ok in (("get", page.ok_get), ("post", page.ok_post)):
                response, wrote = ask(client, method, reverse(page.name), {})
                expected = ok(user) if may else page.refused
                checked += 1
                if response.status_code not in expected:
                    problems.append((method, role, page.name, response.status_code, sorted(expected)))
                if wrote:
                    problems.append((method, "wrote", role, page.name))
    print(f"pages: {checked} URL x role x method combinations, {granted} allowed")
    assert not problems, report(problems)
    assert 0 < granted < len(ROLES) * len(PAGES)


# --- Lists show exactly what the user may see -----------------------------------------------------

def test_lists_show_exactly_the_objects_the_user_may_see(cast, world, logged_in):
    guard_the_expectations(cast, world)
    problems, checked = [], 0
    for role in ROLES:
        user = cast.by_role()[role]
        client = logged_in(user)
        case_list = client.get(reverse("cases:list")).content.decode()
        for label, case in world.cases.items():
            checked += 1
            if (case.reference in case_list) != cp.can_view_case(user, case):
                problems.append(("case list", role, label, case.reference in case_list))
        if cp.can_view_alert_queue(user):
            queue = client.get(reverse("cases:alert_queue"), {"state": "all"}).content.decode()
            for label, alert in world.alerts.items():
                checked += 1
                if (str(alert.public_id) in queue) != cp.can_view_alert(user, alert):
                    problems.append(("alert queue", role, label, str(alert.public_id) in queue))
        if rp.can_view_referral_inbox(user):
            inbox = client.get(reverse("referrals:inbox")).content.decode()
            answering = rp.answers_for(user)
            for label, referral in world.referrals.items():
                shown = str(referral.public_id) in inbox
                checked += 1
                if rp.provider_may_open(user, referral) and not shown:
                    problems.append(("inbox misses", role, label))
                if referral.provider.organisation_id != answering.pk and shown:
                    problems.append(("inbox shows another organisation's referral", role, label))
        if rp.can_view_directory(user):
            directory = client.get(reverse("referrals:directory")).content.decode()
            for label, provider in world.providers.items():
                checked += 1
                shown = reverse("referrals:provider", args=[provider.pk]) in directory
                if shown != provider.is_active:
                    problems.append(("directory", role, label, shown))
        # A verification code tells only those who may open the document that it is genuine.
        for label, document in world.documents.items():
            page = client.post(reverse("reports:verify"), {"code": document.verification_code}).content.decode()
            checked += 1
            if (document.sha256 in page) != dp.can_view_document(user, document):
                problems.append(("verification code", role, label, document.sha256 in page))
    # What the provider side reads of a referral it may open: the consented data, never the case file's
    # reference; a legal referral shows only the de-identified summary until it is accepted.
    name = principal(world.cases["own"]).given_name_ug_latn
    for user, key, shows_name in ((cast.provider, "own_sent", True), (cast.lawyer, "other_legal", False),
                                  (cast.caseworker, "own_sent", True)):
        referral = world.referrals[key]
        page = logged_in(user).get(reverse("referrals:detail", args=[referral.public_id])).content.decode()
        checked += 1
        if (name in page) != shows_name:
            problems.append(("referral page names the client", user.username, key, name in page))
        if rp.side_of(user, referral) != "referrer" and referral.case.reference in page:
            problems.append(("referral page shows the case reference to the provider side", user.username, key))
    print(f"lists: {checked} role x object checks")
    assert not problems, report(problems)


# --- The admin: organisation administrators only, and only their own organisation -----------------

def admin_targets(cast, case, provider):
    from cases.models import CountryProfile

    profile = CountryProfile.objects.get(country="KZ")
    entry = LogEntry.objects.exclude(action=LogEntry.Action.ACCESS).first()
    colleague, stranger = cast.caseworker2.pk, cast.other_caseworker.pk
    # (name, args, what the organisation's administrator gets for GET and for an empty POST)
    found, elsewhere = {200}, {302}  # the admin answers an object outside its list with a redirect home
    return [
        ("admin:index", [], found, found),
        ("admin:cases_user_changelist", [], found, found),
        ("admin:cases_user_change", [colleague], found, found),  # an empty POST: the form's errors
        ("admin:cases_user_change", [stranger], elsewhere, elsewhere),
        ("admin:auth_user_password_change", [colleague], found, found),
        ("admin:auth_user_password_change", [stranger], {404}, {404}),
        # The organisation is read-only to its administrator; the case list holds no case they may not see.
        ("admin:cases_organisation_change", [cast.ngo.pk], found, {403}),
        ("admin:cases_organisation_change", [cast.other_ngo.pk], elsewhere, {403}),
        ("admin:cases_case_change", [case.pk], elsewhere, {403}),
        ("admin:cases_countryprofile_change", [profile.pk], {403}, {403}),
        ("admin:referrals_serviceprovider_change", [provider.pk], {403}, {403}),
        ("admin:auditlog_logentry_change", [entry.pk], {403}, {403}),
    ]


def test_the_admin_is_for_organisation_administrators_within_their_organisation(cast, own_case, logged_in):
    provider = make_provider(cast.provider_org, "Calm Rooms", services=["mhpss_focused"], countries=["KZ"],
                             languages=["ru"])
    targets = admin_targets(cast, own_case, provider)
    problems, checked = [], 0
    for role in ROLES:
        user = cast.by_role()[role]
        client = logged_in(user)
        administers = cp.can_administer_organisation(user)
        # Not staff: Django's admin_view sends them to log in before any object is looked up; a few
        # URLs show it, the organisation's administrator gets every row.
        for name, args, ok_get, ok_post in targets if administers else targets[:3] + targets[6:8]:
            url = reverse(name, args=args)
            for method, ok in (("get", ok_get), ("post", ok_post)):
                response, wrote = ask(client, method, url, {})
                checked += 1
                if administers:
                    good = response.status_code in ok
                    if response.status_code == 302 and ok == {302}:
                        good = response["Location"] == reverse("admin:index")
                else:
                    good = response.status_code == 302 and response["Location"].startswith("/admin/login/")
                if not good:
                    problems.append((method, role, name, args, response.status_code, response.get("Location")))
                if wrote:
                    problems.append((method, "wrote", role, name, args))
    print(f"admin: {checked} URL x role x method combinations")
    assert not problems, report(problems)


# --- Completeness: every URL with an object in it has a row in a matrix ---------------------------

def object_routes(patterns=None, namespace=""):
    """Full names of the named routes (outside Django's admin) that take an argument, and the rest."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from object_routes(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", bool(getattr(pattern.pattern, "converters", {}))


def test_every_url_with_an_object_is_in_a_matrix():
    in_matrices = {url_name(route) for route in ROUTES} | {name for name, *_rest in CASE_URLS}
    with_object = {name for name, takes_argument in object_routes() if takes_argument}
    missing = with_object - in_matrices
    assert not missing, f"add these URLs to an access matrix: {sorted(missing)}"
    assert not in_matrices - with_object, "the matrix lists URLs that no longer exist"


def test_every_page_of_the_apps_is_in_the_page_matrix():
    apps = ("cases:", "referrals:", "reports:")
    pages = {name for name, takes_argument in object_routes() if not takes_argument and name.startswith(apps)}
    assert pages == {page.name for page in PAGES if page.name.startswith(apps)}


def guard_the_expectations(cast, world):
    """Guard the matrix against passing because it expects nobody, or everybody, to be allowed."""
    own_alert, other_alert = world.alerts["own"], world.alerts["other"]
    assert cp.can_view_alert(cast.liaison, world.alerts["closed_recently"])
    assert not cp.can_view_alert(cast.liaison, world.alerts["closed_long_ago"])
    assert cp.can_work_alert(cast.liaison, own_alert) and not cp.can_view_alert(cast.liaison, other_alert)
    assert cp.can_view_alert(cast.caseworker, own_alert) and not cp.can_work_alert(cast.caseworker, own_alert)
    sent, ended = world.referrals["own_sent"], world.referrals["own_consent_withdrawn"]
    assert rp.provider_may_open(cast.provider, sent) and not referral_visible(cast.provider, ended)
    assert referral_visible(cast.caseworker, ended)  # the referring side keeps its record
    assert referral_visible(cast.lawyer, world.referrals["other_legal"])  # as the provider side only
    assert not cp.can_view_case(cast.lawyer, world.cases["other"])
    packet = world.documents["own_clinic_packet"]
    assert dp.can_view_document(cast.lawyer, packet) and not dp.can_view_document(cast.caseworker, packet)
    assert not filed_visible(cast.supervisor, world.exhibits["shared"])  # another organisation's materials


def test_a_refused_case_form_records_no_read_of_the_file(cast, own_case, logged_in):
    """Regression: the case forms recorded a read in the audit trail before refusing (403) a user who
    may see the case but not edit it; the trail then said they had opened the form's data."""
    access.case_share(actor=cast.caseworker, case=own_case, organisation=cast.clinic, purpose="Asylum")
    client = logged_in(cast.lawyer)
    for name in ("cases:edit", "cases:status", "cases:person_add", "referrals:consent_new", "referrals:new",
                 "reports:filing"):
        before = reads()
        expected = 200 if name == "reports:filing" else 403  # the clinic prepares its own filing
        assert client.get(reverse(name, kwargs={"public_id": own_case.public_id})).status_code == expected, name
        assert (reads() > before) == (expected == 200), name
    # A liaison whose office the case is shared with reads the file but prepares no filing.
    access.case_share(actor=cast.caseworker, case=own_case, organisation=cast.unhcr, purpose="Alert")
    before = reads()
    assert logged_in(cast.liaison).get(reverse("reports:filing", args=[own_case.public_id])).status_code == 403
    assert reads() == before
