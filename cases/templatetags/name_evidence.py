"""The name evidence of a match (`cases.names.score`) in words: search results, suggestions, the duplicate queue."""

from django import template
from django.utils.translation import gettext_lazy as _

from cases import names

register = template.Library()

# How the two names lined up (evidence["order"]).
ORDERS = {
    "same": _("Same order: given name with given name, father's name with father's name."),
    "swapped": _("Father's name first: the given name and the father's name are written the other way round."),
    "glued": _("Written as one word: given name and father's name without a space between them."),
    "one part": _("One name only: a single name part was compared, so this is never a strong match on its own."),
}
PARTS = {
    "given": _("given name"),
    "father": _("father's name"),
    "name": _("the name"),
    "part": _("one part of the name"),
}
GLUED_HALVES = (_("first part of the name written as one word"), _("second part of the name written as one word"))


def _glued_row(index, order):
    """A glued name cut in two: the halves went to given/father (same) or father/given (swapped)."""
    targets = ("given", "father") if order == "same" else ("father", "given")
    return GLUED_HALVES[min(index, 1)], PARTS[targets[min(index, 1)]]


def describe(evidence):
    """{"how": sentence, "rows": [{"left", "right", "percent"}]} for an evidence dict.

    The compared skeletons (evidence["parts"][i][3]) are not shown: "mamat" means nothing to a
    reviewer, and the names as written stand beside the evidence on every page.
    """
    evidence = evidence if isinstance(evidence, dict) else {}
    rows = []
    parts = evidence.get("parts")
    for index, part in enumerate(parts if isinstance(parts, list) else []):
        try:
            left, right, similarity, _forms = part
            similarity = float(similarity or 0)
            hash(left), hash(right)
        except (TypeError, ValueError):
            continue
        if left == "glued":
            left_label, right_label = _glued_row(index, right)
        else:
            left_label, right_label = PARTS.get(left, _("the name")), PARTS.get(right, _("the name"))
        rows.append({
            "left": left_label, "right": right_label,
            "percent": round(100 * similarity),
        })
    order = evidence.get("order")
    return {"how": ORDERS.get(order, "") if isinstance(order, str) else "", "rows": rows}


@register.inclusion_tag("cases/includes/name_evidence.html")
def name_evidence(evidence):
    return {"evidence": describe(evidence)}


@register.filter
def match_band(score):
    """A score as words: the number alone means little to a reviewer."""
    if score >= names.STRONG_MATCH:
        return _("Strong match")
    return _("Possible match")


@register.filter
def match_summary(evidence):
    return describe(evidence)["how"]
