"""Validators for the two national codes every project and organization carries.

- 统一社会信用代码 (GB 32100-2015): 18 characters; the 18th is a check character over the first 17.
- 投资项目代码 (《固定资产投资项目代码管理规范》, 发改投资〔2020〕1439号; GB/T 40058-2021): 24 characters in
  five segments ``TTTT-RRRRRR-DD-KK-NNNNNN``, checked segment by segment; a refusal names the segment.

Project code rules (the standard's own tables were not available to us; what is not checked is said so):

1. Time code ``TTTT``. The 2020 rules apply from 1 November 2020 (provinces switched in batches until the end of
   2020): codes issued since open with year and month ``YYMM`` (2403 = March 2024); the codes issued before
   open with the year ``YYYY`` (2019-…). The platform that issues them dates from the end of 2014 (国办发〔2014〕
   59号; joined up nationally from 2015, 发改电〔2015〕501号), so a year form is 2014–2020.
   The two forms overlap only on paper: 2011 and 2012 could be a year (2011, 2012) or a month (November and
   December 2020). They are read as months, because no code was issued in 2011 or 2012. Every other value has
   at most one reading: 2014–2020 is a year (as a month it would be month 14–20); otherwise ``YYMM`` with a
   month 01–12, from 2011 (November 2020) up to the current month (Asia/Shanghai). 2001–2010 (January–October
   2020) predate the switch and are refused, as are months to come.
2. Region ``RRRRRR``: a GB/T 2260 division code by its structure (the full list is not shipped: divisions
   change every year and an old code keeps the division of its day). Province 11–15, 21–23, 31–37, 41–46, 50–54,
   61–65, or 710000/810000/820000; prefecture 00, 01–70 or 90 (county-level divisions the province governs
   directly); a province-level code (prefecture 00) has county 00.
3. ``DD``: the central department code (GB/T 40058) or, in year-form codes, the industry code. ``KK``: the
   project type. Only 00 is refused in both: the code tables are numbered from 01.
4. ``NNNNNN``: the serial number (year form) or the random code and check code (GB/T 40058): six digits. The
   check-code algorithm was not available to us: no checksum is invented here.
"""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")

