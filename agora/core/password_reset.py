"""Password recovery by e-mail for everyone who signs in (issue 17): Django's reset views with
Spanish pages, the link built on the site's public address and sent through the outbox, a
limit per address and per client, and the same answer whether the address has an account.

A citizen is signed in once the new password is set and goes back to where they started. Staff
who must use a second factor are not: they sign in again with the new password *and* their
code, so an e-mail alone never opens a staff account."""

from __future__ import annotations

from typing import Any

from axes.utils import reset as axes_reset
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.http import HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import user_has_device

from agora.core.audit import audit_record
from agora.core.nexturl import safe_next
from agora.core.notifications import mail_each_on_commit
from agora.core.permissions import user_requires_2fa
from agora.core.ratelimit import rate_limit
from agora.core.siteurl import site_url

NEXT_SESSION_KEY = "agora_reset_next"


class ResetRequestForm(PasswordResetForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = gettext_lazy("Correo electrónico de su cuenta")
        self.fields["email"].widget.attrs.pop("autofocus", None)

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        link = site_url(
            reverse(
                "account:password_reset_confirm",
                kwargs={"uidb64": context["uid"], "token": context["token"]},
            )
        )
        context = {**context, "link": link}
        subject = render_to_string(subject_template_name, context)
        body = render_to_string(email_template_name, context)
        # Recorded in the outbox like every other mail: a dying process does not lose it.
        mail_each_on_commit(subject, body, [to_email])


class NewPasswordForm(SetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = gettext_lazy("Contraseña nueva")
        self.fields["new_password2"].label = gettext_lazy("Repita la contraseña nueva")
        self.fields["new_password1"].widget.attrs.pop("autofocus", None)


class ResetRequestView(auth_views.PasswordResetView):
    form_class = ResetRequestForm
    template_name = "account/password_reset.html"
    email_template_name = "account/password_reset_email.txt"
    subject_template_name = "account/password_reset_subject.txt"
    success_url = reverse_lazy("account:password_reset_done")
    title = gettext_lazy("Recuperar la contraseña")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["next"] = safe_next(self.request, self.request.GET.get("next"))
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        # Counted whether or not the address has an account: the answer says nothing about it.
        rate_limit("clave", request=self.request, address=form.cleaned_data["email"])
        next_url = safe_next(self.request, self.request.POST.get("next"))
        if next_url:
            self.request.session[NEXT_SESSION_KEY] = next_url
        return super().form_valid(form)


class ResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "account/password_reset_done.html"
    title = gettext_lazy("Revise su correo")


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "account/password_reset_confirm.html"
    form_class = NewPasswordForm
    title = gettext_lazy("Elija una contraseña nueva")
    post_reset_login = False  # decided below: never past a second factor

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.save()
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        audit_record(actor=user, verb="cuenta.clave_restablecida", instance=user)
        # The failures that locked the account were against the old password.
        axes_reset(username=user.get_username())
        if user_requires_2fa(user) or user_has_device(user):
            messages.success(
                self.request,
                _(
                    "Su contraseña cambió. Ingrese con ella y con el código de su aplicación "
                    "de doble factor."
                ),
            )
            return HttpResponseRedirect(reverse("two_factor:login"))
        next_url = safe_next(
            self.request,
            self.request.session.pop(NEXT_SESSION_KEY, ""),
            reverse("directory:staff_home"),
        )
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(self.request, _("Su contraseña cambió y ya ingresó con ella."))
        return HttpResponseRedirect(next_url)
