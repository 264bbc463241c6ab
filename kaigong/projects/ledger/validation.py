"""Project's own rules on a ledger row, without a model instance per row.

Model.clean_fields on the fields a row sets (a fast test first for fields whose rules are plain limits, Django's
own field.clean with its messages for the rest), then Project.clean on the project as the row would leave it:
the row's values over the matched project's (or a new project's), read through ``_Candidate``. No query is made.
"""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from functools import partial

from django.core import validators
from django.core.exceptions import ValidationError
from django.utils.translation import override

from kaigong.projects.ledger.columns import COLUMNS_BY_KEY, FK_FIELDS, column_letter
from kaigong.projects.ledger.problems import Problem
from kaigong.projects.ledger.reader import LedgerSheet
from kaigong.projects.models import Project

# The fields a sheet may set that clean_fields checks (relations are matched from preloaded rows instead).
_CHECKED_FIELDS = [f for f in Project._meta.fields if f.name not in FK_FIELDS and not f.primary_key]
_PLAIN_TYPES = {
    "CharField": str,
    "TextField": str,
    "IntegerField": int,
    "SmallIntegerField": int,
    "PositiveIntegerField": int,
    "PositiveSmallIntegerField": int,
    "DecimalField": Decimal,
    "DateField": dt.date,
    "BooleanField": bool,
}


def _decimal_fits(max_digits: int | None, decimal_places: int | None, value: Decimal) -> bool:
    """DecimalValidator's test (django.core.validators), answering instead of raising."""
    digit_tuple, exponent = value.as_tuple()[1:]
    if exponent in {"F", "n", "N"}:
        return False
    if exponent >= 0:
        digits = len(digit_tuple) + (exponent if digit_tuple != (0,) else 0)
        decimals = 0
    elif abs(exponent) > len(digit_tuple):
        digits = decimals = abs(exponent)
    else:
        digits, decimals = len(digit_tuple), abs(exponent)
    if max_digits is not None and digits > max_digits:
        return False
    if decimal_places is not None and decimals > decimal_places:
        return False
    return not (
        max_digits is not None and decimal_places is not None and digits - decimals > max_digits - decimal_places
    )


def _quick_check(model_field) -> Callable[[object], bool] | None:
    """A fast test that ``field.clean`` accepts a value, for fields whose rules are all plain limits (length,
    minimum, maximum, digits, choices). True: it would; False: ask field.clean, which says why not in Django's own
    words. None when the field has a rule this does not know (such as validate_project_code): always ask."""
    kind = _PLAIN_TYPES.get(model_field.get_internal_type())
    if kind is None or not model_field.editable:
        return None
    tests: list[Callable[[object], bool]] = []
    for validator in model_field.validators:
        limit = getattr(validator, "limit_value", None)
        if callable(limit):
            return None
        if type(validator) is validators.MaxLengthValidator:
            tests.append(lambda value, limit=limit: len(value) <= limit)
        elif type(validator) is validators.MinValueValidator:
            tests.append(lambda value, limit=limit: not value < limit)
        elif type(validator) is validators.MaxValueValidator:
            tests.append(lambda value, limit=limit: not value > limit)
        elif type(validator) is validators.DecimalValidator:
            tests.append(partial(_decimal_fits, validator.max_digits, validator.decimal_places))
        else:
            return None
    choices = {key for key, _ in model_field.flatchoices} if model_field.choices else None
    empty_values = model_field.empty_values
    blank = model_field.blank

    def check(value) -> bool:
        # Exact types only: to_python then leaves the value as it is (a datetime in a date field, a bool in an
        # integer field … are converted, so they go to field.clean).
        if type(value) is not kind or (kind is Decimal and not value.is_finite()):
            return False
        if choices is not None and value not in empty_values and value not in choices:
            return False
        if not blank and value in empty_values:
            return False
        return all(test(value) for test in tests)

    return check


_QUICK_CHECKS = {f.name: _quick_check(f) for f in _CHECKED_FIELDS}


class _Candidate:
    """A project as a row would leave it: the row's values over the matched project's (or a new project's), read
    by Project.clean as it reads an instance; nothing is copied."""

    def __init__(self, base: Project, data: dict):
        self.__dict__.update(data)
        self._base = base
        for name in FK_FIELDS:
            if name in data:
                self.__dict__[f"{name}_id"] = data[name].pk

    def __getattr__(self, name):
        return getattr(self._base, name)


def field_problems(sheet: LedgerSheet, row: int, project: Project | None, data: dict, stage, new_project: Project):
    """Project's own field and row rules (Model.clean_fields on the fields the row sets, then Model.clean) on
    the project as the row would leave it (``new_project``: a new project's defaults), with Django's messages."""
    problems: list[Problem] = []
    errors: dict[str, list[ValidationError]] = {}
    doubtful = set()
    for name, value in data.items():
        if name in _QUICK_CHECKS:  # not a relation
            quick = _QUICK_CHECKS[name]
            if quick is None or not quick(value):
                doubtful.add(name)
    if doubtful:  # field.clean, in the model's field order as clean_fields goes
        for model_field in _CHECKED_FIELDS:
            if model_field.name not in doubtful:
                continue
            value = data[model_field.name]
            if model_field.blank and value in model_field.empty_values:
                continue  # as clean_fields skips it
            try:
                model_field.clean(value, new_project)
            except ValidationError as exc:
                errors[model_field.name] = exc.error_list
    candidate = _Candidate(project if project is not None else new_project, data)
    if project is None and stage is not None:
        candidate.stage = stage  # stage-write: a stand-in for the new project, only validated
    try:
        Project.clean(candidate)
    except ValidationError as exc:
        for key, items in exc.update_error_dict({}).items():
            errors.setdefault(key, []).extend(items)
    for key, items in errors.items():
        target = key if key in sheet.columns or key in COLUMNS_BY_KEY else "name"
        index = sheet.columns.get(target)
        column = COLUMNS_BY_KEY.get(target)
        header = sheet.headers.get(index, "") if index is not None else (column.header if column else "")
        letter = column_letter(index) if index is not None else ""
        seen = set()
        for item in items:
            texts = []
            for language in ("zh-hans", "en"):
                with override(language):
                    for message in ValidationError(item).messages:
                        texts.append(str(message))
                        break
            if texts[0] in seen:
                continue
            seen.add(texts[0])
            problems.append(Problem(row, header, letter, texts[0], texts[1]))
    return problems