PROJECT_CODE_RE = re.compile(r"^(\d{4})-(\d{6})-(\d{2})-(\d{2})-(\d{6})$")
PROJECT_CODE_YEAR_FORM = (2014, 2020)  # first and last year of the codes that open with a year
PROJECT_CODE_MONTH_FORM_START = (2020, 11)  # the first month of the codes that open with year and month
PROVINCE_CODES = frozenset(
    (*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55), *range(61, 66), 71, 81, 82)
)
_SINGLE_DIVISION_PROVINCES = frozenset({71, 81, 82})  # Taiwan, Hong Kong, Macao: 710000, 810000, 820000 only


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a credit code."""
    total = sum(CREDIT_CODE_ALPHABET.index(ch) * w for ch, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def normalize_credit_code(value: str) -> str:
    """As typed → as checked and stored: full-width characters made ASCII (an input method's ９１１４…), trimmed,
    upper-cased."""
    return unicodedata.normalize("NFKC", value or "").strip().upper()


def is_valid_credit_code(value: str) -> bool:
    code = normalize_credit_code(value)
    if len(code) != 18 or not _CREDIT_RE.match(code):
        return False
    return credit_code_check_char(code[:17]) == code[17]


CREDIT_CODE_LENGTH = gettext_noop("统一社会信用代码应为18位,这里是%(length)s位")
CREDIT_CODE_DIGIT = gettext_noop("统一社会信用代码第%(position)s位的“%(char)s”不正确:第3至8位是行政区划码,只能是数字")
CREDIT_CODE_CHAR = gettext_noop(
    "统一社会信用代码第%(position)s位的“%(char)s”不是有效字符:只能用数字和大写字母,不用I、O、Z、S、V"
)
CREDIT_CODE_CHECK = gettext_noop("统一社会信用代码校验位不正确:按前17位,第18位应为“%(expected)s”,不是“%(actual)s”")


def credit_code_problem(value: str) -> tuple[str, str, dict] | None:
    """What is wrong with a credit code, as (error code, msgid, params), or None when it is valid: its length, the
    first character that cannot stand where it stands (and where), or its check character (and the expected
    one). The validator and the ledger importer say the same."""
    code = normalize_credit_code(value)
    if len(code) != 18:
        return "credit_code_length", CREDIT_CODE_LENGTH, {"length": len(code)}
    for position, char in enumerate(code, start=1):
        if 3 <= position <= 8:  # 登记管理机关行政区划码
            if char not in "0123456789":
                return "credit_code_chars", CREDIT_CODE_DIGIT, {"position": position, "char": char}
        elif char not in CREDIT_CODE_ALPHABET:
            return "credit_code_chars", CREDIT_CODE_CHAR, {"position": position, "char": char}
    expected = credit_code_check_char(code[:17])
    if expected != code[17]:
        return "credit_code_check", CREDIT_CODE_CHECK, {"expected": expected, "actual": code[17]}
    return None


def validate_credit_code(value: str) -> None:
    problem = credit_code_problem(value)
    if problem is not None:
        error_code, msgid, params = problem
        raise ValidationError(_(msgid), code=error_code, params=params)  # the msgids are marked above


@dataclass(frozen=True)
class CodeIssue:
    """When a project code was issued, as its time code says: a month, or only a year for the older codes."""

    year: int
    month: int | None = None

    def __str__(self) -> str:
        """ "2024年3月" / "March 2024" in the active language; "2019年" / "2019" for a year-form code."""
        if self.month is None:
            return gettext("%(year)s年") % {"year": self.year}
        return date_format(dt.date(self.year, self.month, 1), "YEAR_MONTH_FORMAT")


def read_time_code(time_code: str, *, today: dt.date | None = None) -> CodeIssue | None:
    """The issue month (or year) of a four-digit time code by the rules above; None when it cannot be one."""
    if len(time_code) != 4 or not time_code.isdigit():
        return None
    value = int(time_code)
    first, last = PROJECT_CODE_YEAR_FORM
    if first <= value <= last:
        return CodeIssue(value)
    year, month = 2000 + value // 100, value % 100
    if not 1 <= month <= 12 or (year, month) < PROJECT_CODE_MONTH_FORM_START:
        return None
    today = today or timezone.localdate()
    if (year, month) > (today.year, today.month):
        return None
    return CodeIssue(year, month)


def project_code_issue(value: str) -> CodeIssue | None:
    """When a valid project code was issued; None for an empty or invalid code."""
    match = PROJECT_CODE_RE.match(value or "")
    if not match or _project_code_error(match) is not None:
        return None
    return read_time_code(match.group(1))


def _is_division_code(region: str) -> bool:
    province, prefecture, county = int(region[:2]), region[2:4], region[4:]
    if province in _SINGLE_DIVISION_PROVINCES:
        return region[2:] == "0000"
    if prefecture != "90" and not "00" <= prefecture <= "70":
        return False
    return prefecture != "00" or county == "00"


def _project_code_error(match: re.Match, *, today: dt.date | None = None) -> ValidationError | None:
    """The first wrong segment of a code that has the pattern, as a ValidationError naming it; None if all pass."""
    time_code, region, department, kind, _serial = match.groups()
    if read_time_code(time_code, today=today) is None:
        return ValidationError(
            _(
                "项目代码第1段赋码时间“%(value)s”不正确：2020年11月起赋码的代码以年月开头，如2403即2024年3月，"
                "且不晚于本月；此前的以年份开头，为2014至2020年"
            ),
            code="project_code_time",
            params={"value": time_code},
        )
    if int(region[:2]) not in PROVINCE_CODES:
        return ValidationError(
            _("项目代码第2段地区代码“%(value)s”不正确：前两位%(province)s不是省级行政区划代码"),
            code="project_code_region",
            params={"value": region, "province": region[:2]},
        )
    if not _is_division_code(region):
        return ValidationError(
            _("项目代码第2段地区代码“%(value)s”不是有效的行政区划代码"),
            code="project_code_region",
            params={"value": region},
        )
    if department == "00":
        return ValidationError(
            _("项目代码第3段行业或部门代码不能为00"), code="project_code_department", params={"value": department}
        )
    if kind == "00":
        return ValidationError(_("项目代码第4段项目类型代码不能为00"), code="project_code_type", params={"value": kind})
    return None


def is_valid_project_code(value: str) -> bool:
    match = PROJECT_CODE_RE.match(value or "")
    return bool(match) and _project_code_error(match) is None


def validate_project_code(value: str) -> None:
    """Model and serializer validator: an empty code passes (a project in planning has none yet)."""
    if not value:
        return
    match = PROJECT_CODE_RE.match(value)
    if not match:
        raise ValidationError(
            _("项目代码应为24位，分5段，格式如 2403-141081-04-01-513027"), code="project_code_pattern"
        )
    error = _project_code_error(match)
    if error is not None:
        raise error
