"""Forms of the heritage pages: they parse input; the services decide and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kaigong.heritage.models import HeritageRouting
from kaigong.heritage.services import ROUTING_FIELDS

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class HeritageImportForm(forms.Form):
    file = forms.FileField(
        label=_("GeoJSON 文件"),
        help_text=_("FeatureCollection;每个要素的 properties 含 name、zone(control_zone 或 protection_area)"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件过大(最大 10 MB)"))
        return upload


class HeritageRoutingForm(forms.ModelForm):
    class Meta:
        model = HeritageRouting
        fields = ROUTING_FIELDS
        widgets = {"basis": forms.Textarea(attrs={"rows": 2})}
