"""Content plans and planned posts: services (limits, period, four eyes, audit), reads scoped
per role, and the staff pages (bad input gets a Spanish 4xx and changes nothing)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agora.commitments.models import Commitment
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import AuditEvent, User
from agora.core.siteurl import site_url
from agora.directory.models import Entity, Membership, MembershipRole, SocialAccount
from agora.publishing import selectors, services
from agora.publishing.models import ContentPlan, PlannedPost, PostStatus, PublishingSettings
from tests.helpers import login

from .conftest import GOOD_TEXT, in_days

pytestmark = pytest.mark.django_db


def verbs(instance: object) -> list[str]:
    return list(
        AuditEvent.objects.filter(
            object_type=instance._meta.label_lower,  # type: ignore[attr-defined]
            object_id=str(instance.pk),  # type: ignore[attr-defined]
        )
        .order_by("pk")
        .values_list("verb", flat=True)
    )


# --- plans ----------------------------------------------------------------------------------


def test_plan_created_with_themes_and_audited(content_plan: ContentPlan) -> None:
    assert list(content_plan.themes.values_list("name", flat=True)) == ["Vacunación", "Prevención"]
    assert content_plan.accounts.count() == 2
    assert verbs(content_plan) == ["plan_contenidos.creado"]


def test_plan_refuses_a_period_ending_before_it_starts(
    communicator: User, entities: dict[str, Entity]
) -> None:
    with pytest.raises(DomainError, match="anterior a su inicio"):
        services.plan_create(
            actor=communicator,
            entity=entities["minsa"],
            title="Plan",
            period_start=dt.date(2026, 3, 1),
            period_end=dt.date(2026, 2, 1),
        )
    assert not ContentPlan.objects.exists()


def test_only_the_entitys_staff_create_its_plans(
    other_manager: User, rector: User, entities: dict[str, Entity]
) -> None:
    for actor in (other_manager, rector):
        with pytest.raises(PermissionDeniedError):
            services.plan_create(
                actor=actor,
                entity=entities["minsa"],
                title="Plan ajeno",
                period_start=dt.date(2026, 1, 1),
                period_end=dt.date(2026, 1, 31),
            )


def test_plan_update_keeps_posts_inside_the_period(
    content_plan: ContentPlan, make_post: Callable[..., PlannedPost], communicator: User
) -> None:
    make_post(scheduled_at=in_days(20))
    with pytest.raises(DomainError, match="quedarían fuera"):
        services.plan_update(
            actor=communicator,
            plan=content_plan,
            title="Plan corto",
            period_start=content_plan.period_start,
            period_end=content_plan.period_start + dt.timedelta(days=5),
            themes=["Vacunación"],
        )
    plan = services.plan_update(
        actor=communicator,
        plan=content_plan,
        title="Plan renombrado",
        period_start=content_plan.period_start,
        period_end=content_plan.period_end,
        themes=["Vacunación", "Salud mental"],
    )
    assert list(plan.themes.values_list("name", flat=True)) == ["Vacunación", "Salud mental"]
    assert verbs(plan) == ["plan_contenidos.creado", "plan_contenidos.editado"]


# --- posts ----------------------------------------------------------------------------------


def test_post_has_one_variant_per_account(
    make_post: Callable[..., PlannedPost], minsa_accounts: dict[str, SocialAccount]
) -> None:
    post = make_post(
        texts={minsa_accounts["x"]: GOOD_TEXT, minsa_accounts["facebook"]: GOOD_TEXT + " Más."}
    )
    assert post.status == PostStatus.BORRADOR
    assert {v.account.platform: v.text for v in post.variants.all()} == {
        "x": GOOD_TEXT,
        "facebook": GOOD_TEXT + " Más.",
    }
    assert verbs(post) == ["publicacion.creada"]


def test_text_longer_than_the_network_allows_is_refused(
    make_post: Callable[..., PlannedPost], minsa_accounts: dict[str, SocialAccount]
) -> None:
    with pytest.raises(DomainError, match=r"281 caracteres.*admite 280"):
        make_post("a" * 281)
    # The same text fits Facebook.
    post = make_post(texts={minsa_accounts["facebook"]: "Informamos " + "a" * 281})
    assert post.pk
    assert PlannedPost.objects.count() == 1


def test_text_and_public_link_must_fit_together(
    make_post: Callable[..., PlannedPost], cited_commitment: Commitment
) -> None:
    with pytest.raises(DomainError, match="enlace público"):
        make_post("a" * 270, commitment=cited_commitment)


def test_scheduled_time_must_fall_inside_the_plan(
    make_post: Callable[..., PlannedPost], content_plan: ContentPlan
) -> None:
    with pytest.raises(DomainError, match="dentro del periodo del plan"):
        make_post(scheduled_at=in_days(60))
    with pytest.raises(DomainError, match="dentro del periodo del plan"):
        make_post(scheduled_at=in_days(-1, hour=23))
    assert not PlannedPost.objects.exists()


def test_post_accounts_must_be_the_plans_entitys(
    make_post: Callable[..., PlannedPost],
    verified_account: SocialAccount,
    rector: User,
    entities: dict[str, Entity],
) -> None:
    from agora.directory import services as directory

    sunat = directory.account_verify(
        actor=rector,
        account=directory.account_propose(
            actor=rector,
            entity=entities["sunat"],
            platform="x",
            handle="@sunat_prueba",
            evidence="https://www.gob.pe/sunat",
        ),
    )
    with pytest.raises(DomainError, match="no es de"):
        make_post(texts={sunat: GOOD_TEXT})


def test_a_communicator_of_another_entity_cannot_post_in_the_plan(
    make_post: Callable[..., PlannedPost], other_manager: User
) -> None:
    with pytest.raises(PermissionDeniedError):
        make_post(author=other_manager)


# --- review, four eyes ------------------------------------------------------------------------


def test_submit_approve_with_four_eyes(
    make_post: Callable[..., PlannedPost], communicator: User, manager: User
) -> None:
    post = services.post_submit(actor=communicator, post=make_post())
    assert post.status == PostStatus.EN_REVISION and post.submitted_at
    post = services.post_approve(actor=manager, post=post)
    assert post.status == PostStatus.APROBADO
    assert post.decided_by == manager
    assert verbs(post) == [
        "publicacion.creada",
        "publicacion.enviada_a_revision",
        "publicacion.aprobada",
    ]


def test_the_author_never_approves_or_rejects_their_own_post(
    make_post: Callable[..., PlannedPost], manager: User
) -> None:
    """Even a manager, who approves everyone else's posts."""
    post = services.post_submit(actor=manager, post=make_post(author=manager))
    with pytest.raises(PermissionDeniedError, match="otra persona"):
        services.post_approve(actor=manager, post=post)
    with pytest.raises(PermissionDeniedError, match="otra persona"):
        services.post_reject(actor=manager, post=post, reason="No me gusta")
    post.refresh_from_db()
    assert post.status == PostStatus.EN_REVISION
    assert not services.may_decide(manager, post)
    assert post not in selectors.posts_to_approve(manager)


