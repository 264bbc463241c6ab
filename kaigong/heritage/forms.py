"""Forms of the heritage pages: they parse input; the services decide and write."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaigong.heritage.choices import Opinion
from kaigong.heritage.models import HeritageRouting
from kaigong.heritage.services import ROUTING_FIELDS


class HeritageImportForm(forms.Form):
    """The upload; its limits (size, nesting, features, vertices) are heritage.geojson's, as on the API."""

    file = forms.FileField(
        label=_("GeoJSON 文件"),
        help_text=_("FeatureCollection;每个要素的 properties 含 name、zone(control_zone 或 protection_area)"),
    )


class HeritageRoutingForm(forms.ModelForm):
    class Meta:
        model = HeritageRouting
        fields = ROUTING_FIELDS
        widgets = {"basis": forms.Textarea(attrs={"rows": 2})}


class RoutingForwardForm(forms.Form):
    """报送: the date the request went to the next level (today when left empty)."""

    sent_on = forms.DateField(label=_("报送日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_sent_on(self):
        return self.cleaned_data["sent_on"] or timezone.localdate()


class RoutingReplyForm(forms.Form):
    """答复: a level's reply; whether the 文号 and the conditions are needed is the service's rule."""

    replied_on = forms.DateField(label=_("答复日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    opinion = forms.ChoiceField(label=_("答复意见"), choices=Opinion.choices)
    opinion_text = forms.CharField(
        label=_("条件或意见"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    document_number = forms.CharField(label=_("文号"), required=False, max_length=100)

    def clean_replied_on(self):
        return self.cleaned_data["replied_on"] or timezone.localdate()
