"""add_service_error and service_error_message: a service's refusal on the page that sent the input."""

import pytest
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils import translation

from kaigong.core.exceptions import KaigongError, PermissionDeniedError, TransitionNotAllowed
from kaigong.core.forms import add_service_error, service_error_message


class _NameForm(forms.Form):
    name = forms.CharField()


def _bound_form() -> _NameForm:
    form = _NameForm({"name": "新建项目"})
    assert form.is_valid()
    return form


def test_validation_error_with_fields_goes_on_each_field_and_unknown_fields_on_the_form():
    form = _bound_form()

    add_service_error(form, ValidationError({"name": ["名称已存在"], "credit_code": ["统一社会信用代码校验位不正确"]}))

    assert form.errors["name"] == ["名称已存在"]
    assert form.errors[NON_FIELD_ERRORS] == ["统一社会信用代码校验位不正确"]
    assert "credit_code" not in form.errors


def test_plain_validation_error_goes_on_the_form():
    form = _bound_form()

    add_service_error(form, ValidationError("计划竣工时间不能早于计划开工时间"))

    assert form.errors == {NON_FIELD_ERRORS: ["计划竣工时间不能早于计划开工时间"]}


def test_kaigong_error_goes_on_its_field_when_the_form_has_it_else_on_the_form():
    on_field, on_form = _bound_form(), _bound_form()

    add_service_error(on_field, KaigongError("暂停或退库须填写原因", field="name"))
    add_service_error(on_form, KaigongError("暂停或退库须填写原因", field="reason"))

    assert on_field.errors == {"name": ["暂停或退库须填写原因"]}
    assert on_form.errors == {NON_FIELD_ERRORS: ["暂停或退库须填写原因"]}


def test_kaigong_error_is_shown_in_the_active_language_with_its_params():
    form = _bound_form()
    exc = TransitionNotAllowed("项目不能从“%(from)s”变更为“%(to)s”", params={"from": "谋划", "to": "投产"})

    with translation.override("en"):
        add_service_error(form, exc)

    assert form.errors[NON_FIELD_ERRORS] == [exc.message_en]
    assert exc.message_en != exc.message


def test_permission_denied_error_is_not_put_on_the_form_but_answers_403():
    form = _bound_form()

    with translation.override("en"), pytest.raises(PermissionDenied) as caught:
        add_service_error(form, PermissionDeniedError("您无权修改该项目"))

    assert str(caught.value) == "You are not allowed to edit this project"
    assert not form.errors


def test_service_error_message_is_one_line_in_the_active_language():
    assert service_error_message(KaigongError("暂停或退库须填写原因")) == "暂停或退库须填写原因"
    with translation.override("en"):
        assert service_error_message(KaigongError("暂停或退库须填写原因")) == (
            "A reason is required when pausing or withdrawing"
        )
    assert service_error_message(ValidationError(["甲", "乙"])) == "甲; 乙"
    with pytest.raises(PermissionDenied):
        service_error_message(PermissionDeniedError())
