"""Validators for the two national codes every project and organization carries.

- 统一社会信用代码 (GB 32100-2015): 18 characters; the 18th is a check character over the first 17.
- 投资项目统一代码 (GB/T 40058-2021): 24 characters ``YYYY-RRRRRR-DD-TT-NNNNNN``. The standard's check-code
  algorithm was not available to us, so only the pattern and the shape of the region code (a GB/T 2260
  division code: two-digit province 11–82) are checked. Do not invent a checksum here.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")

PROJECT_CODE_RE = re.compile(r"^(\d{4})-(\d{6})-(\d{2})-(\d{2})-(\d{6})$")


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a credit code."""
    total = sum(CREDIT_CODE_ALPHABET.index(ch) * w for ch, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def normalize_credit_code(value: str) -> str:
    return (value or "").strip().upper()


def is_valid_credit_code(value: str) -> bool:
    code = normalize_credit_code(value)
    if len(code) != 18 or not _CREDIT_RE.match(code):
        return False
    return credit_code_check_char(code[:17]) == code[17]


def validate_credit_code(value: str) -> None:
    code = normalize_credit_code(value)
    if len(code) != 18:
        raise ValidationError(_("统一社会信用代码应为18位"), code="credit_code_length")
    if not _CREDIT_RE.match(code):
        raise ValidationError(_("统一社会信用代码含有无效字符"), code="credit_code_chars")
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationError(_("统一社会信用代码校验位不正确"), code="credit_code_check")


def is_valid_project_code(value: str) -> bool:
    match = PROJECT_CODE_RE.match(value or "")
    if not match:
        return False
    year, region = int(match.group(1)), match.group(2)
    return 1990 <= year <= 2100 and 11 <= int(region[:2]) <= 82


def validate_project_code(value: str) -> None:
    if not value:
        return
    if not PROJECT_CODE_RE.match(value):
        raise ValidationError(_("项目代码应为24位,格式如 2024-141081-04-01-123456"), code="project_code_pattern")
    if not is_valid_project_code(value):
        raise ValidationError(_("项目代码中的年份或行政区划代码不正确"), code="project_code_region")
