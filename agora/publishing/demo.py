"""Demo data of publishing (marked ``is_demo``): for a few demo entities, this month's content
plan with its themes and posts in every status (one scheduled a few minutes ahead, which the
running demo publishes on the sandbox platform by itself, and published ones with their ids),
publishing settings with the authority's names, and a crisis manual with steps, contacts and
holding statements (and a past crisis, closed, with who did what). Idempotent."""

from __future__ import annotations

import calendar
import uuid
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from agora.core.models import User
from agora.directory.models import (
    AccountStatus,
    Entity,
    Membership,
    MembershipRole,
    Platform,
    SocialAccount,
)
from agora.inbox.services import IncomingPost, posts_store
from agora.publishing.models import (
    ContentPlan,
    Crisis,
    CrisisContact,
    CrisisManual,
    CrisisStep,
    CrisisStepDone,
    CrisisTrigger,
    HoldingStatement,
    PlannedPost,
    PlanTheme,
    PostStatus,
    PostVariant,
    PublishingSettings,
    VariantStatus,
)

ENTITY_LIMIT = 3
THEMES = [
    ("Vacunación y prevención", "Que más familias sepan dónde y cuándo vacunarse."),
    ("Trámites en línea", "Menos colas: explicar los trámites que ya se hacen en línea."),
    ("Rendición de cuentas", "Mostrar avances verificables de nuestros compromisos."),
]
STEPS = [
    ("Confirmar los hechos con el área responsable antes de publicar nada.", "Jefatura de prensa"),
    ("Avisar a la máxima autoridad y al equipo legal.", "Responsable de comunicaciones"),
    ("Publicar la declaración preaprobada que corresponda.", "Comunicador de turno"),
    ("Responder en la bandeja con la respuesta aprobada; no improvisar.", "Equipo de bandeja"),
    ("Revisar cada hora y actualizar la información publicada.", "Responsable de comunicaciones"),
]
STATEMENTS = [
    (
        "Caída de un servicio en línea",
        "Sabemos que el servicio no está disponible. Estamos trabajando para restablecerlo y "
        "les informaremos aquí en cuanto esté en línea. Gracias por su paciencia.",
    ),
    (
        "Información falsa que circula",
        "Hemos visto publicaciones con información que no es correcta. La información oficial "
        "está en nuestras cuentas verificadas y en gob.pe. Pronto compartiremos más detalles.",
    ),
]


def _entities() -> list[tuple[Entity, SocialAccount]]:
    """Demo entities with a verified demo Facebook page (the demo users' entity first)."""
    pages = (
        SocialAccount.objects.filter(
            is_demo=True, status=AccountStatus.VERIFICADA, platform=Platform.FACEBOOK
        )
        .exclude(platform_id="")
        .select_related("entity")
        .order_by("entity__code", "pk")
    )
    staffed = set(
        Membership.objects.active()
        .filter(user__username__startswith="demo-")
        .values_list("entity_id", flat=True)
    )
    seen: dict[int, tuple[Entity, SocialAccount]] = {}
    for page in pages:
        seen.setdefault(page.entity_id, (page.entity, page))
    ordered = sorted(seen.values(), key=lambda pair: (pair[0].pk not in staffed, pair[0].code))
    return ordered[:ENTITY_LIMIT]


def _people(entity: Entity) -> tuple[User | None, User | None]:
    members = Membership.objects.active().filter(entity=entity).select_related("user")
    manager = next((m.user for m in members if m.role == MembershipRole.GESTOR), None)
    author = next((m.user for m in members if m.role == MembershipRole.COMUNICADOR), None)
    return manager, author


def _at(day: int, hour: int, now: datetime) -> datetime:
    local = timezone.localtime(now)
    last = calendar.monthrange(local.year, local.month)[1]
    return local.replace(day=min(max(day, 1), last), hour=hour, minute=0, second=0, microsecond=0)


