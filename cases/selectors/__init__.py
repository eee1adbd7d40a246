"""Viewer-aware reads. Every list, detail, search, download and admin page starts here.

`visible_cases(user)` is the one definition of "the cases this user may see". A case outside
it is reported as not found (404), so a forbidden id and a missing id look the same.
"""

import datetime

from auditlog.models import LogEntry
from django.contrib.auth.models import Permission
from django.db.models import Case as CaseWhen
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from cases import audit, clock, permissions
from cases.choices import (
    OPEN_ALERT_STATES,
    RISK_LEVEL_RANK,
    DocumentType,
    HouseholdRelationship,
    IncidentCategory,
    OrganisationKind,
    Role,
    Sensitivity,
)
from cases.models import (
    Alert,
    Case,
    CaseAssignment,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    Organisation,
    OrganisationGroupObjectPermission,
    Person,
    RiskAssessment,
    User,
)
from cases.models.people import NAME_FIELDS
from cases.models.retention import OPEN_REVIEW_STATES, ErasureRecord, LegalHold, RetentionReview, ReviewState
from cases.models.risk import COUNTRY_FACT_NAMES, COUNTRY_FACTS, CountryProfile, CountryReturn, RiskRuleSet
from cases.risk.explain import evidence_keys, explain
from cases.roles import ASSIGNABLE_ROLES
from cases.selectors.identity import ranked_case_ids

CASE_SORTS = {
    "recent": ("-updated_at", "-pk"),
    "reference": ("reference",),
    "opened": ("-opened_on", "-pk"),
    "country": ("host_country", "reference"),
    "status": ("status", "reference"),
    "risk": ("risk_rank", "reference"),
}
DEFAULT_CASE_SORT = "recent"


def visible_cases(user) -> QuerySet[Case]:
    """Cases `user` may see: guardian grants on the case, or on the organisation that owns it.

    The same decision as `permissions.can_view_case`, as one query (see `case_visibility`).
    """
    return Case.objects.filter(case_visibility(user))


def case_visibility(user, *, case_field: str = "pk", organisation_field: str = "organisation_id") -> Q:
    """The condition of `visible_cases`, on any table that carries a case id and its organisation id.

    Per-case grants (assignment to the user, a share to one of the user's groups) are read from
    the direct-FK tables; organisation-wide grants (supervisors) from the organisation's table, so
    a supervisor's list costs an indexed `organisation_id IN (...)`, not 50,000 permission rows.
    Model-level (global) permissions are never consulted: a stray `view_case` on a group widens
    nothing. Superusers see everything, as guardian's checker lets them. Tables other than the
    cases (the name index) use it to filter their own rows without joining every visible case.
    """
    if not (user and user.is_authenticated and user.is_active):
        return Q(**{f"{case_field}__in": []})
    if user.is_superuser:
        return Q()
    group_ids = list(user.groups.values_list("pk", flat=True))
    # Permission ids as literals let the database use the (user|group, permission, case) indexes.
    perm_ids = dict(Permission.objects.filter(
        content_type__app_label="cases",
        codename__in=[permissions.VIEW_CASE, permissions.VIEW_ORGANISATION_CASES],
    ).values_list("codename", "pk"))
    organisation_ids = list(OrganisationGroupObjectPermission.objects.filter(
        group_id__in=group_ids, permission_id=perm_ids[permissions.VIEW_ORGANISATION_CASES],
    ).values_list("content_object_id", flat=True))
    granted_to_groups = CaseGroupObjectPermission.objects.filter(
        group_id__in=group_ids, permission_id=perm_ids[permissions.VIEW_CASE],
    )
    visible = Q(**{f"{case_field}__in": CaseUserObjectPermission.objects.filter(
        user_id=user.pk, permission_id=perm_ids[permissions.VIEW_CASE],
    ).values("content_object_id")})
    # Only the branches that can match: an OR with an empty branch still makes the database test
    # every case against it (a 25 ms scan at 100,000 cases), while a lone IN is a cheap join.
    if granted_to_groups.exists():
        visible |= Q(**{f"{case_field}__in": granted_to_groups.values("content_object_id")})
    if organisation_ids:
        visible |= Q(**{f"{organisation_field}__in": organisation_ids})
    return visible


