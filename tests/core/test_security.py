"""Security settings and sign-in: deploy checks, response headers, login throttling,
compulsory two-factor authentication, the admin behind the same sign-in, and the secret key."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from agora.core.models import User
from agora.directory import demo
from agora.directory.models import Entity

LOGIN = "/cuenta/ingresar/"
SETUP_2FA = "/cuenta/doble-factor/configurar/"
STAFF_HOME = "/equipo/"
PASSWORD = "contraseña-de-prueba-123"  # the shared make_user fixture's password


def _clean_env(**extra: str) -> dict[str, str]:
    """The current environment without any Ágora setting, plus ``extra``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AGORA_", "DJANGO_")) and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(extra)
    return env


def _agora(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agora.manage", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# --- production settings -------------------------------------------------------------------


def test_deploy_check_is_clean_under_production_settings(tmp_path: Path) -> None:
    """`agora check --deploy --fail-level WARNING` passes with HTTPS, a real key and a host."""
    env = _clean_env(
        AGORA_HTTPS="1",
        AGORA_SECRET_KEY=secrets.token_urlsafe(48),
        AGORA_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        AGORA_ALLOWED_HOSTS="agora.gob.pe",
        AGORA_BASE_URL="https://agora.gob.pe",
        AGORA_VAR_DIR=str(tmp_path),
    )
    assert len(env["AGORA_SECRET_KEY"]) == 64
    result = _agora("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_check_refuses_keys_each_server_would_make_for_itself(tmp_path: Path) -> None:
    """Issue 16: without AGORA_SECRET_KEY and AGORA_ENCRYPTION_KEY each machine generates its
    own under its data folder; a token saved on one server could not be read on another."""
    env = _clean_env(
        AGORA_HTTPS="1", AGORA_ALLOWED_HOSTS="agora.gob.pe", AGORA_VAR_DIR=str(tmp_path)
    )
    result = _agora("check", "--deploy", env=env)
    assert result.returncode != 0
    assert "agora.E001" in result.stderr and "agora.E002" in result.stderr
    # Issue 17: without the public address every e-mailed link would point at 127.0.0.1:8000.
    assert "agora.E004" in result.stderr
    env["AGORA_BASE_URL"] = "https://agora.gob.pe"
    env.update(AGORA_SECRET_KEY=secrets.token_urlsafe(48), AGORA_ENCRYPTION_KEY="no-es-clave")
    result = _agora("check", "--deploy", env=env)
    assert "agora.E003" in result.stderr and "agora.E002" not in result.stderr
    # A new key from the command is accepted (and it prints only the key).
    new_key = _agora("encryption_key", env=env).stdout.strip()
    assert Fernet(new_key.encode())
    env["AGORA_ENCRYPTION_KEY"] = f"{new_key},{Fernet.generate_key().decode()}"  # rotation
    result = _agora("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def _print_secret_key(var_dir: Path) -> str:
    env = _clean_env(AGORA_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="agora.settings")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings;"
            " print(settings.SECRET_KEY)",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_secret_key_is_generated_once_under_var_when_not_configured(tmp_path: Path) -> None:
    """Without AGORA_SECRET_KEY a random key is written to var/secret_key (owner-only) on the
    first start and the same key is used on the next start."""
    first = _print_secret_key(tmp_path)
    key_file = tmp_path / "secret_key"
    assert key_file.read_text().strip() == first
    assert len(first) >= 50
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert _print_secret_key(tmp_path) == first


# --- response headers ----------------------------------------------------------------------


def _csp(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        if words := part.split():
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.parametrize("path", ["/", "/directorio/", "/directorio/verificar/", LOGIN])
def test_public_page_sends_security_headers(
    client: Client, entities: dict[str, Entity], path: str
) -> None:
    """A strict CSP (no inline scripts), nosniff, no framing and a referrer policy."""
    response = client.get(path)
    assert response.status_code == 200
    csp = _csp(response["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    script_src = csp.get("script-src", csp["default-src"])
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


# --- login throttling ----------------------------------------------------------------------


def _post_password(client: Client, username: str, password: str) -> object:
    return client.post(
        LOGIN,
        {
            "login_view-current_step": "auth",
            "auth-username": username,
            "auth-password": password,
        },
    )


def test_five_wrong_passwords_lock_the_sign_in_even_with_the_right_one(
    client: Client, make_user: Callable[..., User]
) -> None:
    """After five failures the sixth attempt is refused with the Spanish lockout page, even
    with the right password, and nobody is signed in."""
    make_user("comunicador")
    for _attempt in range(5):
        _post_password(client, "comunicador", "contraseña-equivocada")
    response = _post_password(client, "comunicador", PASSWORD)
    assert response.status_code == 429  # type: ignore[attr-defined]
    html = response.content.decode()  # type: ignore[attr-defined]
    assert "<h1>Acceso bloqueado temporalmente</h1>" in html  # core/lockout.html
    assert '<html lang="es-PE">' in html
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_is_answered_in_spanish_without_signing_in(
    client: Client, make_user: Callable[..., User]
) -> None:
    """A single failure shows the form again with Django's Spanish error message."""
    make_user("comunicador")
    response = _post_password(client, "comunicador", "contraseña-equivocada")
    assert response.status_code == 200  # type: ignore[attr-defined]
    html = response.content.decode()  # type: ignore[attr-defined]
    assert "Por favor, introduzca un nombre de usuario y clave correctos" in html
    assert "_auth_user_id" not in client.session


# --- two-factor authentication -------------------------------------------------------------


@pytest.mark.parametrize("role", ["rector", "manager"])
def test_staff_who_must_use_2fa_are_sent_to_set_it_up(
    client: Client, request: pytest.FixtureRequest, role: str
) -> None:
    """Rector staff and entity managers signed in without a second factor cannot reach the
    staff pages: they are redirected to the two-factor set-up."""
    user: User = request.getfixturevalue(role)
    TOTPDevice.objects.filter(user=user).delete()
    client.force_login(user)
    response = client.get(STAFF_HOME)
    assert response.status_code == 302
    assert response["Location"] == SETUP_2FA


def test_communicator_reaches_staff_pages_without_2fa(client: Client, communicator: User) -> None:
    """A communicator (no 2FA required) signed in with a password sees the staff home."""
    client.force_login(communicator)
    response = client.get(STAFF_HOME)
    assert response.status_code == 200


def _current_code(user: User) -> str:
    device = TOTPDevice.objects.get(user=user)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return str(code).zfill(device.digits)


def _password_step(
    client: Client, user: User, *, url: str = LOGIN, password: str = PASSWORD
) -> None:
    """The login wizard's first step; with a second factor it must ask for the code next."""
    response = client.post(
        url,
        {
            "login_view-current_step": "auth",
            "auth-username": user.username,
            "auth-password": password,
        },
    )
    assert response.status_code == 200, (
        f"the password step answered {response.status_code} {response.get('Location', '')}: "
        "the wizard skipped the code step (django-two-factor-auth only asks for the code of a "
        "confirmed device named 'default')"
    )
    assert 'name="token-otp_token"' in response.content.decode()


def _sign_in_with_totp(
    client: Client, user: User, *, url: str = LOGIN, password: str = PASSWORD
) -> object:
    """The two steps of the login wizard: password, then the authenticator's code."""
    _password_step(client, user, url=url, password=password)
    return client.post(
        url,
        {"login_view-current_step": "token", "token-otp_token": _current_code(user)},
    )


def test_rector_signs_in_with_password_and_totp_code(client: Client, rector: User) -> None:
    """Password then a valid TOTP code signs the rector in, verified, and /equipo/ opens."""
    response = _sign_in_with_totp(client, rector)
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert response["Location"] == reverse("directory:staff_home")  # type: ignore[index]
    assert client.session["_auth_user_id"] == str(rector.pk)
    assert client.get(STAFF_HOME).status_code == 200


def test_demo_rector_signs_in_with_the_demo_totp_device(
    client: Client, entities: dict[str, Entity]
) -> None:
    """The demo rector from `agora load_demo_data` signs in with password and the code that
    `agora demo_otp demo-rector` prints, and reaches /equipo/."""
    people = {person.username: person for person in demo.users_create_demo()}
    rector = User.objects.get(username="demo-rector")
    response = _sign_in_with_totp(client, rector, password=people["demo-rector"].password)
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert client.get(STAFF_HOME).status_code == 200


def test_a_wrong_totp_code_does_not_sign_in(client: Client, rector: User) -> None:
    """A wrong code keeps the rector on the token step, signed out."""
    _password_step(client, rector)
    wrong = str((int(_current_code(rector)) + 1) % 10**6).zfill(6)
    response = client.post(LOGIN, {"login_view-current_step": "token", "token-otp_token": wrong})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert client.get(STAFF_HOME).status_code == 302


# --- the admin -----------------------------------------------------------------------------


@pytest.fixture
def administrator(make_user: Callable[..., User]) -> User:
    """A superuser whose authenticator was set up as /cuenta/doble-factor/configurar/ does it
    (django-two-factor-auth names that device "default")."""
    user = make_user("administradora", is_staff=True, is_superuser=True)
    TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    return user


def test_admin_sends_anonymous_visitors_to_the_two_factor_login(client: Client, db: None) -> None:
    """/admin/ has no login of its own: it redirects to the two-factor sign-in, which will
    return to /admin/ afterwards."""
    response = client.get("/admin/", follow=True)
    assert response.status_code == 200
    login_url = urlsplit(response.redirect_chain[-1][0])
    assert login_url.path == LOGIN
    assert parse_qs(login_url.query)["next"] == ["/admin/"]


def test_signing_in_from_the_admin_returns_to_the_admin(
    client: Client, administrator: User
) -> None:
    """Starting at /admin/, password and code lead back to the admin index, not to the
    login page again."""
    login_url = client.get("/admin/", follow=True).redirect_chain[-1][0]
    response = _sign_in_with_totp(client, administrator, url=login_url)
    final = client.get(response["Location"], follow=True)  # type: ignore[index]
    assert final.request["PATH_INFO"] == "/admin/", final.redirect_chain
    assert final.status_code == 200


def test_admin_requires_the_second_factor(client: Client, administrator: User) -> None:
    """An administrator signed in with a password only (their authenticator exists) is sent
    back to the sign-in that asks for its code."""
    client.force_login(administrator)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN + "?next=")


def test_admin_is_in_spanish_after_two_factor_sign_in(client: Client, administrator: User) -> None:
    """After password and code the admin opens, in Spanish."""
    response = _sign_in_with_totp(client, administrator, url=f"{LOGIN}?next=/admin/")
    assert response["Location"] == "/admin/"  # type: ignore[index]
    response = client.get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es-pe"' in html
    assert "Administración de Ágora" in html
    for spanish in ("Bienvenidos", "Ver el sitio", "Cambiar contraseña", "Cerrar sesión"):
        assert spanish in html
    for english in ("Welcome,", "Log out", "Site administration", "Recent actions"):
        assert english not in html