def test_a_communicator_does_not_approve_unless_named(
    make_post: Callable[..., PlannedPost],
    communicator: User,
    manager: User,
    make_user: Callable[..., User],
    entities: dict[str, Entity],
) -> None:
    colleague = make_user("comunicador-dos")
    Membership.objects.create(
        user=colleague, entity=entities["minsa"], role=MembershipRole.COMUNICADOR
    )
    post = services.post_submit(actor=communicator, post=make_post())
    with pytest.raises(PermissionDeniedError, match="responsable de comunicaciones"):
        services.post_approve(actor=colleague, post=post)
    services.settings_update(
        actor=manager,
        entity=entities["minsa"],
        approvers=[colleague],
        authority_names="",
        self_promotion_max_percent=20,
        reply_approval=False,
    )
    assert list(selectors.posts_to_approve(colleague)) == [post]
    # Once they leave the entity, being named no longer lets them approve.
    membership = Membership.objects.get(user=colleague)
    membership.ended_at = timezone.now()
    membership.save()
    assert list(selectors.posts_to_approve(colleague)) == []
    with pytest.raises(PermissionDeniedError):
        services.post_approve(actor=colleague, post=post)
    membership.ended_at = None
    membership.save()
    assert services.post_approve(actor=colleague, post=post).status == PostStatus.APROBADO