def case_list(
    user,
    *,
    search: str = "",
    country: str = "",
    status: str = "",
    unhcr_status: str = "",
    risk: str = "",
    assigned_to_me: bool = False,
    sort: str = DEFAULT_CASE_SORT,
) -> QuerySet[Case]:
    """The case list page: filtered, sorted, with what each row shows fetched in a fixed number of queries."""
    cases = visible_cases(user)
    name_rank = []
    if search:
        organisation = user.organisation
        if not any(ch.isdigit() for ch in search):
            # A name: every spelling in any script, through the name index, best match first.
            name_rank = ranked_case_ids(user, search)
        if name_rank:
            cases = cases.filter(pk__in=name_rank)
        else:
            # No whole-name match: the typed letters as a substring of a stored name ("Mem"), a
            # reference, a document or phone number.
            cases = cases.matching(search, phone_regions=organisation.countries if organisation else ())
    if country:
        cases = cases.in_country(country)
    if status:
        cases = cases.filter(status=status)
    if unhcr_status:
        cases = cases.filter(unhcr_status=unhcr_status)
    if risk:
        cases = cases.filter(risk_level=risk)
    if sort == "risk":
        cases = cases.annotate(risk_rank=CaseWhen(
            *[When(risk_level=level, then=Value(-rank)) for level, rank in RISK_LEVEL_RANK.items()],
            default=Value(1), output_field=IntegerField(),
        ))
    if assigned_to_me:
        cases = cases.assigned_to(user)
    # Rows show the principal's name and the caseworkers: load just those columns.
    principals = Person.objects.filter(relationship=HouseholdRelationship.PRINCIPAL).only(
        "case_id", "relationship", *NAME_FIELDS,
    )
    assignments = CaseAssignment.objects.select_related("user").only(
        "case_id", "user__username", "user__first_name", "user__last_name",
    )
    ordering = CASE_SORTS.get(sort, CASE_SORTS[DEFAULT_CASE_SORT])
    if name_rank:
        cases = cases.annotate(name_rank=CaseWhen(
            *[When(pk=pk, then=Value(position)) for position, pk in enumerate(name_rank)],
            default=Value(len(name_rank)), output_field=IntegerField(),
        ))
        ordering = ("name_rank", *ordering)
    return cases.order_by(*ordering).prefetch_related(
        Prefetch("people", queryset=principals, to_attr="principals"),
        Prefetch("assignments", queryset=assignments),
    )


def audit_record_names(wanted: dict) -> dict:
    """The identifiers (reference, username, organisation or provider name) of the records that
    audit entries point to, as {model: {pk as text: identifier}}, one query per model.

    `wanted` maps such a model to primary keys taken from entries `audit_entries` already let
    the reader see: this adds labels to those entries, never new rows.
    """
    return {
        model: {str(obj.pk): str(obj) for obj in model._default_manager.filter(pk__in=pks)}
        for model, pks in wanted.items()
    }


def caseload_export(user, **filters) -> QuerySet[Case]:
    """The cases of a caseload export: those of `user`'s own organisation that `user` may see,
    filtered as on the case list, restricted ones left out, with household size and caseworkers
    in a fixed number of queries. Only columns without names or contact details are loaded.

    Cases shared in by another organisation stay out: their owner would never learn of the
    export (its audit entry belongs to the exporter's organisation). Restricted cases stay out
    until their need-to-know rules exist.
    """
    assignments = CaseAssignment.objects.select_related("user").only("case_id", "user__username")
    return (
        case_list(user, **filters)
        .filter(organisation_id=user.organisation_id)
        .exclude(sensitivity=Sensitivity.RESTRICTED)
        .prefetch_related(None)
        .annotate(household_size=Count("people", distinct=True))
        .only("reference", "host_country", "host_city", "status", "risk_level", "unhcr_status", "opened_on",
              "updated_at")
        .prefetch_related(Prefetch("assignments", queryset=assignments))
    )


