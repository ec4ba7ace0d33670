"""Open-government action plans: proposals, SMART scoring, commitments and milestones."""

from django.apps import AppConfig
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def _public_data() -> str:
    from agora.commitments.public_data import load

    plans = load()
    return gettext(
        "Planes de gobierno abierto: %(plans)s planes, %(commitments)s compromisos, "
        "%(milestones)s hitos; %(created)s nuevos, %(updated)s actualizados, "
        "%(unchanged)s sin cambios."
    ) % {
        "plans": plans.plans,
        "commitments": plans.commitments,
        "milestones": plans.milestones,
        "created": plans.created,
        "updated": plans.updated,
        "unchanged": plans.unchanged,
    }


class CommitmentsConfig(AppConfig):
    name = "agora.commitments"
    label = "commitments"
    verbose_name = _("Planes de gobierno abierto")

    def ready(self) -> None:
        from agora.core.registries import public_data_register

        public_data_register(30, "commitments", _public_data)
