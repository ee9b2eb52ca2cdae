"""The problems of a Django form as GOV.UK's error summary lists them: each linking to the
field it is about, so a person on a long form jumps straight to what to fix."""

from __future__ import annotations

from django import forms, template

register = template.Library()


@register.filter
def summary_of(form: forms.BaseForm | None) -> list[dict[str, str]]:
    """[{anchor, message}] for `includes/error_summary.html`; empty for a valid or unbound
    form. A problem of the whole form links to its first field."""
    if form is None or not form.is_bound or not form.errors:
        return []
    fields = list(form)
    first = fields[0].id_for_label or fields[0].auto_id if fields else "main"
    items = [{"anchor": first or "main", "message": str(error)}
             for error in form.non_field_errors()]
    for field in fields:
        anchor = field.id_for_label or field.auto_id or first
        items += [{"anchor": anchor, "message": str(error)} for error in field.errors]
    return items
