"""Filter vocabulary for cases and alerts. Never takes a user: who may see what is `selectors.visible_cases`."""

from django.db import models

from cases.choices import OPEN_ALERT_STATES, CaseStatus

CLOSED_STATUSES = (CaseStatus.CLOSED, CaseStatus.RESETTLED, CaseStatus.DEPARTED)


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status__in=CLOSED_STATUSES)

    def in_country(self, country_code):
        return self.filter(host_country=country_code)

    def assigned_to(self, user):
        """Cases on which `user` is an assigned caseworker (a fact, not an access decision)."""
        from cases.models import CaseAssignment

        return self.filter(
            models.Exists(CaseAssignment.objects.filter(case=models.OuterRef("pk"), user=user))
        )

    def matching(self, term, phone_regions=()):
        """Cases whose reference, a person's name in any script, a document number or a phone matches.

        Every word must occur in the same person's names, in any order and any script. A phone
        typed without a +country prefix is tried in each of `phone_regions`. Each kind of match
        is an uncorrelated subquery, evaluated once rather than once per case.
        """
        from cases import phones
        from cases.encryption import blind_index
        from cases.models import IdentityDocument, Person, PersonPhone
        from cases.text import fold_for_search, normalise_document_number

        term = term.strip()
        if not term:
            return self
        if not any(ch.isdigit() for ch in term):
            # Names have no digits, and references, document and phone numbers always do: a
            # query is one or the other, and a lone condition lets the database join rather
            # than test every case against an OR.
            people = Person.objects.all()
            for word in fold_for_search(term).split():
                people = people.filter(search_names__contains=word)
            return self.filter(pk__in=people.values("case_id"))
        condition = models.Q(reference=term.upper())  # references are stored upper-case
        # Document and phone numbers are encrypted: they are found by their blind index (an HMAC
        # of the normalised number), exact matches only.
        if normalise_document_number(term):
            documents = IdentityDocument.objects.filter(number_index=blind_index("document", term))
            condition |= models.Q(pk__in=documents.values("person__case_id"))
        numbers = phones.search_candidates(term, phone_regions)
        if numbers:
            indexes = [blind_index("phone", number) for number in numbers]
            condition |= models.Q(pk__in=PersonPhone.objects.filter(number_index__in=indexes).values("person__case_id"))
        return self.filter(condition)


class AlertQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=OPEN_ALERT_STATES)
