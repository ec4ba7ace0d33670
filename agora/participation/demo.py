"""Demo data for participation, every row marked ``is_demo``: fictitious member organisations
on the two real pilot forums, sessions, agreements, and a consultation with comments; plus
the generator of large consultations used by the benchmark and the query-count tests."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from agora.core.models import User
from agora.participation import pilots, services
from agora.participation.models import (
    AnswerOutcome,
    CitizenVerification,
    Comment,
    CommentStatus,
    Consultation,
    Forum,
    MemberOrganisation,
    StakeholderType,
)

DEMO_MEMBERS = [
    ("Colectivo Ciudadano por el Ambiente (demo)", StakeholderType.SOCIEDAD_CIVIL, "voz_y_voto"),
    ("Red Vecinal de Gestión de Residuos (demo)", StakeholderType.SOCIEDAD_CIVIL, "voz_y_voto"),
    ("Universidad Andina de Ejemplo (demo)", StakeholderType.ACADEMIA, "voz_y_voto"),
    ("Dirección Sectorial de Ejemplo (demo)", StakeholderType.ESTADO, "voz_y_voto"),
    ("Cámara Empresarial de Ejemplo (demo)", StakeholderType.EMPRESARIAL, "observador"),
]

GUIDELINES = """Este documento de demostración imita un borrador de lineamientos para la gestión \
de la participación ciudadana en los tres niveles de gobierno.

# Objeto

Establecer reglas comunes para que las entidades públicas informen, consulten y rindan \
cuentas a la ciudadanía.

# Foros multiactor

Cada foro fija un mínimo y un máximo de asientos por tipo de actor: Estado, sociedad civil, \
academia, sector empresarial y cooperación internacional.

Las organizaciones se incorporan mediante una solicitud con requisitos verificables y por un \
mandato de duración definida.

# Acuerdos