def visible_case(user, public_id, *, audit_read: bool = False) -> Case:
    """One case the user may see, or 404. Pass `audit_read` when the page shows case data (edit forms)."""
    case = get_object_or_404(visible_cases(user).select_related("organisation"), public_id=public_id)
    if audit_read:
        audit.record_read(case)
    return case


def case_file(user, public_id) -> Case:
    """The whole case file for reading, with every section prefetched; the read is audited."""
    case = get_object_or_404(
        visible_cases(user)
        .select_related("organisation", "created_by", "risk_assessment")
        .prefetch_related(
            Prefetch(
                "people",
                queryset=Person.objects.prefetch_related("phones", "documents", "legal_statuses"),
            ),
            "relatives",
            "incidents",
            Prefetch("notes", queryset=case_notes_queryset()),
            "attachments",
            Prefetch("assignments", queryset=CaseAssignment.objects.select_related("user", "assigned_by")),
            "shares__organisation",
            "status_changes__changed_by",
        ),
        public_id=public_id,
    )
    audit.record_read(case)
    return case


def case_notes_queryset():
    from cases.models import Note

    return Note.objects.select_related("author")


def case_person(case: Case, person_id: int) -> Person:
    return get_object_or_404(case.people.all(), pk=person_id)


def case_record(case: Case, related_name: str, record_id: int):
    """A relative, incident, note or attachment of `case` by id, or 404."""
    return get_object_or_404(getattr(case, related_name).all(), pk=record_id)


def person_record(case: Case, related_name: str, record_id: int):
    """A document, phone or legal status of a person of `case` by id, or 404."""
    model = Person._meta.get_field(related_name).related_model
    return get_object_or_404(model.objects.filter(person__case=case), pk=record_id)


def case_assignment(case: Case, user_id: int) -> CaseAssignment:
    return get_object_or_404(case.assignments.select_related("user"), user_id=user_id)


def case_share(case: Case, organisation_id: int):
    return get_object_or_404(case.shares.select_related("organisation"), organisation_id=organisation_id)


def manageable_users(actor) -> QuerySet[User]:
    """The users `actor` may manage in the admin: the queryset form of `permissions.can_manage_user`."""
    if not permissions.can_administer_organisation(actor):
        return User.objects.none()
    if actor.is_superuser:
        return User.objects.all()
    fellow_administrators = Q(role=Role.ORG_ADMIN) & ~Q(pk=actor.pk)
    return User.objects.filter(organisation_id=actor.organisation_id).exclude(is_superuser=True).exclude(
        fellow_administrators
    )


def assignable_users(case: Case) -> QuerySet[User]:
    return User.objects.filter(
        organisation_id=case.organisation_id, role__in=ASSIGNABLE_ROLES, is_active=True,
    ).order_by("first_name", "last_name", "username")


def share_recipients(case: Case) -> QuerySet[Organisation]:
    return Organisation.objects.exclude(pk=case.organisation_id).filter(
        kind__in=permissions.SHAREABLE_ORGANISATION_KINDS,
    )


def audit_entries(
    user,
    *,
    action: int | None = None,
    model: str = "",
    actor_username: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    case_public_id: str = "",
) -> QuerySet[LogEntry]:
    """The audit trail an auditor may read: entries about their organisation's cases and staff.

    Scoped by the organisation stamped on each entry when it was written (`get_additional_data`
    on the models), so an entry keeps its owner even if its actor later changes organisation.
    """
    if not permissions.can_view_audit_log(user):
        return LogEntry.objects.none()
    entries = LogEntry.objects.select_related("actor", "content_type")
    if not user.is_superuser:
        entries = entries.filter(additional_data__organisation=user.organisation_id)
    if action is not None:
        entries = entries.filter(action=action)
    if model:
        entries = entries.filter(content_type__model=model)
    if actor_username:
        entries = entries.filter(actor__username=actor_username)
    if date_from:
        entries = entries.filter(timestamp__date__gte=date_from)
    if date_to:
        entries = entries.filter(timestamp__date__lte=date_to)
    if case_public_id:
        entries = entries.filter(additional_data__case=case_public_id)
    return entries.order_by("-timestamp", "-pk")


