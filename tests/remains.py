"""What the database still holds that names someone: every text column of every model,
searched for each word (a surname, an address, a number). Used after an account is deleted
to show that nothing of hers remains but nameless rows."""

from __future__ import annotations

from django.apps import apps
from django.db import models

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def rows_naming(*words: str) -> list[str]:
    """'app.Model.field #pk' for each row whose text holds one of `words` (any case)."""
    found: list[str] = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, TEXT_FIELDS):
                continue
            for word in words:
                pks = model._default_manager.filter(
                    **{f"{field.name}__icontains": word}).values_list("pk", flat=True)
                found += [f"{model._meta.label}.{field.name} #{pk}" for pk in pks]
    return found