def test_a_manager_of_another_entity_cannot_approve(
    make_post: Callable[..., PlannedPost], communicator: User, other_manager: User
) -> None:
    post = services.post_submit(actor=communicator, post=make_post())
    with pytest.raises(PermissionDeniedError):
        services.post_approve(actor=other_manager, post=post)


def test_reject_needs_a_reason_and_editing_returns_to_draft(
    make_post: Callable[..., PlannedPost],
    communicator: User,
    manager: User,
    minsa_accounts: dict[str, SocialAccount],
) -> None:
    post = services.post_submit(actor=communicator, post=make_post())
    with pytest.raises(DomainError, match="motivo"):
        services.post_reject(actor=manager, post=post, reason="  ")
    post = services.post_reject(actor=manager, post=post, reason="Falta la fuente.")
    assert post.status == PostStatus.RECHAZADO and post.rejection_reason == "Falta la fuente."
    with pytest.raises(DomainError, match="Solo un borrador"):
        services.post_submit(actor=communicator, post=post)
    post = services.post_update(
        actor=communicator,
        post=post,
        title=post.title,
        scheduled_at=post.scheduled_at,
        texts={minsa_accounts["x"]: GOOD_TEXT + " Fuente: https://www.gob.pe/minsa"},
    )
    assert post.status == PostStatus.BORRADOR
    assert verbs(post)[-2:] == ["publicacion.rechazada", "publicacion.editada"]
    event = AuditEvent.objects.get(verb="publicacion.rechazada")
    assert event.reason == "Falta la fuente." and event.actor == manager


def test_an_approved_post_is_no_longer_edited(
    make_post: Callable[..., PlannedPost], communicator: User, manager: User
) -> None:
    post = services.post_approve(
        actor=manager, post=services.post_submit(actor=communicator, post=make_post())
    )
    with pytest.raises(DomainError, match="ya no se edita"):
        services.post_update(
            actor=communicator,
            post=post,
            title="Otro",
            scheduled_at=post.scheduled_at,
            texts={v.account: v.text for v in post.variants.all()},
        )


def test_approval_appends_the_public_link_once(
    make_post: Callable[..., PlannedPost],
    communicator: User,
    manager: User,
    cited_commitment: Commitment,
    minsa_accounts: dict[str, SocialAccount],
) -> None:
    link = site_url(cited_commitment.get_absolute_url())
    post = make_post(
        texts={
            minsa_accounts["x"]: "Avanzamos en nuestro compromiso de vacunación.",
            minsa_accounts["facebook"]: f"Avanzamos en nuestro compromiso: {link}",
        },
        commitment=cited_commitment,
    )
    assert services.public_link(post) == link
    services.post_approve(actor=manager, post=services.post_submit(actor=communicator, post=post))
    texts = {v.account.platform: v.text for v in post.variants.all()}
    assert texts["x"] == f"Avanzamos en nuestro compromiso de vacunación.\n{link}"
    assert texts["facebook"].count(link) == 1


def test_public_link_through_a_milestone(
    make_post: Callable[..., PlannedPost], cited_commitment: Commitment
) -> None:
    from agora.commitments.models import Milestone

    milestone = Milestone.objects.create(
        commitment=cited_commitment,
        order=1,
        activity="Vacunar",
        start_month=dt.date(2025, 1, 1),
        end_month=dt.date(2025, 3, 1),
    )
    post = make_post(milestone=milestone)
    assert services.public_link(post).endswith(f"/compromisos/{cited_commitment.code}/")


def test_settings_only_by_the_manager(
    communicator: User, manager: User, other_manager: User, entities: dict[str, Entity]
) -> None:
    for actor in (communicator, other_manager):
        with pytest.raises(PermissionDeniedError):
            services.settings_update(
                actor=actor,
                entity=entities["minsa"],
                approvers=[],
                authority_names="",
                self_promotion_max_percent=20,
                reply_approval=True,
            )
    with pytest.raises(DomainError, match="no trabaja en"):
        services.settings_update(
            actor=manager,
            entity=entities["minsa"],
            approvers=[other_manager],
            authority_names="",
            self_promotion_max_percent=20,
            reply_approval=True,
        )
    row = services.settings_update(
        actor=manager,
        entity=entities["minsa"],
        approvers=[communicator],
        authority_names="Ministra\n\n la ministra ",
        self_promotion_max_percent=30,
        reply_approval=True,
    )
    assert row.authority_names == "Ministra\nla ministra" and row.reply_approval
    assert list(row.approvers.all()) == [communicator]
    assert verbs(row) == ["configuracion_publicacion.editada"]
    assert PublishingSettings.objects.count() == 1