Todo acuerdo indica su responsable, su plazo y la decisión de gobierno a la que conduce.
"""


def _demo_citizen(username: str) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"email": username, "is_demo": True}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        CitizenVerification.objects.create(user=user, email=username, verified_at=timezone.now())
    return user


@transaction.atomic
def participation_demo_load() -> int:
    """Idempotent: returns how many demo objects were created."""
    pilots.pilots_load()
    created = 0
    today = timezone.localdate()
    rector = User.objects.filter(username="demo-rector").first()
    for forum in Forum.objects.filter(slug__in=[r["slug"] for r in pilots.pilot_rows()]):
        if rector is not None:
            forum.secretariat.add(rector)
        if forum.memberships.filter(is_demo=True).exists():
            continue
        for name, kind, vote in DEMO_MEMBERS:
            org, _new = MemberOrganisation.objects.get_or_create(
                name=name, stakeholder_type=kind, defaults={"is_demo": True}
            )
            membership = services.membership_add(
                actor=None,
                system=True,
                forum=forum,
                organisation=org,
                vote=vote,
                term_start=today - timedelta(days=200),
                is_demo=True,
            )
            services.representative_set(
                actor=None,
                system=True,
                membership=membership,
                role="titular",
                full_name=f"Representante titular {org.pk} (demo)",
                is_demo=True,
            )
            created += 1
        past = services.session_schedule(
            actor=None,
            system=True,
            forum=forum,
            title="Sesión de instalación (demo)",
            starts_at=timezone.now() - timedelta(days=30),
            agenda="1. Instalación del foro\n2. Aprobación del reglamento interno",
            is_demo=True,
        )
        voting = [m.pk for m in forum.current_memberships() if m.has_vote]
        services.attendance_record(actor=None, system=True, session=past, present=voting[:3])
        services.session_close(actor=None, system=True, session=past, valid=True)
        services.minutes_save(
            actor=None,
            system=True,
            session=past,
            text="## Acta de instalación (demo)\n\nSe instaló el foro y se aprobó el reglamento.",
        )
        services.minutes_approve(actor=None, system=True, session=past)
        services.minutes_publish(actor=None, system=True, session=past)
        services.session_schedule(
            actor=None,
            system=True,
            forum=forum,
            title="Segunda sesión ordinaria (demo)",
            starts_at=timezone.now() + timedelta(days=12),
            agenda="1. Seguimiento de acuerdos\n2. Propuesta de compromisos",
            place="Sala virtual (demo)",
            is_demo=True,
        )
        services.agreement_create(
            actor=None,
            system=True,
            forum=forum,
            draft=services.AgreementDraft(
                session=past,
                text="Publicar el reglamento interno del foro (demo).",
                responsible="" if forum.lead_entity else forum.sector,
                responsible_entity=forum.lead_entity,
                due_date=today - timedelta(days=5),
                decision_kind="documento",
                decision_direction="conduce_a",
                decision_reference="Reglamento interno del foro (demo)",
            ),
            is_demo=True,
        )
        created += 3
    if not Consultation.objects.filter(slug="lineamientos-participacion-demo").exists():
        ambiente = Forum.objects.filter(slug="foro-multiactor-ambiente").first()
        now = timezone.now()
        consultation = services.consultation_create(
            actor=None,
            system=True,
            forum=ambiente,
            slug="lineamientos-participacion-demo",
            title="Lineamientos para la gestión de la participación ciudadana (demo)",
            summary="Consulta de demostración: el texto y los comentarios son generados.",
            source_md=GUIDELINES,
            opens_at=now - timedelta(days=3),
            closes_at=now + timedelta(days=20),
            is_demo=True,
        )
        services.consultation_publish(actor=None, system=True, consultation=consultation)
        created += 1
    return created


def consultation_generate(
    *, slug: str, paragraphs: int, comments: int, closed: bool = True, seed: int = 6
) -> Consultation:
    """A large demo consultation (``paragraphs`` numbered paragraphs in sections of ten,
    ``comments`` comments bulk-inserted, about half answered, a few held)."""
    rng = random.Random(seed)
    now = timezone.now()
    sections = []
    for s in range(0, paragraphs, 10):
        body = "\n\n".join(
            f"Párrafo de demostración {p + 1}: texto del lineamiento sobre participación."
            for p in range(s, min(s + 10, paragraphs))
        )
        sections.append(f"# Sección {s // 10 + 1}\n\n{body}")
    consultation = services.consultation_create(
        actor=None,
        system=True,
        title=f"Consulta de demostración {slug}",
        slug=slug,
        source_md="\n\n".join(sections),
        opens_at=now - timedelta(days=30),
        closes_at=now - timedelta(days=1) if closed else now + timedelta(days=30),
        is_demo=True,
    )
    consultation.is_published = True
    consultation.save(update_fields=["is_published"])
    version = consultation.versions.get()
    paragraph_ids = list(version.paragraphs.values_list("id", flat=True))
    authors = [_demo_citizen(f"participante{i}@demo.agora.pe") for i in range(20)]
    outcomes = [AnswerOutcome.ACOGIDO, AnswerOutcome.PARCIAL, AnswerOutcome.NO_ACOGIDO, ""]
    rows = []
    for i in range(comments):
        author = authors[i % len(authors)]
        outcome = rng.choice(outcomes)
        rows.append(
            Comment(
                consultation=consultation,
                version=version,
                paragraph_id=None if i % 10 == 0 else rng.choice(paragraph_ids),
                author=author,
                author_label=services.author_label(author),
                body=f"Comentario de demostración {i}: propongo precisar el alcance.",
                created_at=now - timedelta(days=2, seconds=i),
                status=CommentStatus.EN_REVISION if i % 97 == 0 else CommentStatus.PUBLICADO,
                answer_outcome=outcome,
                answer_reason="Respuesta de demostración." if outcome else "",
                is_demo=True,
            )
        )
    Comment.objects.bulk_create(rows, batch_size=2000)
    services.consultation_comments_changed(consultation)
    consultation.refresh_from_db()
    return consultation
