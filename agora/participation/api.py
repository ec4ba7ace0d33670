"""Participation API (read only): forums with their seats, sessions, agreements and public
consultations. What the public may not see on the pages is not in the API either."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Count, Q, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, viewsets

from agora.participation import permissions, selectors
from agora.participation.models import (
    Agreement,
    Consultation,
    Forum,
    ForumMembership,
    ForumSession,
    MinutesStatus,
    Representative,
)


class SeatSerializer(serializers.Serializer):
    stakeholder_type = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    min_seats = serializers.IntegerField()
    max_seats = serializers.IntegerField()
    taken = serializers.IntegerField()
    observers = serializers.IntegerField()
    missing = serializers.IntegerField()


class MemberSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name")

    class Meta:
        model = ForumMembership
        fields = ["organisation", "stakeholder_type", "vote", "term_start", "term_end", "is_demo"]


class ForumSerializer(serializers.ModelSerializer):
    lead_entity = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    seats = serializers.SerializerMethodField()
    members = serializers.SerializerMethodField()

    class Meta:
        model = Forum
        fields = [
            "slug",
            "name",
            "sector",
            "scope",
            "region",
            "purpose",
            "status",
            "lead_entity",
            "commitments_reference",
            "requirements",
            "term_months",
            "convocation_days",
            "quorum_percent",
            "seats",
            "members",
            "is_demo",
        ]

    @extend_schema_field(SeatSerializer(many=True))
    def get_seats(self, forum: Forum) -> list[dict[str, Any]]:
        return [{**vars(s), "missing": s.missing} for s in selectors.forum_seats(forum)]

    @extend_schema_field(MemberSerializer(many=True))
    def get_members(self, forum: Forum) -> list[dict[str, Any]]:
        return MemberSerializer(forum.current_memberships(), many=True).data  # type: ignore[return-value]


class SessionSerializer(serializers.ModelSerializer):
    forum = serializers.SlugRelatedField(slug_field="slug", read_only=True)  # type: ignore[var-annotated]
    minutes = serializers.SerializerMethodField()

    class Meta:
        model = ForumSession
        fields = [
            "id",
            "forum",
            "number",
            "title",
            "starts_at",
            "place",
            "is_public",
            "agenda",
            "status",
            "quorum_required",
            "is_valid",
            "minutes_status",
            "minutes",
            "is_demo",
        ]

    @extend_schema_field(serializers.CharField(allow_blank=True))
    def get_minutes(self, session: ForumSession) -> str:
        """Published minutes only (Markdown)."""
        return session.minutes_md if session.minutes_status == MinutesStatus.PUBLICADA else ""


class AgreementSerializer(serializers.ModelSerializer):
    forum = serializers.SlugRelatedField(slug_field="slug", read_only=True)  # type: ignore[var-annotated]
    session = serializers.IntegerField(source="session.number", allow_null=True, default=None)
    responsible_entity = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="code", read_only=True
    )
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Agreement
        fields = [
            "id",
            "forum",
            "number",
            "session",
            "text",
            "responsible",
            "responsible_entity",
            "due_date",
            "status",
            "fulfilled_on",
            "is_overdue",
            "decision_kind",
            "decision_direction",
            "decision_reference",
            "decision_url",
            "is_demo",
        ]


class ConsultationSerializer(serializers.ModelSerializer):
    forum = serializers.SlugRelatedField(slug_field="slug", read_only=True)  # type: ignore[var-annotated]
    comments_published = serializers.IntegerField(read_only=True)
    comments_answered = serializers.IntegerField(read_only=True)
    current_version = serializers.IntegerField(read_only=True)

    class Meta:
        model = Consultation
        fields = [
            "slug",
            "title",
            "summary",
            "forum",
            "opens_at",
            "closes_at",
            "is_published",
            "current_version",
            "comments_published",
            "comments_answered",
            "is_demo",
        ]


def _member_forum_ids(user: Any) -> QuerySet[Any]:
    return Representative.objects.filter(
        user=user, is_active=True, membership__in=ForumMembership.objects.current()
    ).values("membership__forum_id")


def _visible(user: Any, public: Q) -> Q:
    """Public rows; rows of forums where the user is secretariat or member too."""
    if permissions.is_rector_staff(user) and user.is_superuser:
        return Q()
    condition = public
    if user.is_authenticated:
        condition |= Q(forum_id__in=_member_forum_ids(user))
        if permissions.is_rector_staff(user):
            condition |= Q(forum__secretariat=user)
    return condition


class SessionFilter(django_filters.FilterSet):
    forum = django_filters.CharFilter(field_name="forum__slug")

    class Meta:
        model = ForumSession
        fields = ["forum", "status"]


class AgreementFilter(django_filters.FilterSet):
    forum = django_filters.CharFilter(field_name="forum__slug")

    class Meta:
        model = Agreement
        fields = ["forum", "status"]


@extend_schema(tags=["participación"])
class ForumViewSet(viewsets.ReadOnlyModelViewSet):
    """Multistakeholder forums with seats per stakeholder type and current members."""

    serializer_class = ForumSerializer
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[Forum]:
        return (
            selectors.forum_list(self.request.user)
            .select_related("lead_entity")
            .prefetch_related("seat_rules")
        )


@extend_schema(tags=["participación"])
class SessionViewSet(viewsets.ReadOnlyModelViewSet):
    """Forum sessions: public ones for everyone, internal ones for members and secretariat."""

    serializer_class = SessionSerializer
    filterset_class = SessionFilter

    def get_queryset(self) -> QuerySet[ForumSession]:
        user = self.request.user
        return (
            ForumSession.objects.filter(forum__is_published=True)
            .filter(_visible(user, Q(is_public=True)))
            .select_related("forum")
            .distinct()
            .order_by("-starts_at")
        )


@extend_schema(tags=["participación"])
class AgreementViewSet(viewsets.ReadOnlyModelViewSet):
    """Forum agreements with responsible, due date, status and linked government decision."""

    serializer_class = AgreementSerializer
    filterset_class = AgreementFilter

    def get_queryset(self) -> QuerySet[Agreement]:
        user = self.request.user
        return (
            Agreement.objects.filter(forum__is_published=True)
            .filter(_visible(user, Q(is_public=True)))
            .select_related("forum", "session", "responsible_entity")
            .distinct()
            .order_by("forum__slug", "number")
        )


@extend_schema(tags=["participación"])
class ConsultationViewSet(viewsets.ReadOnlyModelViewSet):
    """Public consultations with their dates and comment counts (comments themselves are in
    the consultation report)."""

    serializer_class = ConsultationSerializer
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[Consultation]:
        from django.db.models import Max

        return (
            selectors.consultations_visible(self.request.user)
            .select_related("forum")
            .annotate(
                comments_published=Count(
                    "comments", filter=Q(comments__status="publicado"), distinct=True
                ),
                comments_answered=Count(
                    "comments", filter=~Q(comments__answer_outcome=""), distinct=True
                ),
                current_version=Max("versions__number"),
            )
            .order_by("-opens_at")
        )