# --- scoping per role -------------------------------------------------------------------------


def test_reads_are_scoped_per_role(
    make_post: Callable[..., PlannedPost],
    content_plan: ContentPlan,
    communicator: User,
    manager: User,
    other_manager: User,
    rector: User,
    make_user: Callable[..., User],
) -> None:
    post = make_post()
    citizen = make_user("ciudadana")
    assert list(selectors.plans_for_staff(communicator)) == [content_plan]
    assert list(selectors.plans_for_staff(manager)) == [content_plan]
    assert list(selectors.plans_for_staff(rector)) == [content_plan]
    assert list(selectors.plans_for_staff(other_manager)) == []
    assert list(selectors.plans_for_staff(citizen)) == []
    assert list(selectors.posts_for_staff(other_manager)) == []
    assert list(selectors.posts_for_staff(rector)) == [post]


def test_pages_are_scoped_per_role(
    client: Client,
    make_post: Callable[..., PlannedPost],
    content_plan: ContentPlan,
    communicator: User,
    other_manager: User,
    rector: User,
    make_user: Callable[..., User],
) -> None:
    post = make_post()
    plan_url = reverse("publishing:plan", kwargs={"pk": content_plan.pk})
    post_url = reverse("publishing:post", kwargs={"pk": post.pk})
    login(client, communicator)
    assert client.get(plan_url).status_code == 200
    assert client.get(post_url).status_code == 200
    assert content_plan.title in client.get(reverse("publishing:plans")).content.decode()
    login(client, other_manager)
    assert client.get(plan_url).status_code == 404
    assert client.get(post_url).status_code == 404
    assert content_plan.title not in client.get(reverse("publishing:plans")).content.decode()
    login(client, rector)
    page = client.get(post_url).content.decode()
    assert "Enviar a revisión" not in page and "Aprobar" not in page
    login(client, make_user("ciudadana"))
    assert client.get(reverse("publishing:plans")).status_code == 403
    client.logout()
    assert client.get(reverse("publishing:plans")).status_code == 302


def test_calendar_week_and_month_views(
    client: Client,
    make_post: Callable[..., PlannedPost],
    content_plan: ContentPlan,
    communicator: User,
) -> None:
    post = make_post(scheduled_at=in_days(2, hour=9))
    login(client, communicator)
    url = reverse("publishing:plan", kwargs={"pk": content_plan.pk})
    day = post.scheduled_at.date().isoformat()
    week = client.get(url, {"vista": "semana", "fecha": day}).content.decode()
    month = client.get(url, {"vista": "mes", "fecha": day}).content.decode()
    for page in (week, month):
        assert post.title in page and "09:00" in page and "Borrador" in page
    assert "Semana siguiente" in week and "Mes siguiente" in month
    later = (post.scheduled_at + dt.timedelta(days=8)).date().isoformat()
    assert post.title not in client.get(url, {"vista": "semana", "fecha": later}).content.decode()
    response = client.get(url, {"fecha": "ayer"})
    assert response.status_code == 400 and "no es válida" in response.content.decode()


def test_post_editor_bad_input_is_a_spanish_400(
    client: Client,
    content_plan: ContentPlan,
    communicator: User,
    minsa_accounts: dict[str, SocialAccount],
) -> None:
    login(client, communicator)
    url = reverse("publishing:post_create", kwargs={"pk": content_plan.pk})
    editor = client.get(url).content.decode()
    # One text box per network, its limit given; each account checkbox says its network.
    assert 'data-limit="280"' in editor and 'data-limit="63206"' in editor
    assert editor.count('data-network="x"') == 2
    day = in_days(3).date().isoformat()
    base = {"title": "Campaña", "date": day, "time": "10:00"}
    response = client.post(url, {**base, "accounts": [minsa_accounts["x"].pk], "text_x": "a" * 300})
    assert response.status_code == 400
    assert "admite 280" in response.content.decode()
    response = client.post(url, {**base, "text_x": GOOD_TEXT})
    assert response.status_code == 400
    assert "Elija al menos una cuenta" in response.content.decode()
    response = client.post(
        url,
        {**base, "accounts": [minsa_accounts["x"].pk], "text_x": GOOD_TEXT, "date": "2001-01-01"},
    )
    assert response.status_code == 400
    assert "dentro del periodo del plan" in response.content.decode()
    assert not PlannedPost.objects.exists()
    response = client.post(url, {**base, "accounts": [minsa_accounts["x"].pk], "text_x": GOOD_TEXT})
    post = PlannedPost.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(
        f"/publicaciones/{post.pk}/"
    )


