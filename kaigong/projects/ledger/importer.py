"""Ledger import: read a ledger sheet (.xlsx, .xls, .csv), check every row, then write all-or-nothing.

Three steps, each usable alone (the page runs them apart, maybe in a background task; the command in one go):

1. ``reader.read_ledger_file``: refuse bad files, read the cells, find the header row.
2. ``LedgerImporter.check`` (``checker.py``): parse, match and validate every row; nothing is written. Every
   problem comes back with its sheet row, column header and letter.
3. ``LedgerImporter.write`` (``writer.py``): in one transaction, after checking that no matched project changed
   since step 2, create and update the projects.
"""

from pathlib import Path

from django.utils.translation import gettext_noop

from kaigong.core.exceptions import PermissionDeniedError
from kaigong.projects.ledger.bulk import ProgressCallback
from kaigong.projects.ledger.checker import LedgerChecker, LedgerResult
from kaigong.projects.ledger.owners import NewOwner
from kaigong.projects.ledger.reader import LedgerSheet, read_ledger_file
from kaigong.projects.ledger.writer import LedgerWriter


class LedgerImporter:
    """Checks and writes one ledger sheet on behalf of ``actor`` (a User, or None for a command)."""

    def __init__(self, *, actor=None, actor_label: str = "", filename: str = ""):
        if actor is not None and not getattr(actor, "can_import", False):
            raise PermissionDeniedError(gettext_noop("只有项目办可以导入台账"))
        self.actor = actor
        self.actor_label = actor_label
        self.filename = filename

    def check(self, sheet: LedgerSheet, *, progress: ProgressCallback | None = None) -> LedgerResult:
        """Parse and validate every data row; nothing is written. The result lists every problem."""
        return LedgerChecker().check(sheet, progress=progress)

    def write(self, result: LedgerResult, *, progress: ProgressCallback | None = None) -> LedgerResult:
        """Write a checked sheet: all rows or none. Raises KaigongError if the check found problems."""
        writer = LedgerWriter(actor=self.actor, actor_label=self.actor_label, filename=self.filename)
        return writer.write(result, progress=progress)

    def list_new_owners(self, sheet: LedgerSheet) -> list[NewOwner]:
        """The owners a sheet would register, from its owner columns alone (see LedgerChecker.list_new_owners)."""
        return LedgerChecker().list_new_owners(sheet)


def import_ledger(
    path: Path | str,
    *,
    actor=None,
    actor_label: str = "",
    filename: str = "",
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> LedgerResult:
    """Read, check and (unless ``dry_run`` or a problem was found) write a ledger file. Used by the command."""
    filename = filename or Path(path).name
    sheet = read_ledger_file(path, filename=filename)
    importer = LedgerImporter(actor=actor, actor_label=actor_label, filename=filename)
    result = importer.check(sheet, progress=progress)
    if result.problems or dry_run:
        return result
    return importer.write(result, progress=progress)
