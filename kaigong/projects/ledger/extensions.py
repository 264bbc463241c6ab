"""Columns the apps built on projects add to the ledger export: the monthly ledger (月度台账) is the ledger with the
progress figures of a month after the project's own columns.

projects may not import those apps (they build on it), so they register a provider here from their AppConfig.ready,
as they register change handlers on ``projects.changes``::

    register_export_columns("progress", progress_columns)

A provider is called with the export's parameters (the query dict of the list page, the API or the command). When
the parameters ask for its columns (``progress_month=2024-10``) it answers with an ``ExportExtension``; otherwise
None, and the export is the plain ledger, unchanged. The exporter streams: it hands the extension the ids of the
projects in the order they are written, one chunk at a time, so an extension reads its figures in bulk per chunk
and never holds more than a chunk.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

# Kinds of an extra column: how its cells are formatted and whether the 小计/合计 rows sum it.
TEXT = "text"
MONEY = "money"  # Decimal 万元, "#,##0.00", summed in 小计/合计
PERCENT = "percent"  # a fraction (0.8350), shown "83.50%"


@dataclass(frozen=True)
class ExportColumn:
    header: str
    width: int = 12
    kind: str = TEXT


@dataclass(frozen=True)
class ExportExtension:
    """What a provider adds to one export.

    ``values(project_ids)`` maps each id of a chunk to its cells, one per column (a missing id gives blank cells).
    ``title_note`` follows the ledger's title: "(2024年1–10月)"."""

    columns: Sequence[ExportColumn]
    values: Callable[[Sequence[int]], Mapping[int, Sequence]]
    title_note: str = ""


ColumnProvider = Callable[[Mapping], ExportExtension | None]

_providers: dict[str, ColumnProvider] = {}


def register_export_columns(name: str, provider: ColumnProvider) -> None:
    """Register (or replace: ready() may run more than once) the provider called ``name``."""
    _providers[name] = provider


def unregister_export_columns(name: str) -> None:
    _providers.pop(name, None)


def export_extensions(params: Mapping | None) -> list[ExportExtension]:
    """The extensions that answer for ``params``, in the order their providers were registered.

    A provider may raise KaigongError for a parameter of its own it cannot read (a month "2024-13"): the export is
    refused with that message, as for a bad filter."""
    params = params or {}
    return [extension for provider in _providers.values() if (extension := provider(params)) is not None]