# --- Refoulement risk and alerts -----------------------------------------------------------------

def covering_liaisons(country: str) -> list[User]:
    """Active UNHCR liaisons whose office lists `country` among its countries of operation."""
    offices = [
        o.pk for o in Organisation.objects.filter(kind=OrganisationKind.UNHCR).only("pk", "countries")
        if country in (o.countries or [])
    ]
    return list(User.objects.filter(
        organisation_id__in=offices, role=Role.UNHCR_LIAISON, is_active=True,
    ).order_by("pk"))


def visible_alerts(user) -> QuerySet[Alert]:
    """Alerts `user` may see: those of the countries their UNHCR office covers, and of the cases they see."""
    if not (user and user.is_authenticated and user.is_active):
        return Alert.objects.none()
    visible = Q(case_id__in=visible_cases(user).values("pk"))
    covered = permissions.covered_countries(user)
    if covered:
        # As permissions.can_view_alert: open alerts, and closed ones for a while.
        recently = clock.now() - permissions.LIAISON_SEES_CLOSED_ALERT_FOR
        visible |= Q(country__in=covered) & (Q(state__in=OPEN_ALERT_STATES) | Q(closed_at__gte=recently))
    return Alert.objects.filter(visible)


ALERT_STATE_FILTERS = {"open": OPEN_ALERT_STATES}


def alert_queue(user, *, country: str = "", state: str = "open") -> QuerySet[Alert]:
    """The liaison queue: most urgent level first, then the nearest acknowledgement deadline."""
    alerts = visible_alerts(user)
    if country:
        alerts = alerts.filter(country=country)
    if state in ALERT_STATE_FILTERS:
        alerts = alerts.filter(state__in=ALERT_STATE_FILTERS[state])
    elif state and state != "all":
        alerts = alerts.filter(state=state)
    urgency = CaseWhen(
        *[When(level=level, then=Value(-rank)) for level, rank in RISK_LEVEL_RANK.items()],
        output_field=IntegerField(),
    )
    return alerts.select_related("case", "responsible_liaison").only(
        "public_id", "country", "trigger", "level", "state", "opened_at", "acknowledge_by", "escalated_at",
        "case__reference", "case__public_id", "responsible_liaison__username",
        "responsible_liaison__first_name", "responsible_liaison__last_name",
    ).order_by(urgency, "acknowledge_by", "pk")


def visible_alert(user, public_id) -> Alert:
    """One alert the user may see, or 404: fetched through `visible_alerts`, as the queue is."""
    return get_object_or_404(
        visible_alerts(user).select_related("case__organisation", "opened_by_assessment", "acknowledged_by",
                                            "responsible_liaison", "closed_by"),
        public_id=public_id,
    )


# What a liaison sees of the custody and removal situation (domain.md §2.4, "Custody" and "Timeline risk").
BRIEF_INCIDENT_CATEGORIES = [
    IncidentCategory.CUSTODY, IncidentCategory.RELEASED, IncidentCategory.TRANSFER,
    IncidentCategory.REMOVAL_ORDER, IncidentCategory.REMOVAL_ORDER_SUSPENDED,
    IncidentCategory.EXTRADITION_REQUEST, IncidentCategory.EXTRADITION_APPROVED,
    IncidentCategory.EXTRADITION_REFUSED, IncidentCategory.RED_NOTICE,
    IncidentCategory.DEPORTATION_PREPARATION, IncidentCategory.PRC_OFFICIALS, IncidentCategory.ACCESS_DENIED,
    IncidentCategory.HEARING, IncidentCategory.NATIONALITY_MISATTRIBUTION, IncidentCategory.TERRORISM_ACCUSATION,
    IncidentCategory.PLANNED_TRAVEL,
]