def test_approve_and_reject_through_the_pages(
    client: Client,
    make_post: Callable[..., PlannedPost],
    communicator: User,
    manager: User,
) -> None:
    post = services.post_submit(actor=communicator, post=make_post())
    login(client, communicator)
    page = client.get(reverse("publishing:post", kwargs={"pk": post.pk})).content.decode()
    assert "Aprobar" not in page and "Rechazar" not in page
    response = client.post(reverse("publishing:post_approve", kwargs={"pk": post.pk}))
    assert response.status_code == 403 and "otra persona" in response.content.decode()
    login(client, manager)
    assert post.title in client.get(reverse("publishing:review_queue")).content.decode()
    response = client.post(
        reverse("publishing:post_reject", kwargs={"pk": post.pk}), {"reason": ""}
    )
    assert response.status_code == 400 and "motivo del rechazo" in response.content.decode()
    post.refresh_from_db()
    assert post.status == PostStatus.EN_REVISION
    response = client.post(reverse("publishing:post_approve", kwargs={"pk": post.pk}))
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == PostStatus.APROBADO
    response = client.post(reverse("publishing:post_approve", kwargs={"pk": post.pk}))
    assert response.status_code == 400


def test_settings_page_for_managers_only(
    client: Client, manager: User, communicator: User, entities: dict[str, Entity]
) -> None:
    url = reverse("publishing:settings", kwargs={"code": "minsa"})
    login(client, communicator)
    assert client.get(url).status_code == 403
    login(client, manager)
    assert client.get(url).status_code == 200
    response = client.post(url, {"self_promotion_max_percent": "150"})
    assert response.status_code == 400
    response = client.post(
        url,
        {
            "self_promotion_max_percent": "25",
            "authority_names": "Ministra",
            "approvers": [communicator.pk],
        },
    )
    assert response.status_code == 302
    row = PublishingSettings.objects.get(entity=entities["minsa"])
    assert row.self_promotion_max_percent == 25 and list(row.approvers.all()) == [communicator]


def test_commitment_page_lists_published_posts_citing_it(
    client: Client,
    make_post: Callable[..., PlannedPost],
    communicator: User,
    manager: User,
    cited_commitment: Commitment,
) -> None:
    from django.utils import timezone

    from agora.publishing.models import PostVariant, VariantStatus

    post = make_post("Avanzamos en nuestro compromiso de vacunación.", commitment=cited_commitment)
    url = cited_commitment.get_absolute_url()
    assert "Publicaciones que citan este compromiso" not in client.get(url).content.decode()
    services.post_approve(actor=manager, post=services.post_submit(actor=communicator, post=post))
    # What the publishing job does once the platform took it.
    PlannedPost.objects.filter(pk=post.pk).update(status=PostStatus.PUBLICADO)
    PostVariant.objects.filter(post=post).update(
        publish_status=VariantStatus.PUBLICADA, published_at=timezone.now()
    )
    page = client.get(url).content.decode()
    assert "Publicaciones que citan este compromiso" in page
    assert "Avanzamos en nuestro compromiso de vacunación." in page


