"""Serializers for organizations, departments and API tokens."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from kaigong.accounts.lockout import AccountLockedError
from kaigong.accounts.models import Department, Organization
from kaigong.core.codes import normalize_credit_code, validate_credit_code


class CreditCodeField(serializers.CharField):
    """统一社会信用代码: trimmed and upper-cased before its GB 32100 check character is verified; blank or null is
    no code (an owner registered by name, to be completed)."""

    def __init__(self, **kwargs):
        super().__init__(required=False, allow_blank=True, allow_null=True, **kwargs)

    def run_validation(self, data=serializers.empty):
        if data is not serializers.empty and data is not None and not normalize_credit_code(str(data)):
            return None  # "" or spaces: no code, not a code to check
        return super().run_validation(data)

    def to_internal_value(self, data):
        return normalize_credit_code(super().to_internal_value(data))


class OrganizationSerializer(serializers.ModelSerializer):
    credit_code = CreditCodeField(
        label=_("统一社会信用代码"),
        max_length=18,
        help_text=_("18位,末位为 GB 32100 校验码;不知道时可留空,以后补全"),
        validators=[
            validate_credit_code,
            UniqueValidator(queryset=Organization.objects.all(), message=_("该统一社会信用代码已登记")),
        ],
    )
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    missing_credit_code = serializers.BooleanField(
        read_only=True, help_text=_("缺统一社会信用代码:由台账按名称新建,待项目办补全")
    )

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "credit_code",
            "missing_credit_code",
            "kind",
            "kind_display",
            "contact_person",
            "contact_phone",
            "address",
        ]
        read_only_fields = ["id", "kind_display", "missing_credit_code"]


class DepartmentSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    aliases = serializers.ListField(
        source="alias_list", child=serializers.CharField(), read_only=True, help_text=_("其他写法(如“市卫体局”)")
    )

    class Meta:
        model = Department
        fields = ["id", "name", "short_name", "aliases", "kind", "kind_display", "sort_order"]
        read_only_fields = fields


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label=_("用户名"))
    password = serializers.CharField(label=_("密码"), style={"input_type": "password"}, trim_whitespace=False)

    def validate(self, attrs):
        request = self.context.get("request")
        # Django's request, not DRF's wrapper: axes marks it when the account or address is locked out, and its
        # middleware turns the mark into the lockout answer (accounts/lockout.py).
        http_request = getattr(request, "_request", request)
        user = authenticate(request=http_request, username=attrs["username"], password=attrs["password"])
        if user is None and getattr(http_request, "axes_locked_out", False):
            raise AccountLockedError()
        if user is None or not user.is_active:
            raise serializers.ValidationError(_("用户名或密码不正确"), code="authorization")
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_('在请求头中发送: "Authorization: Token <token>"'))
    expires = serializers.DateTimeField(help_text=_("令牌的失效时间"))
    username = serializers.CharField()
    role = serializers.CharField()