def alert_brief(alert: Alert) -> dict:
    """The minimum a liaison needs to act, read from the case without opening the file. Audited."""
    case = alert.case
    principal = (
        Person.objects.filter(case=case, relationship=HouseholdRelationship.PRINCIPAL)
        .prefetch_related("documents", "legal_statuses").first()
    )
    documents = list(principal.documents.all()) if principal else []
    # The spelling on the Chinese passport first: it is the one the authorities will use.
    passport_names = [d.name_as_printed for d in documents if d.document_type == DocumentType.PRC_PASSPORT
                      and d.name_as_printed]
    audit.record_read(case)
    return {
        "case": case,
        "principal": principal,
        "passport_names": passport_names,
        "documents": documents,
        "legal_statuses": list(principal.legal_statuses.all()) if principal else [],
        "household_size": case.people.count(),
        "incidents": list(case.incidents.filter(category__in=BRIEF_INCIDENT_CATEGORIES).order_by(
            "-occurred_on", "-pk")),
        "caseworkers": [a.user for a in case.assignments.select_related("user")],
        "interventions": list(alert.interventions.select_related("recorded_by")),
        "events": list(alert.events.select_related("actor")),
        "current_assessment": case.risk_assessment,
    }


def case_risk_history(case: Case, *, limit: int = 50) -> list[RiskAssessment]:
    return list(case.risk_assessments.select_related("rule_set").order_by("-computed_at", "-pk")[:limit])


def case_alerts(case: Case) -> QuerySet[Alert]:
    return case.alerts.select_related("responsible_liaison").order_by("-opened_at")


def risk_explanation(explanation: dict, *, show_anchors: bool = True) -> dict:
    """An assessment explained for display, with the sources of the country facts it cites."""
    sources = {}
    profile_ids = evidence_keys(explanation, "country")
    if profile_ids:
        for profile in CountryProfile.objects.filter(pk__in=profile_ids).only(
            "pk", *[f"{name}_source" for name in COUNTRY_FACT_NAMES],
        ):
            for name in COUNTRY_FACT_NAMES:
                sources[("country", profile.pk, name)] = getattr(profile, f"{name}_source")
    return_ids = evidence_keys(explanation, "country_return")
    if return_ids:
        for pk, url in CountryReturn.objects.filter(pk__in=return_ids).values_list("pk", "source"):
            sources[("country_return", pk, "")] = url
    return explain(explanation, show_anchors=show_anchors, sources=sources)


def risk_rule_sets(*, limit: int = 20) -> QuerySet[RiskRuleSet]:
    return RiskRuleSet.objects.only("fingerprint", "first_used_at")[:limit]


def country_profile_facts() -> list[dict]:
    """Every country profile as rows of (fact label, value, as of, source), with its documented returns."""
    return [
        {
            "profile": profile,
            "facts": [
                (label, getattr(profile, f"get_{name}_display")(), getattr(profile, f"{name}_as_of"),
                 getattr(profile, f"{name}_source"))
                for name, label, _choices in COUNTRY_FACTS
            ],
        }
        for profile in CountryProfile.objects.prefetch_related("returns")
    ]


def alerts_on_my_cases(user, *, limit: int = 20) -> QuerySet[Alert]:
    """Open alerts on the cases `user` is assigned to, most urgent first (the dashboard's list)."""
    mine = visible_cases(user).assigned_to(user).values("pk")
    return alert_queue(user, state="open").filter(case_id__in=mine).select_related("case")[:limit]


def own_sessions(user):
    """The browsers logged in to `user`'s account, oldest first (expired ones are removed on the way)."""
    from allauth.usersessions.models import UserSession

    return sorted(UserSession.objects.purge_and_list(user), key=lambda session: session.created_at)


# --- Retention and erasure -----------------------------------------------------------------------

# The queue also lists reviews coming up within this many days, so a supervisor can plan.
RETENTION_UPCOMING_DAYS = 90


