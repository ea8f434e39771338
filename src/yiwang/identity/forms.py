"""Login and password forms for the portal and the back office."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.contrib.auth.password_validation import (
    password_validators_help_text_html,
    validate_password,
)
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yiwang.core.client_address import client_ip
from yiwang.identity import services
from yiwang.identity.backends import REALM_OF_KIND
from yiwang.identity.constants import Realm
from yiwang.identity.models import Account

# One message for every refusal, so the login page never tells a stranger whether a user name
# exists, belongs to the other realm, is inactive, or just had a mistyped password.
INVALID_LOGIN = _("The user name or password is wrong. Check them and try again.")


class LoginForm(AuthenticationForm):
    realm: Realm

    error_messages = {"invalid_login": INVALID_LOGIN, "inactive": INVALID_LOGIN}

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("User name")
        # The error summary takes focus when the form comes back; two autofocus targets would
        # fight, and moving focus on first load skips the page's introduction for screen readers.
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.fields["password"].label = _("Password")
        self.fields["username"].error_messages["required"] = _("Enter your user name")
        self.fields["password"].error_messages["required"] = _("Enter your password")

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            self.user_cache = authenticate(
                self.request, username=username, password=password, realm=self.realm
            )
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class PortalLoginForm(LoginForm):
    realm = Realm.PORTAL


class BackofficeLoginForm(LoginForm):
    realm = Realm.BACKOFFICE


class RealmPasswordResetForm(PasswordResetForm):
    """Sends a reset link only to active accounts of this realm; says the same thing either way."""

    realm: Realm

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("E-mail address")
        self.fields["email"].help_text = _("The address you gave when your account was set up.")
        self.fields["email"].error_messages.update(
            required=_("Enter your e-mail address"),
            invalid=_("Enter an e-mail address in the right form, like name@example.com"),
        )

    # The accounts the limits let a link go to, once ``save`` has asked; None before that.
    to_mail: set[int] | None = None

    def get_users(self, email: str) -> Iterator[Any]:
        kinds = [kind for kind, realm in REALM_OF_KIND.items() if realm == self.realm]
        for account in super().get_users(email):
            if account.kind not in kinds:
                continue
            if self.to_mail is not None and account.pk not in self.to_mail:
                continue  # held back by the limits on reset e-mails: nothing is sent
            yield account

    def save(self, **kwargs: Any) -> None:  # type: ignore[override]  # keywords only, as Django calls it
        from yiwang.audit import actors

        request = kwargs.get("request")
        accounts = list(self.get_users(self.cleaned_data["email"]))
        to_mail = services.request_password_reset(
            actor=actors.anonymous(request),
            accounts=accounts,
            realm=self.realm,
            address=client_ip(request) if request is not None else None,
        )
        self.to_mail = {account.pk for account in to_mail}
        super().save(**kwargs)


class PortalPasswordResetForm(RealmPasswordResetForm):
    realm = Realm.PORTAL


class BackofficePasswordResetForm(RealmPasswordResetForm):
    realm = Realm.BACKOFFICE


class ResetPasswordForm(SetPasswordForm):
    """The new-password form behind an e-mailed link; the change goes through the service."""

    def __init__(self, user: Account, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password2"].label = _("Type the new password again")
        self.fields["new_password1"].error_messages["required"] = _("Enter a new password")
        self.fields["new_password2"].error_messages["required"] = _("Type the new password again")
        self.error_messages = {
            **self.error_messages,
            "password_mismatch": _("The two passwords are not the same. Type them again."),
        }

    def save(self, commit: bool = True) -> Account:
        account: Account = self.user  # type: ignore[assignment]
        return services.set_password(
            actor=account,
            account=account,
            password=self.cleaned_data["new_password1"],
            reason="reset",
        )


class ChangePasswordForm(forms.Form):
    """Current password, then the new one twice, for a person who is logged in.

    The form checks what it can see on its own (every field given, the two new passwords equal,
    the password rules); whether the current password is right is for the service to say, since
    that check counts towards the log-in lock-out. :meth:`add_service_error` puts the service's
    complaints next to the right fields.
    """

    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("Type the new password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    # The service's names for its inputs, and the fields that hold them here.
    SERVICE_FIELDS = {"current": "current_password", "new": "new_password1"}

    def __init__(self, user: Account, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["current_password"].error_messages["required"] = _(
            "Enter your current password"
        )
        self.fields["new_password1"].error_messages["required"] = _("Enter a new password")
        self.fields["new_password2"].error_messages["required"] = _("Type the new password again")
        # The rules in force, listed under the field in the page's language.
        self.fields["new_password1"].help_text = password_validators_help_text_html()

    def clean(self) -> dict[str, Any]:
        new = self.cleaned_data.get("new_password1")
        repeat = self.cleaned_data.get("new_password2")
        if new and repeat and new != repeat:
            self.add_error(
                "new_password2", _("The two passwords are not the same. Type them again.")
            )
        if new:
            try:
                validate_password(new, user=self.user)
            except forms.ValidationError as exc:
                self.add_error("new_password1", exc)
        return self.cleaned_data

    def add_service_error(self, error: forms.ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for key, errors in error.error_dict.items():
                self.add_error(self.SERVICE_FIELDS.get(key), errors)
        else:
            self.add_error(None, error)


class AdminSetPasswordForm(forms.Form):
    """Password fields for an admin setting someone else's password."""

    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Type the new password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, account: Account | None, *args: Any, **kwargs: Any) -> None:
        self.account = account
        super().__init__(*args, **kwargs)

    def clean_password2(self) -> str:
        one = self.cleaned_data.get("password1")
        two = self.cleaned_data.get("password2")
        if one and two and one != two:
            raise forms.ValidationError(_("The two passwords are not the same. Type them again."))
        return two or ""
