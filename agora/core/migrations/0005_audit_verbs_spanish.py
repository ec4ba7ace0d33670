"""One audit-verb style (docs/arquitectura.md): «objeto.accion_en_participio», in Spanish.
The events already recorded with the older verbs (English, infinitives, three parts) are
renamed, so that the history reads one way; reversible."""

from typing import Any

from django.db import migrations

OLD_TO_NEW = {
    "commitment_loaded": "compromiso.cargado",
    "commitment_update_approved": "avance.aprobado",
    "commitment_update_posted": "avance.enviado",
    "commitment_update_rejected": "avance.rechazado",
    "independent_review_recorded": "revision_independiente.registrada",
    "milestone_added": "hito.agregado",
    "milestone_status_changed": "hito.estado_cambiado",
    "milestone_updated": "hito.actualizado",
    "plan_loaded": "plan_accion.cargado",
    "proposal_group_confirmed": "grupo_propuestas.confirmado",
    "proposal_group_dismissed": "grupo_propuestas.descartado",
    "proposal_groups_suggested": "grupo_propuestas.sugerido",
    "proposal_submitted": "propuesta.enviada",
    "proposals_selected": "propuestas.seleccionadas",
    "smart_scored": "propuesta.puntuada_smart",
    "workshop_created": "taller.creado",
    "ciudadano.descargar_datos": "ciudadano.datos_descargados",
    "ciudadano.eliminar_cuenta": "ciudadano.cuenta_eliminada",
    "ciudadano.registrar": "ciudadano.registrado",
    "ciudadano.verificar": "ciudadano.verificado",
    "consulta.comentar": "consulta.comentada",
    "consulta.crear": "consulta.creada",
    "consulta.moderar": "consulta.moderada",
    "consulta.publicar": "consulta.publicada",
    "consulta.responder": "consulta.respondida",
    "consulta.version": "consulta.version_creada",
    "foro.acta.aprobar": "acta.aprobada",
    "foro.acta.publicar": "acta.publicada",
    "foro.acta.redactar": "acta.redactada",
    "foro.acuerdo.actualizar": "acuerdo.actualizado",
    "foro.acuerdo.crear": "acuerdo.creado",
    "foro.acuerdo.editar": "acuerdo.editado",
    "foro.admision.decidir": "admision.decidida",
    "foro.admision.solicitar": "admision.solicitada",
    "foro.asientos": "foro.asientos_cambiados",
    "foro.cargar": "foro.cargado",
    "foro.miembro.alta": "miembro.agregado",
    "foro.miembro.baja": "miembro.retirado",
    "foro.representante": "representante.designado",
    "foro.representante.baja": "representante.retirado",
    "foro.sesion.asistencia": "sesion.asistencia_registrada",
    "foro.sesion.cancelar": "sesion.cancelada",
    "foro.sesion.cerrar": "sesion.cerrada",
    "foro.sesion.convocar": "sesion.convocada",
    "foro.sesion.programar": "sesion.programada",
    "conversacion.asignacion": "conversacion.asignada",
    "conversacion.estado": "conversacion.estado_cambiado",
    "conversacion.etiquetas": "conversacion.etiquetada",
    "conversacion.nota": "conversacion.nota_agregada",
    "conversacion.prioridad": "conversacion.prioridad_cambiada",
    "conversacion.respuesta": "conversacion.respondida",
    "conversacion.reintento_envio": "conversacion.envio_reintentado",
    "cuenta.restablecer_clave": "cuenta.clave_restablecida",
    "plazos.politica_propia": "plazos.politica_propia_fijada",
}


def _rename(apps: Any, mapping: dict[str, str]) -> None:
    AuditEvent = apps.get_model("core", "AuditEvent")
    for old, new in mapping.items():
        AuditEvent.objects.filter(verb=old).update(verb=new)


def forwards(apps: Any, schema_editor: Any) -> None:
    _rename(apps, OLD_TO_NEW)


def backwards(apps: Any, schema_editor: Any) -> None:
    _rename(apps, {new: old for old, new in OLD_TO_NEW.items()})


class Migration(migrations.Migration):
    dependencies = [("core", "0004_outbox_task")]

    operations = [migrations.RunPython(forwards, backwards)]
