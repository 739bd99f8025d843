from django import forms

from .models import Scope, User


class APIKeyForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the key is for, e.g. 'SIEM feed'.")
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices, widget=forms.CheckboxSelectMultiple, initial=[Scope.READ]
    )
    expires_at = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Optional. Leave empty for a key that does not expire.",
    )


class InviteForm(forms.Form):
    email = forms.EmailField()
    full_name = forms.CharField(max_length=200, required=False)
    role = forms.ChoiceField(choices=User.Role.choices, initial=User.Role.ANALYST)