def test_plan_pages_create_and_refuse_a_bad_period(
    client: Client, communicator: User, other_manager: User
) -> None:
    login(client, other_manager)
    assert (
        client.get(reverse("publishing:plan_create", kwargs={"code": "minsa"})).status_code == 404
    )
    login(client, communicator)
    url = reverse("publishing:plan_create", kwargs={"code": "minsa"})
    assert client.get(url).status_code == 200
    data = {"title": "Plan", "period_start": "2026-03-01", "period_end": "2026-02-01"}
    response = client.post(url, data)
    assert response.status_code == 400 and "anterior a su inicio" in response.content.decode()
    assert not ContentPlan.objects.exists()
    response = client.post(url, {**data, "period_end": "2026-03-31", "themes": "Salud\nAgua"})
    plan = ContentPlan.objects.get()
    assert response.status_code == 302
    assert list(plan.themes.values_list("name", flat=True)) == ["Salud", "Agua"]


def test_calendar_queries_do_not_grow_with_posts(
    client: Client,
    make_post: Callable[..., PlannedPost],
    content_plan: ContentPlan,
    communicator: User,
    minsa_accounts: dict[str, SocialAccount],
    django_assert_max_num_queries: Any,
) -> None:
    for hour in range(8, 18):
        make_post(
            scheduled_at=in_days(2, hour=hour),
            texts={minsa_accounts["x"]: GOOD_TEXT, minsa_accounts["facebook"]: GOOD_TEXT},
        )
    login(client, communicator)
    url = reverse("publishing:plan", kwargs={"pk": content_plan.pk})
    day = in_days(2).date().isoformat()
    with django_assert_max_num_queries(16):
        response = client.get(url, {"vista": "semana", "fecha": day})
    assert response.content.decode().count("pub-status-borrador") == 10


def test_post_page_shows_history_in_spanish(
    client: Client, make_post: Callable[..., PlannedPost], communicator: User, manager: User
) -> None:
    post = services.post_submit(actor=communicator, post=make_post())
    services.post_reject(actor=manager, post=post, reason="Falta la fuente.")
    login(client, communicator)
    page = client.get(reverse("publishing:post", kwargs={"pk": post.pk})).content.decode()
    assert "Creó el borrador" in page and "La envió a revisión" in page
    assert "La rechazó" in page and "Falta la fuente." in page


def test_check_guidelines_button_reruns_the_check(
    client: Client, make_post: Callable[..., PlannedPost], communicator: User
) -> None:
    post = make_post("El Ministerio informa el inicio de la campaña de vacunación.")
    variant = post.variants.get()
    variant.text = GOOD_TEXT
    variant.save()
    login(client, communicator)
    response = client.post(reverse("publishing:post_check", kwargs={"pk": post.pk}))
    assert response.status_code == 302
    assert not post.findings.exists()
    assert verbs(post)[-1] == "publicacion.lineamientos_revisados"
    assert client.get(reverse("publishing:post_check", kwargs={"pk": post.pk})).status_code == 405


def test_findings_never_block_the_review(
    make_post: Callable[..., PlannedPost], communicator: User
) -> None:
    post = make_post("El Ministerio informa la campaña #VacunaChallenge")
    post = services.post_submit(actor=communicator, post=post)
    assert post.status == PostStatus.EN_REVISION
    assert set(post.findings.values_list("guideline", flat=True)) == {15, 26}


def test_media_needs_a_description_and_a_known_type(
    client: Client,
    content_plan: ContentPlan,
    communicator: User,
    minsa_accounts: dict[str, SocialAccount],
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, communicator)
    url = reverse("publishing:post_create", kwargs={"pk": content_plan.pk})
    data = {
        "title": "Infografía",
        "date": in_days(3).date().isoformat(),
        "time": "10:00",
        "accounts": [minsa_accounts["x"].pk],
        "text_x": GOOD_TEXT,
    }
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    response = client.post(url, {**data, "media_file": SimpleUploadedFile("a.exe", b"MZ")})
    assert response.status_code == 400 and "Suba una imagen" in response.content.decode()
    response = client.post(url, {**data, "media_file": SimpleUploadedFile("info.png", png)})
    assert response.status_code == 400
    assert "texto alternativo" in response.content.decode()
    assert not PlannedPost.objects.exists()
    response = client.post(
        url,
        {
            **data,
            "media_file": SimpleUploadedFile("info.png", png),
            "media_alt": "Gráfico de vacunados por región",
        },
    )
    assert response.status_code == 302
    post = PlannedPost.objects.get()
    assert post.media.name.endswith(".png") and post.media_alt.startswith("Gráfico")
