"""Password rules beyond Django's (length, the user's own names, common and all-digit passwords): a password mixes
at least three of the four kinds of character (等保 2.0 身份鉴别: 口令具有复杂度要求)."""

import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CHARACTER_CLASSES = (
    ("lower", str.islower),
    ("upper", str.isupper),
    ("digit", str.isdigit),
    ("symbol", lambda c: c in string.punctuation or not (c.isalnum() or c.isspace())),
)


class CharacterClassValidator:
    """At least ``min_classes`` of: lower-case letters, upper-case letters, digits, symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        found = sum(1 for _name, test in CHARACTER_CLASSES if any(test(c) for c in password))
        if found < self.min_classes:
            raise ValidationError(
                _("密码须包含小写字母、大写字母、数字、符号中的至少 %(count)s 种。"),
                code="password_too_simple",
                params={"count": self.min_classes},
            )

    def get_help_text(self):
        return _("密码须包含小写字母、大写字母、数字、符号中的至少 %(count)s 种。") % {"count": self.min_classes}
