"""Which stories: the --source/--portal/--since/--until options of search and export, as SQL conditions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime


def parse_date(value: str) -> tuple[str, str]:
    """A --since/--until value: ('date', 'YYYY-MM-DD') or ('instant', ISO datetime). Raises ValueError."""
    value = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return "date", date.fromisoformat(value).isoformat()
    dt = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T", 1))
    return "instant", dt.isoformat()


@dataclass
class Filters:
    source: str | None = None
    portal: str | None = None
    since: str | None = None
    until: str | None = None

    def sql(self, alias: str = "s") -> tuple[str, list]:
        """WHERE conditions (ANDed, may be empty) and their parameters, over the stories table as ``alias``."""
        conds, params = [], []
        when = f"coalesce({alias}.published, {alias}.first_seen)"
        if self.source:
            conds.append(f"{alias}.source = ?")
            params.append(self.source)
        if self.portal:
            conds.append(
                f"EXISTS (SELECT 1 FROM copies c WHERE c.story_id = {alias}.id "
                "AND (c.portal = ? OR c.source_name = ?))"
            )
            params += [self.portal, self.portal]
        for value, op in ((self.since, ">="), (self.until, "<=")):
            if not value:
                continue
            kind, iso = parse_date(value)
            if kind == "date":  # the day as the story's own date says (its zone), inclusive
                conds.append(f"substr({when}, 1, 10) {op} ?")
            else:
                conds.append(f"datetime({when}) {op} datetime(?)")
            params.append(iso)
        return " AND ".join(conds), params
