"""`{{ value|isolate }}` for text that cannot hold a <bdi>: the page <title>, attribute values."""

from django import template

from config.bidi import isolate as isolate_text

register = template.Library()


@register.filter
def isolate(value):
    """The value between Unicode isolate marks (config.bidi.isolate); autoescaping still applies."""
    return isolate_text(value)
