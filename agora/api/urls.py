"""REST API v1: routes for every app's viewsets, the OpenAPI schema and its documentation."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from agora.commitments.api import CommitmentViewSet, PlanViewSet
from agora.directory.api import AccountViewSet, EntityViewSet
from agora.inbox.api import ConversationViewSet
from agora.language.api import MessageClassificationViewSet
from agora.participation.api import (
    AgreementViewSet,
    ConsultationViewSet,
    ForumViewSet,
    SessionViewSet,
)

router = DefaultRouter()
router.register("entities", EntityViewSet, basename="entity")
router.register("accounts", AccountViewSet, basename="account")
router.register("conversations", ConversationViewSet, basename="conversation")
router.register("messages", MessageClassificationViewSet, basename="message")
router.register("commitments", CommitmentViewSet, basename="commitment")
router.register("plans", PlanViewSet, basename="plan")
router.register("forums", ForumViewSet, basename="forum")
router.register("forum-sessions", SessionViewSet, basename="forum-session")
router.register("agreements", AgreementViewSet, basename="agreement")
router.register("consultations", ConsultationViewSet, basename="consultation")

urlpatterns = [
    path("", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", title="API de Ágora"),
        name="api-docs",
    ),
]
