"""The owners (建设单位) a ledger sheet registers: new organizations, or the credit code of one registered by name
without it, as the dry run lists them and the writer registers them."""

from dataclasses import dataclass

from django.utils.translation import gettext, override

from kaigong.accounts.models import Organization
from kaigong.core.text import dictionary_key


@dataclass
class NewOwner:
    """An owner (建设单位) the import registers, listed in the dry run: a new organization, without a code when the
    sheet gives none (缺统一社会信用代码, for the office to complete), or, when a row gives the code of an
    organization registered by name without one, that organization's code completed."""

    name: str
    credit_code: str  # "" when no row gives one
    row: int  # the first row that names it
    rows: int = 1  # how many rows name it
    existing: Organization | None = None  # the organization whose code is completed instead

    @property
    def missing_credit_code(self) -> bool:
        return not self.credit_code

    def label(self, language: str) -> str:
        with override(language):
            if not self.credit_code:
                return gettext("%(name)s(缺统一社会信用代码)") % {"name": self.name}
        return f"{self.name} {self.credit_code}"

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "credit_code": self.credit_code or None,
            "missing_credit_code": self.missing_credit_code,
            "action": "complete" if self.existing is not None else "create",
            "organization_id": self.existing.pk if self.existing is not None else None,
            "row": self.row,
            "rows": self.rows,
        }


def new_owners_messages(owners: list[NewOwner], language: str) -> list[str]:
    """The dry run's lines about owners, in ``language``: "将新建的建设单位:甲(缺统一社会信用代码)、乙 9114…" and
    "将补全统一社会信用代码的建设单位:丙 9114…" (none when the sheet names only registered owners)."""
    separator = "、" if language.startswith("zh") else ", "
    created = [owner.label(language) for owner in owners if owner.existing is None]
    completed = [owner.label(language) for owner in owners if owner.existing is not None]
    lines = []
    with override(language):
        if created:
            lines.append(gettext("将新建的建设单位:%(owners)s") % {"owners": separator.join(created)})
        if completed:
            lines.append(gettext("将补全统一社会信用代码的建设单位:%(owners)s") % {"owners": separator.join(completed)})
    return lines


def merge_new_owners(seen: dict) -> list[NewOwner]:
    """The owners to register, in sheet order; a name given without a code in one row and with one in another
    is the one organization with that code."""
    coded: dict[str, NewOwner] = {}
    for owner in seen.values():
        if owner.credit_code:
            coded.setdefault(dictionary_key(owner.name), owner)
    owners = []
    for owner in seen.values():
        namesake = coded.get(dictionary_key(owner.name)) if not owner.credit_code else None
        if namesake is not None:
            namesake.rows += owner.rows
        else:
            owners.append(owner)
    return sorted(owners, key=lambda owner: owner.row)
