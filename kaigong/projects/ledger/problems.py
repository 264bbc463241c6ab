"""A problem with a ledger sheet: where it is (row, column header and letter) and what, in Chinese and English.

The check lists them, the LedgerImport record keeps them (as dicts), the page and the error workbook show them.
"""

from dataclasses import dataclass

from django.utils.translation import gettext, override

from kaigong.core.exceptions import translated
from kaigong.projects.ledger.columns import LedgerColumn


@dataclass
class Problem:
    """One thing wrong with the sheet: the row as Excel numbers it (None for the file), the column, the message."""

    row: int | None
    column: str
    letter: str
    message: str
    message_en: str

    @classmethod
    def make(cls, row, column: LedgerColumn | None, header: str, letter: str, msgid: str, params=None):
        return cls(
            row=row,
            column=header or (column.header if column else ""),
            letter=letter,
            message=translated(msgid, params, language="zh-hans"),
            message_en=translated(msgid, params, language="en"),
        )

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "column": self.column,
            "letter": self.letter,
            "message": self.message,
            "message_en": self.message_en,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Problem":
        return cls(**{k: data.get(k) for k in ("row", "column", "letter", "message", "message_en")})

    def location(self, language: str) -> str:
        """Where the problem is, in ``language``: "第3行 项目类别(列B)" / "Row 3 项目类别 (column B)"."""
        with override(language):
            where = gettext("第%(row)s行") % {"row": self.row} if self.row else gettext("文件")
            if self.column:
                letter = gettext("(列%(letter)s)") % {"letter": self.letter} if self.letter else ""
                where += f" {self.column}{letter}"
        return where

    def __str__(self) -> str:
        """ "第3行 项目类别(列B): 中文 (Row 3 项目类别 (column B): English)" for command output."""
        where = self.location("zh-hans")
        if self.message == self.message_en:
            return f"{where}: {self.message}"
        return f"{where}: {self.message} ({self.location('en')}: {self.message_en})"
