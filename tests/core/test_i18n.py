"""Spanish everywhere: every template of agora/templates renders in Spanish (es-PE), Django's
own messages are Spanish, and times are shown in America/Lima."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from agora.core.models import User
from agora.directory import public_data, services
from agora.directory.models import Entity, SocialAccount
from agora.inbox.models import CannedAnswer, Conversation, Message, SendStatus
from agora.inbox.services import IncomingMessage, messages_ingest

TEMPLATES_DIR = Path(settings.BASE_DIR) / "agora" / "templates"

# English words a Spanish page must not show (whole words, case-sensitive as UI labels are).
ENGLISH_UI = [
    "Login",
    "Log in",
    "Log out",
    "Logout",
    "Sign in",
    "Next",
    "Previous",
    "Back",
    "Search",
    "Submit",
    "Password",
    "Username",
    "Cancel",
    "Continue",
    "Home",
    "Page",
    "Welcome",
    "Enter",
    "Required",
    "This field",
    "Save",
    "Delete",
    "Verified",
    "Account",
    "Download",
    "Not Found",
    "Forbidden",
    "Server Error",
    "Skip to",
]
_ENGLISH = re.compile(r"\b(" + "|".join(re.escape(word) for word in ENGLISH_UI) + r")\b")


class _VisibleText(HTMLParser):
    """Text a person reads or hears: content and the labelling attributes, not scripts."""

    ATTRIBUTES = {"placeholder", "aria-label", "title", "alt", "value"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._skip += 1
        hidden = tag == "input" and dict(attrs).get("type") in {"hidden", None}
        for name, value in attrs:
            if value and name in self.ATTRIBUTES and not hidden:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def english_words(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    return sorted({match.group(0) for match in _ENGLISH.finditer(" ".join(parser.parts))})


def _verify_otp(client: Client, user: User) -> None:
    """Signs in as someone who has passed the second factor (as django_otp.login does)."""
    device = TOTPDevice.objects.filter(user=user).first() or TOTPDevice.objects.create(
        user=user, name="default", confirmed=True
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


LIMA_EVENING = dt.datetime(2024, 3, 2, 3, 30, tzinfo=dt.UTC)  # 1 March 2024, 22:30 in Lima


@pytest.fixture
def directory(
    entities: dict[str, Entity], verified_account: SocialAccount, rector: User
) -> dict[str, SocialAccount]:
    """Arequipa's municipalities (for pagination), MINSA's verified account with a known
    verification time, and a pending account with a known proposal time."""
    services.entities_load(
        rows=[row for row in public_data.all_rows() if row["code"].startswith("md-04")]
    )
    SocialAccount.objects.filter(pk=verified_account.pk).update(verified_at=LIMA_EVENING)
    pending = services.account_propose(
        actor=rector, entity=entities["sunat"], platform="facebook", handle="sunat.oficial"
    )
    SocialAccount.objects.filter(pk=pending.pk).update(created_at=LIMA_EVENING)
    return {"verified": verified_account, "pending": pending}


@dataclass
class Visit:
    """A page to render: who asks, how, and the status expected."""

    name: str
    path: str
    who: str = ""  # "", "communicator", "manager", "rector", "admin"; rector/manager/admin pass 2FA
    verified: bool = True
    method: str = "get"
    data: dict[str, object] | None = None
    status: int = 200


VISITS = [
    Visit("inicio", "/"),
    Visit("recuperar contraseña", "/cuenta/clave/olvide/"),
    Visit("recuperar contraseña: enviado", "/cuenta/clave/enviada/"),
    Visit("recuperar contraseña: enlace no válido", "/cuenta/clave/nueva/MQ/basura/"),
    Visit("directorio", "/directorio/"),
    Visit("reportar cuenta falsa", "/directorio/verificar/reportar/?cuenta=@minsa_peru_oficial"),
    Visit("cuentas falsas reportadas", "/directorio/verificar/cuentas-falsas/"),
    Visit("reportes de cuentas falsas", "/equipo/cuentas/falsas/", who="rector"),
    Visit("directorio paginado", "/directorio/?departamento=04&pagina=2"),
    Visit("directorio con filtro no válido", "/directorio/?nivel=galactico"),
    Visit("directorio sin resultados", "/directorio/?q=zzzzzz"),
    Visit("entidad", "/directorio/minsa/"),
    Visit("verificar", "/directorio/verificar/"),
    Visit("verificar suplantación", "/directorio/verificar/?q=%40MinsaPeru_"),
    Visit("verificar vacía", "/directorio/verificar/?q="),
    Visit("datos abiertos", "/datos/"),
    Visit("ingreso", "/cuenta/ingresar/"),
    Visit(
        "ingreso fallido",
        "/cuenta/ingresar/",
        method="post",
        data={
            "login_view-current_step": "auth",
            "auth-username": "nadie",
            "auth-password": "equivocada",
        },
    ),
    Visit("no encontrada", "/no-existe/", status=404),
    Visit("prohibida", "/equipo/cuentas/verificacion/", who="communicator", status=403),
    Visit("mi trabajo (comunicadora)", "/equipo/", who="communicator"),
    Visit("mi trabajo (ente rector)", "/equipo/", who="rector"),
    Visit("registrar cuenta", "/equipo/cuentas/nueva/", who="manager"),
    Visit(
        "registrar cuenta con errores",
        "/equipo/cuentas/nueva/",
        who="manager",
        method="post",
        data={"entity": "minsa", "platform": "marte"},
    ),
    Visit("cola de verificación", "/equipo/cuentas/verificacion/", who="rector"),
    Visit("importar cuentas", "/equipo/cuentas/importar/", who="rector"),
    Visit("configurar doble factor", "/cuenta/doble-factor/configurar/", who="communicator"),
    Visit("doble factor", "/cuenta/doble-factor/", who="communicator"),
    Visit("códigos de respaldo", "/cuenta/doble-factor/codigos/", who="rector"),
    Visit("seguridad con doble factor", "/cuenta/doble-factor/", who="rector"),
    Visit("desactivar doble factor", "/cuenta/doble-factor/desactivar/", who="rector"),
    Visit("documentación de la API", "/api/v1/docs/"),
    Visit("bandeja", "/bandeja/", who="communicator"),
    Visit(
        "bandeja con filtro no válido", "/bandeja/?estado=galactico", who="communicator", status=400
    ),
    Visit(
        "conversación", "/bandeja/{conversation}/?respuesta_aprobada={answer}", who="communicator"
    ),
    Visit("búsqueda en la bandeja", "/bandeja/?q=influenza", who="communicator"),
    Visit(
        "acción en bloque no válida",
        "/bandeja/en-bloque/",
        who="communicator",
        method="post",
        data={"accion": "cerrar", "conversaciones": ["no-es-un-numero"]},
        status=400,
    ),
    Visit("notificaciones", "/bandeja/notificaciones/", who="communicator"),
    Visit("respuestas aprobadas", "/bandeja/respuestas/", who="communicator"),
    Visit("nueva respuesta aprobada", "/bandeja/respuestas/nueva/", who="manager"),
    Visit("metodología", "/bandeja/metodologia/"),
    Visit("administración", "/admin/", who="admin"),
    Visit("administración de cuentas", "/admin/directory/socialaccount/", who="admin"),
]


@pytest.fixture
def people(
    make_user: Callable[..., User], rector: User, manager: User, communicator: User
) -> dict[str, User]:
    administrator = make_user("administradora", is_staff=True, is_superuser=True)
    return {
        "rector": rector,
        "manager": manager,
        "communicator": communicator,
        "admin": administrator,
    }


@pytest.fixture
def conversation(directory: dict[str, SocialAccount]) -> dict[str, int]:
    """A citizen's comment on MINSA's verified account, and an approved answer."""
    account = directory["verified"]
    SocialAccount.objects.filter(pk=account.pk).update(platform_id="42")
    messages_ingest(
        batch=[
            IncomingMessage(
                platform=account.platform,
                account_id=account.pk,
                thread_kind="comentarios",
                thread_id="publicacion-1",
                message_id="comentario-1",
                sent_at=LIMA_EVENING,
                text="¿Dónde me vacuno contra la influenza?",
                author_id="ciudadana-1",
                author_name="Ciudadana de prueba",
                post_id="publicacion-1",
            ),
            IncomingMessage(
                platform=account.platform,
                account_id=account.pk,
                thread_kind="comentarios",
                thread_id="comentario-1",
                message_id="respuesta-1",
                sent_at=LIMA_EVENING + dt.timedelta(minutes=5),
                text="Puede vacunarse en su centro de salud.",
                author_id="42",
                parent_id="comentario-1",
                from_entity=True,
            ),
        ]
    )
    # An answer whose publication failed: the thread shows why and offers "Reintentar".
    Message.objects.filter(platform_message_id="respuesta-1").update(
        send_status=SendStatus.FALLIDO, send_error="La plataforma no respondió a tiempo."
    )
    answer = CannedAnswer.objects.create(
        entity=account.entity, title="Vacunación", body="Puede vacunarse en su centro de salud."
    )
    return {"conversation": Conversation.objects.get().pk, "answer": answer.pk}


def _render(
    client: Client, visit: Visit, people: dict[str, User], ids: dict[str, int] | None = None
) -> tuple[str, set[str]]:
    client.logout()
    if visit.who:
        user = people[visit.who]
        if visit.verified and visit.who != "communicator":
            _verify_otp(client, user)
        else:
            client.force_login(user)
    path = visit.path.format(**(ids or {}))
    response = client.post(path, visit.data or {}) if visit.method == "post" else client.get(path)
    assert response.status_code == visit.status, f"{visit.name}: {response.status_code}"
    templates = {t.name for t in response.templates if t.name}
    return response.content.decode(), templates


def test_every_template_renders_in_spanish(
    client: Client,
    directory: dict[str, SocialAccount],
    people: dict[str, User],
    conversation: dict[str, int],
) -> None:
    """Each page of the project (and so every template under agora/templates) declares
    Spanish and shows no English UI words."""
    rendered: set[str] = set()
    problems: list[str] = []
    for visit in VISITS:
        html, templates = _render(client, visit, people, conversation)
        rendered |= templates
        lang = re.search(r"<html[^>]*\blang=\"([^\"]+)\"", html)
        if lang is None or lang.group(1).lower() != "es-pe":
            problems.append(f"{visit.name}: <html lang> is {lang.group(1) if lang else None}")
        if words := english_words(html):
            problems.append(f"{visit.name} ({visit.path}): English {words}")
    # A fake-account report followed by its signed link, then the same client over the limit.
    client.logout()
    report = {
        "cuenta": "https://www.facebook.com/minsa.peru-oficial",
        "descripcion": "Publica bonos falsos con el logo del ministerio.",
    }
    response = client.post("/directorio/verificar/reportar/", report, follow=True)
    rendered |= {t.name for t in response.templates if t.name}
    if words := english_words(response.content.decode()):
        problems.append(f"estado del reporte: English {words}")
    for _attempt in range(25):
        response = client.post("/directorio/verificar/reportar/", report)
        if response.status_code == 429:
            rendered |= {t.name for t in response.templates if t.name}
            if words := english_words(response.content.decode()):
                problems.append(f"demasiados reportes: English {words}")
            break
    # Served by handlers, not by a URL.
    for name in ("500.html", "400.html", "403_csrf.html", "core/lockout.html", "429.html"):
        rendered.add(name)
        if words := english_words(render_to_string(name)):
            problems.append(f"{name}: English {words}")
    assert problems == []
    ours = {
        name
        for name in (str(p.relative_to(TEMPLATES_DIR)) for p in TEMPLATES_DIR.rglob("*.html"))
        if not name.startswith(LATER_MODULES) and name not in LATER_INBOX
    }
    assert ours - rendered == set(), "templates not covered by this test"


# The pages visited above were written with the directory and the inbox. The templates of the
# modules that came later are rendered by their own tests (tests/<app>/, tests/browser/) and
# checked here from their source: no English UI words outside the template language.
LATER_MODULES = (
    "commitments/",
    "participation/",
    "reports/",
    "language/",
    "connectors/",
    "training/",
    "publishing/",
)
LATER_INBOX = {
    "inbox/_alert_reason.html",
    "inbox/_alerts_link.html",
    "inbox/_classification.html",
    "inbox/_crisis_banner.html",
    "inbox/_moderation.html",
    "inbox/alerts.html",
    "inbox/moderation_settings.html",
    "inbox/_reply_approval.html",
}
_TEMPLATE_CODE = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", re.DOTALL)


@pytest.mark.parametrize(
    "name",
    sorted(
        str(p.relative_to(TEMPLATES_DIR))
        for p in TEMPLATES_DIR.rglob("*.html")
        if str(p.relative_to(TEMPLATES_DIR)).startswith(LATER_MODULES)
        or str(p.relative_to(TEMPLATES_DIR)) in LATER_INBOX
    ),
)
def test_later_module_templates_have_no_english_ui_words(name: str) -> None:
    source = (TEMPLATES_DIR / name).read_text(encoding="utf-8")
    assert english_words(_TEMPLATE_CODE.sub(" ", source)) == []


def test_directory_page_is_spanish_for_an_english_speaking_browser(
    client: Client, directory: dict[str, SocialAccount]
) -> None:
    """The directory stays in Spanish (es-PE) even when the browser asks for English."""
    response = client.get("/directorio/", headers={"accept-language": "en-US,en;q=0.9"})
    html = response.content.decode()
    assert '<html lang="es-PE">' in html
    assert response["Content-Language"] == "es-pe"
    assert english_words(html) == []
    assert "Directorio de entidades públicas y sus cuentas oficiales" in html
    assert "Saltar al contenido principal" in html


def test_no_template_has_a_comment_django_would_print() -> None:
    """``{# … #}`` is a one-line comment: opened on one line and closed on another, Django shows
    it on the page (the sign-in page showed its first line to everyone)."""
    opened = [
        f"{path.relative_to(TEMPLATES_DIR)}:{number}"
        for path in sorted(TEMPLATES_DIR.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "{#" in line and "#}" not in line.split("{#", 1)[1]
    ]
    assert opened == []


# The informal «tú» of the second factor library's own Spanish.
INFORMAL = re.compile(r"\b(introduce|utiliza|tienes|tus?)\b", re.IGNORECASE)


def test_the_second_factor_addresses_the_official_as_usted(client: Client, rector: User) -> None:
    """The code step of the sign-in and the account security pages speak as the rest of
    Ágora."""
    response = client.post(
        "/cuenta/ingresar/",
        {
            "login_view-current_step": "auth",
            "auth-username": rector.username,
            "auth-password": "contraseña-de-prueba-123",
        },
    )
    html = response.content.decode()
    assert "Ingrese el código de seis dígitos que muestra su aplicación" in html
    _verify_otp(client, rector)
    backup = client.get("/cuenta/doble-factor/codigos/").content.decode()
    assert "Todavía no tiene códigos de respaldo." in backup
    profile = client.get("/cuenta/doble-factor/").content.decode()
    assert "Le quedan 0 códigos de respaldo." in profile
    disable = client.get("/cuenta/doble-factor/desactivar/").content.decode()
    assert "Su cuenta quedará protegida solo por la contraseña." in disable
    for page in (html, backup, profile, disable):
        assert "{#" not in page and "{% comment" not in page
        text = re.sub(r"<[^>]+>", " ", page)
        assert INFORMAL.findall(text) == []


def test_lockout_page_is_spanish(client: Client, make_user: Callable[..., User]) -> None:
    """The page shown after too many failed sign-ins (core/lockout.html) is Spanish."""
    make_user("comunicador")
    for _attempt in range(6):
        response = client.post(
            "/cuenta/ingresar/",
            {
                "login_view-current_step": "auth",
                "auth-username": "comunicador",
                "auth-password": "equivocada",
            },
        )
    html = response.content.decode()
    assert "Acceso bloqueado temporalmente" in html
    assert '<html lang="es-PE">' in html
    assert english_words(html) == []


def test_django_form_errors_are_spanish(client: Client, manager: User) -> None:
    """Django's own validation messages come out in Spanish."""
    _verify_otp(client, manager)
    response = client.post("/equipo/cuentas/nueva/", {"entity": "minsa", "platform": "marte"})
    html = response.content.decode()
    assert "Escoja una opción válida. marte no es una de las opciones disponibles." in html
    assert "Select a valid choice" not in html


def test_django_required_field_message_is_spanish(client: Client, rector: User) -> None:
    """A missing file in the import form gives a Spanish «this field is required» message."""
    _verify_otp(client, rector)
    response = client.post("/equipo/cuentas/importar/", {"confirm": ""})
    html = response.content.decode()
    assert re.search(r"Este campo es (obligatorio|requerido)\.", html)
    assert "This field is required." not in html


def test_import_errors_are_reported_in_spanish(client: Client, rector: User) -> None:
    """A bad CSV is answered with Spanish messages per line and column."""
    _verify_otp(client, rector)
    upload = SimpleUploadedFile("cuentas.csv", b"entity_code,platform\nno-existe,marte\n")
    response = client.post("/equipo/cuentas/importar/", {"file": upload})
    html = response.content.decode()
    assert "El archivo tiene errores: no se importó nada" in html
    assert english_words(html) == []


def test_times_are_shown_in_lima(
    client: Client, directory: dict[str, SocialAccount], rector: User
) -> None:
    """A time stored in UTC (2 March, 03:30) is shown as Lima's 1 March, 22:30."""
    assert settings.TIME_ZONE == "America/Lima"
    assert timezone.get_current_timezone_name() == "America/Lima"
    entity_page = client.get("/directorio/minsa/").content.decode()
    assert "verificada el 1 de marzo de 2024" in entity_page
    _verify_otp(client, rector)
    queue = client.get("/equipo/cuentas/verificacion/").content.decode()
    assert "1/03/2024 22:30" in queue
    assert "2/03/2024" not in queue
