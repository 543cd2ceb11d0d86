"""How long a name may be: what its column holds, so the bot can say so before the database
refuses it."""

from __future__ import annotations

from sqlalchemy import String

from storage.models import Base, BreakRow, GroupRow, OrganisationRow


def column_length(row: type[Base], column: str = "name") -> int:
    kind = row.__table__.c[column].type
    if not isinstance(kind, String) or kind.length is None:
        raise TypeError(f"{row.__name__}.{column} is not a text column with a length")
    return kind.length


ORG_NAME_MAX = column_length(OrganisationRow)
GROUP_NAME_MAX = column_length(GroupRow)
BREAK_NAME_MAX = column_length(BreakRow)
CONCERN_CONTACT_MAX = column_length(OrganisationRow, "concern_contact")
CONCERN_URL_MAX = column_length(OrganisationRow, "concern_url")