def retention_reviews(user) -> QuerySet:
    """The retention reviews of the user's organisation, if they may manage retention; none otherwise."""
    if not permissions.can_manage_retention(user):
        return RetentionReview.objects.none()
    return RetentionReview.objects.filter(organisation_id=user.organisation_id)


def retention_queue(user) -> dict:
    """Due reviews (oldest first) and those coming up, each with its case and whether a hold is in force."""
    held = LegalHold.objects.filter(case_id=OuterRef("case_id"), lifted_at__isnull=True)
    reviews = retention_reviews(user).select_related("case").annotate(held=Exists(held))
    horizon = clock.today() + datetime.timedelta(days=RETENTION_UPCOMING_DAYS)
    return {
        "due": list(reviews.filter(state=ReviewState.DUE).order_by("due_on", "pk")),
        "upcoming": list(reviews.filter(state=ReviewState.SCHEDULED, due_on__lte=horizon).order_by("due_on", "pk")),
    }


def open_retention_review(user, review_id):
    """An undecided review of the user's organisation, or 404."""
    return get_object_or_404(
        retention_reviews(user).filter(state__in=OPEN_REVIEW_STATES, case__isnull=False)
        .select_related("case", "case__organisation"),
        pk=review_id,
    )


def case_retention(case: Case) -> dict:
    """What the case page's retention section shows: the hold in force, past holds, the open review."""
    holds = list(case.legal_holds.select_related("placed_by", "lifted_by"))
    return {
        "active_hold": next((hold for hold in holds if hold.is_active), None),
        "past_holds": [hold for hold in holds if not hold.is_active],
        "open_review": case.retention_reviews.filter(state__in=OPEN_REVIEW_STATES).first(),
    }


def active_legal_hold(case: Case):
    return case.legal_holds.filter(lifted_at__isnull=True).select_related("placed_by").first()


def erasure_preview(case: Case) -> list[tuple[str, int]]:
    """How many records of each kind erasing `case` would remove, as (record type, count) rows."""
    from cases import erasure
    from cases.models import Attachment, IdentityDocument, Incident, LegalStatus, Note, PersonPhone, Relative

    counts = erasure.previews(case)
    counts.update({
        "cases.person": case.people.count(),
        "cases.identitydocument": IdentityDocument.objects.filter(person__case=case).count(),
        "cases.legalstatus": LegalStatus.objects.filter(person__case=case).count(),
        "cases.personphone": PersonPhone.objects.filter(person__case=case).count(),
        "cases.relative": Relative.objects.filter(case=case).count(),
        "cases.incident": Incident.objects.filter(case=case).count(),
        "cases.note": Note.objects.filter(case=case).count(),
        "cases.attachment": Attachment.objects.filter(case=case).count(),
        "cases.alert": case.alerts.count(),
    })
    return record_type_counts(counts)


def record_type_counts(counts: dict) -> list[tuple[str, int]]:
    """{"cases.person": 3, ...} as (translated record type, count) rows, largest first; bookkeeping left out."""
    from django.apps import apps

    rows = []
    for label, count in counts.items():
        if not count or label in _BOOKKEEPING_LABELS:
            continue
        try:
            name = apps.get_model(label)._meta.verbose_name_plural
        except (LookupError, ValueError):
            name = label
        rows.append((name, count))
    return sorted(rows, key=lambda row: (-row[1], str(row[0])))


# Rows an erasure removes that are not records anyone wrote (permission grants, counters, indexes).
_BOOKKEEPING_LABELS = {
    "cases.caseuserobjectpermission", "cases.casegroupobjectpermission", "cases.caserevision",
    "cases.personnamekey",  # the name index: derived from the names, counted with the people
}


def erasure_records(user) -> QuerySet:
    """Erasures of the user's organisation, for its supervisors and auditors."""
    if not permissions.can_view_erasure_records(user):
        return ErasureRecord.objects.none()
    return ErasureRecord.objects.filter(organisation_id=user.organisation_id).select_related("erased_by", "review")
