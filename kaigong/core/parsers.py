"""JSON bodies are untrusted input: their nesting is measured on the text before anything parses them.

Python's json module (and so DRF's JSONParser) recurses once per nested bracket: a body of 100,000 "[" raised
RecursionError, which answered 500 on every JSON endpoint (issue 10 §5). ``nesting_depth`` counts the depth on the
text with two regular expressions and no recursion; ``GuardedJSONParser``, the API's default JSON parser, refuses a
body deeper than ``MAX_JSON_DEPTH`` (no Kaigong request needs more than a handful of levels) or larger than
``KAIGONG_API_JSON_MAX_BYTES`` (2 MB) with a 400 ``parse_error`` (``JSONBodyError``) before parsing it. The heritage
GeoJSON reader uses the same count with its own, lower, limit.
"""

import io
import re
from itertools import accumulate

from django.conf import settings
from django.utils.translation import gettext_noop
from rest_framework.parsers import JSONParser

from kaigong.core.exceptions import KaigongError

MAX_JSON_DEPTH = 32
DEFAULT_BODY_LIMIT = 2 * 1024 * 1024

# Escapes removed first (a backslash and the character it escapes, as JSON reads them inside strings); then a string
# is a plain "…" with no quote inside, and removing strings cannot backtrack: every step is linear in the text. (A
# string pattern that handles escapes itself, "(?:[^"\\]|\\.)*", restarts at every quote of an unterminated string
# of escaped quotes: 40 KB of \" took 4 s.) Outside strings JSON has no backslash, so what this removes there only
# makes a body that json would refuse anyway.
_ESCAPE = re.compile(r"\\.", re.DOTALL)
_STRING = re.compile(r'"[^"]*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class JSONBodyError(KaigongError):
    """A JSON body refused before parsing; answered 400 ``parse_error`` in Chinese and English."""

    code = "parse_error"


def nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON ``text``, counted on the text (no recursion): brackets
    inside strings do not count."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", _ESCAPE.sub("", text)))
    if not brackets:
        return 0
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)))


class GuardedJSONParser(JSONParser):
    """DRF's JSON parser behind a size and a depth check (see the module's docstring)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = getattr(settings, "KAIGONG_API_JSON_MAX_BYTES", None) or DEFAULT_BODY_LIMIT
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise JSONBodyError(gettext_noop("请求内容过大:超过 %(max)s 字节"), params={"max": limit})
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise JSONBodyError(gettext_noop("请求内容不是 UTF-8 编码的 JSON")) from None
        depth = nesting_depth(text)
        if depth > MAX_JSON_DEPTH:
            raise JSONBodyError(
                gettext_noop("JSON 嵌套过深:%(depth)s 层,最多 %(max)s 层"),
                params={"depth": depth, "max": MAX_JSON_DEPTH},
            )
        return super().parse(io.BytesIO(raw), media_type, parser_context)
