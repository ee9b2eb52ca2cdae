"""`{{ text|reread }}`: a stored text in the reader's language when it is one of ours.

Some texts are stored as the English message id (`gettext_noop`), e.g. a cancellation's
reason when the family gave none; they are translated when read. Anything typed by a person
has no catalogue entry and comes back unchanged.
"""

from django import template
from django.utils.translation import gettext

register = template.Library()


@register.filter
def reread(text: str) -> str:
    return gettext(text) if text else text
