"""Money: exact Decimal amounts in 万元, and the one place that formats and parses them.

Every amount Kaigong stores is a Decimal in 万元 with two decimal places (i.e. to the hundred yuan).
亿元 = 万元 / 10000. Totals are summed in 万元 and converted once, so they never drift by rounding.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext, gettext_noop

WAN_QUANTUM = Decimal("0.01")
YI_QUANTUM = Decimal("0.01")
WAN_PER_YI = Decimal(10000)
MAX_WAN = Decimal("999999999999.99")  # fits DecimalField(max_digits=14, decimal_places=2)

_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－＋", "0123456789.,-+")


class MoneyError(ValueError):
    """An amount that cannot be read; the message is user-facing.

    ``str()`` is the Chinese gettext msgid (``msgid``); ``message`` is that text in the active language.
    """

    def __init__(self, msgid: str):
        self.msgid = msgid
        super().__init__(msgid)

    @property
    def message(self) -> str:
        return gettext(self.msgid)


def quantize_wan(value: Decimal | int | str) -> Decimal:
    """Round an amount in 万元 to two places (half up, as accountants do)."""
    return Decimal(value).quantize(WAN_QUANTUM, rounding=ROUND_HALF_UP)


def wan_to_yi(wan: Decimal) -> Decimal:
    """万元 → 亿元, rounded to two places."""
    return (Decimal(wan) / WAN_PER_YI).quantize(YI_QUANTUM, rounding=ROUND_HALF_UP)


def yi_to_wan(yi: Decimal) -> Decimal:
    return quantize_wan(Decimal(yi) * WAN_PER_YI)


def strip_zeros(value: Decimal) -> str:
    """'115.50' → '115.5', '32.00' → '32', '632.23' → '632.23' (the article's way of writing amounts)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def format_yi(wan: Decimal | None, *, unit: bool = True) -> str:
    """An amount in 万元 shown in 亿元 as the article writes it: 115.5亿元."""
    if wan is None:
        return ""
    text = strip_zeros(wan_to_yi(wan))
    return f"{text}亿元" if unit else text


def format_wan(wan: Decimal | None, *, unit: bool = True) -> str:
    """An amount in 万元 with thousands separators: 1,155,000万元."""
    if wan is None:
        return ""
    text = f"{quantize_wan(wan):,.2f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return f"{text}万元" if unit else text


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def parse_amount(raw: object, *, unit: str = "万元") -> Decimal | None:
    """Read an amount as people type it in sheets and forms; return 万元, or None for a blank.

    Accepts numbers, numbers as text, full-width digits, thousands separators (, ，and spaces), a trailing
    unit (万元, 万, 亿元, 亿) which overrides ``unit``. Raises MoneyError with a user-facing message.
    """
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise MoneyError(gettext_noop("金额格式不正确"))
    if isinstance(raw, int | float | Decimal):
        if isinstance(raw, float) and (raw != raw or raw in (float("inf"), float("-inf"))):
            raise MoneyError(gettext_noop("金额格式不正确"))
        value = Decimal(str(raw)) if isinstance(raw, float) else Decimal(raw)
    else:
        text = str(raw).translate(_FULLWIDTH).strip()
        text = re.sub(r"[\s,，\u00a0]", "", text)
        if not text or text in {"-", "—", "/", "无"}:
            return None
        for suffix, suffix_unit in (
            ("亿元", "亿元"),
            ("亿", "亿元"),
            ("万元", "万元"),
            ("万", "万元"),
            ("元", "元"),
        ):
            if text.endswith(suffix):
                text, unit = text[: -len(suffix)], suffix_unit
                break
        if not _NUMBER.match(text):
            raise MoneyError(gettext_noop("金额格式不正确"))
        try:
            value = Decimal(text)
        except InvalidOperation as exc:  # pragma: no cover - the regex already guards this
            raise MoneyError(gettext_noop("金额格式不正确")) from exc
    if unit in ("亿元", "亿"):
        value = value * WAN_PER_YI
    elif unit == "元":
        value = value / WAN_PER_YI
    if value < 0:
        raise MoneyError(gettext_noop("金额不能为负数"))
    # The range before quantizing: quantizing 1e30 to 0.01 overflows Decimal's context (InvalidOperation).
    if value > MAX_WAN:
        raise MoneyError(gettext_noop("金额过大"))
    value = quantize_wan(value)
    if value > MAX_WAN:  # rounding up at the edge
        raise MoneyError(gettext_noop("金额过大"))
    return value
