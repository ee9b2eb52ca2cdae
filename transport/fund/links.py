"""Where the fund's messages lead (notifications asks; FundConfig.ready() registers these)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse


def grant_link(type: str, data: Mapping[str, Any], reader: Any) -> str | None:
    """A coordinators' message about grants leads to the first one on the fund's report."""
    ids = data.get("subsidy_ids")
    if not isinstance(ids, list) or not ids or not isinstance(ids[0], int):
        return None
    return f"{reverse('fund-report')}#subsidy-{ids[0]}"
