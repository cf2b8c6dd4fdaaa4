"""The second factor's forms: a code from an authenticator app, or a backup code."""

from __future__ import annotations

from django import forms


class AuthenticatorCodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        help_text="The 6-digit code your app shows now, for example 123456.",
        max_length=20,
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
        widget=forms.TextInput(
            attrs={
                "class": "govuk-input--width-5",
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
            }
        ),
    )


class BackupCodeForm(forms.Form):
    code = forms.CharField(
        label="Backup code",
        help_text="One of the backup codes you saved when you set up your authenticator app. "
        "Each works once.",
        max_length=40,
        error_messages={"required": "Enter one of your backup codes"},
        widget=forms.TextInput(
            attrs={
                "class": "govuk-input--width-10",
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "none",
            }
        ),
    )
