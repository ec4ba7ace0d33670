from django.apps import AppConfig
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def _public_data() -> str:
    from agora.directory import public_data, services

    result = services.entities_load(rows=public_data.all_rows())
    return gettext(
        "Entidades: %(created)s nuevas, %(updated)s actualizadas, %(unchanged)s sin cambios."
    ) % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}


class DirectoryConfig(AppConfig):
    name = "agora.directory"
    label = "directory"
    verbose_name = _("Directorio")

    def ready(self) -> None:
        from agora.core.registries import public_data_register

        public_data_register(10, "directory", _public_data)