@transaction.atomic
def _entity_demo(entity: Entity, page: SocialAccount, now: datetime) -> int:
    today = timezone.localdate(now)
    start = today.replace(day=1)
    end = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    if ContentPlan.objects.filter(entity=entity, is_demo=True, period_start=start).exists():
        return 0
    manager, author = _people(entity)
    name = entity.acronym or entity.name
    settings, _created = PublishingSettings.objects.get_or_create(
        entity=entity,
        defaults={
            "authority_names": f"titular de {name}\nministro\nministra",
            "self_promotion_max_percent": 20,
        },
    )
    if manager is not None:
        settings.approvers.add(manager)
    plan = ContentPlan.objects.create(
        entity=entity,
        title=f"Plan de contenidos de {name}: {start:%m/%Y}",
        period_start=start,
        period_end=end,
        objectives=(
            "Informar con claridad, escuchar antes de responder y mostrar avances que la "
            "ciudadanía pueda verificar (plan de prueba)."
        ),
        created_by=manager,
        is_demo=True,
    )
    plan.accounts.set(
        SocialAccount.objects.filter(entity=entity, is_demo=True, status=AccountStatus.VERIFICADA)
    )
    themes = [PlanTheme.objects.create(plan=plan, name=n, objective=o) for n, o in THEMES]
    day = today.day
    rows = [
        # (title, status, when, text, theme)
        (
            "Jornada de vacunación del sábado",
            PostStatus.BORRADOR,
            _at(day + 3, 10, now),
            "Este sábado vacunamos en nuestras sedes de 8 a 16 h. Traigan su DNI. [demo]",
            themes[0],
        ),
        (
            "Nuevo trámite en línea",
            PostStatus.EN_REVISION,
            _at(day + 2, 11, now),
            "Ya pueden hacer su trámite en línea desde gob.pe, sin colas. Les contamos cómo. "
            "[demo]",
            themes[1],
        ),
        (
            "Avance del compromiso de atención",
            PostStatus.APROBADO,
            _at(day + 1, 9, now),
            "Les contamos cuánto avanzamos este mes en nuestro compromiso de atención: los "
            "datos están en Ágora. [demo]",
            themes[2],
        ),
        (
            "Recordatorio de horarios de atención",
            PostStatus.PROGRAMADO,
            now + timedelta(minutes=5),
            "Recuerden: atendemos de lunes a viernes de 8 a 17 h y los sábados hasta el "
            "mediodía. [demo]",
            themes[1],
        ),
        (
            "Publicación con un meme",
            PostStatus.RECHAZADO,
            _at(day - 2, 15, now),
            "Cuando por fin terminas tu trámite jajaja #challenge [demo]",
            themes[1],
        ),
        (
            "Inicio de la campaña de vacunación",
            PostStatus.PUBLICADO,
            now - timedelta(days=3),
            "Empezamos la campaña de vacunación en todas nuestras sedes. Les esperamos. [demo]",
            themes[0],
        ),
        (
            "Resultados del mes anterior",
            PostStatus.PUBLICADO,
            now - timedelta(days=1),
            "Atendimos más consultas que el mes pasado y respondimos antes. Los datos, en "
            "Ágora. [demo]",
            themes[2],
        ),
    ]
    published: list[IncomingPost] = []
    for title, status, when, text, theme in rows:
        decided = status in {
            PostStatus.APROBADO,
            PostStatus.PROGRAMADO,
            PostStatus.PUBLICADO,
            PostStatus.RECHAZADO,
        }
        post = PlannedPost.objects.create(
            plan=plan,
            entity=entity,
            theme=theme,
            title=title,
            scheduled_at=when,
            status=status,
            author=author,
            submitted_at=when - timedelta(days=2) if status != PostStatus.BORRADOR else None,
            decided_by=manager if decided else None,
            decided_at=when - timedelta(days=1) if decided else None,
            rejection_reason=(
                "Lineamiento 26: sin memes ni bromas; reescríbanla con la información del trámite."
                if status == PostStatus.RECHAZADO
                else ""
            ),
            published_at=when if status == PostStatus.PUBLICADO else None,
            is_demo=True,
        )
        variant = PostVariant(post=post, account=page, text=text)
        if status == PostStatus.PUBLICADO:
            # The same shape as the sandbox's ids ("{page-id}_{post-id}").
            variant.platform_post_id = f"{page.platform_id}_{uuid.uuid4().hex[:16]}"
            variant.publish_status = VariantStatus.PUBLICADA
            variant.published_at = when
            variant.attempts = 1
            published.append(
                IncomingPost(
                    platform=page.platform,
                    account_id=page.pk,
                    post_id=variant.platform_post_id,
                    text=text,
                    posted_at=when,
                )
            )
        variant.save()
    ids = posts_store(posts=published, is_demo=True)
    for variant in PostVariant.objects.filter(post__plan=plan, publish_status="publicada"):
        variant.inbox_post_id = ids.get((page.pk, variant.platform_post_id))
        variant.save(update_fields=["inbox_post"])
    _crisis_demo(entity, manager, author, now)
    return len(rows)


def _crisis_demo(entity: Entity, manager: User | None, author: User | None, now: datetime) -> None:
    manual, created = CrisisManual.objects.get_or_create(
        entity=entity,
        defaults={
            "introduction": (
                "Se usa cuando un hecho pone en riesgo la confianza en la entidad: un pico de "
                "mensajes, una denuncia grave, información falsa que se difunde o la caída de "
                "un servicio. Primero escuchamos y confirmamos; después informamos."
            ),
            "updated_by": manager,
            "is_demo": True,
        },
    )
    if not created:
        return
    steps = [
        CrisisStep.objects.create(manual=manual, order=i, text=t, responsible=r)
        for i, (t, r) in enumerate(STEPS, start=1)
    ]
    CrisisContact.objects.create(
        manual=manual, name="Jefatura de prensa (demo)", role="Prensa", phone="01 000 0000"
    )
    CrisisContact.objects.create(
        manual=manual,
        name="Oficina de asesoría jurídica (demo)",
        role="Legal",
        email="legal@demo.agora.invalid",
    )
    for title, text in STATEMENTS:
        HoldingStatement.objects.create(
            manual=manual,
            title=title,
            text=text,
            approved_by=manager,
            approved_at=now - timedelta(days=20) if manager else None,
        )
    past = Crisis.objects.create(
        entity=entity,
        trigger=CrisisTrigger.PICO,
        summary="Pico de reclamos por la caída del sistema de citas (demo).",
        opened_by=manager,
        opened_at=now - timedelta(days=40),
        closed_by=manager,
        closed_at=now - timedelta(days=39),
        is_demo=True,
    )
    for offset, step in enumerate(steps[:3]):
        CrisisStepDone.objects.create(
            crisis=past,
            step=step,
            done_by=author or manager,
            done_at=past.opened_at + timedelta(minutes=20 * (offset + 1)),
        )


def publishing_create_demo(now: datetime | None = None) -> int:
    """Creates the demo plans, posts and crisis manuals; returns how many posts were new."""
    now = now or timezone.now()
    return sum(_entity_demo(entity, page, now) for entity, page in _entities())
