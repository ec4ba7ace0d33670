"""Demo conversations for the inbox: citizens writing to the demo accounts of the directory.

Everything is marked ``is_demo`` and goes through :func:`messages_ingest`, the same path as
the webhooks and the file import. The set is deterministic (``random.Random`` seeded per
entity) and idempotent: message ids are derived from the seed, the entity and the indexes, so
running it again adds nothing.

Citizens are obviously fictitious ("Ciudadana Demo 12", author id ``demo-ciudadano-0012``).
The few messages that carry personal data — material for the language module's filter — use
numbers nobody has: DNI 12345678, 87654321 or 00000000 and phones 999 999 999, 900 000 000
or 987 654 321 (:data:`FAKE_DNIS`, :data:`FAKE_PHONES`).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from agora.directory.models import AccountStatus, Entity, Level, Platform, SocialAccount
from agora.inbox.deadlines import Deadlines, deadlines_for_many
from agora.inbox.models import ThreadKind
from agora.inbox.services import IncomingMessage, IncomingPost, messages_ingest, posts_store

DAYS = 45
BATCH = 2000
FAKE_DNIS = ("12345678", "87654321", "00000000")
FAKE_PHONES = ("999 999 999", "900 000 000", "987 654 321")

# Preferred entities, in this order, when they have verified demo accounts.
PREFERRED_NATIONAL = [
    "minsa",
    "reniec",
    "minedu",
    "midis",
    "pronabec",
    "essalud",
    "mtc",
    "mininter",
    "sunat",
    "mimp",
    "mvcs",
    "indeci",
    "migraciones",
    "sis",
    "mtpe",
    "pcm",
    "midagri",
    "senamhi",
]
PREFERRED_REGIONAL = ["gr-15", "gr-04", "gr-08", "gr-13", "gr-20", "gr-12", "gr-16", "gr-21"]

SECTOR_OF = {
    "minsa": "salud",
    "essalud": "salud",
    "sis": "salud",
    "ins": "salud",
    "inen": "salud",
    "susalud": "salud",
    "minedu": "educacion",
    "pronabec": "educacion",
    "sunedu": "educacion",
    "sineace": "educacion",
    "reniec": "identidad",
    "migraciones": "identidad",
    "sunarp": "identidad",
    "midis": "social",
    "mimp": "social",
    "mtpe": "trabajo",
    "sunafil": "trabajo",
    "servir": "trabajo",
    "mtc": "transporte",
    "ositran": "transporte",
    "anin": "transporte",
    "mininter": "seguridad",
    "mindef": "seguridad",
    "inpe": "seguridad",
    "sunat": "tributos",
    "mef": "tributos",
    "mvcs": "vivienda",
    "sunass": "vivienda",
    "indeci": "emergencias",
    "senamhi": "emergencias",
    "igp": "emergencias",
    "cenepred": "emergencias",
    "midagri": "agro",
    "senasa": "agro",
    "agro-rural": "agro",
    "ana": "agro",
}


@dataclass(frozen=True)
class Topics:
    """What citizens write to one kind of entity, and how it answers."""

    posts: Sequence[str]
    consultas: Sequence[tuple[str, str]]  # (question, the entity's answer)
    quejas: Sequence[str]
    denuncias: Sequence[str]
    sugerencias: Sequence[str]


TOPICS: dict[str, Topics] = {
    "salud": Topics(
        posts=[
            "Campaña de vacunación contra la influenza y el neumococo: acércate a tu "
            "establecimiento de salud más cercano.",
            "Recomendaciones ante el friaje y las heladas: abriga a los niños y adultos mayores.",
            "Ya puedes sacar tu cita por teléfono o por la web. Te contamos cómo.",
            "Semana de lucha contra la anemia: tamizaje gratuito para niñas y niños.",
        ],
        consultas=[
            (
                "Buenas tardes, ¿dónde me vacuno contra la influenza? Vivo en {lugar} y en la "
                "posta me dicen que no hay vacunas 😞",
                "Hola, gracias por escribirnos. La vacuna está disponible en todos los centros "
                "de salud de {lugar}. Puedes ubicar el más cercano en gob.pe/vacunacion. "
                "Llevar tu DNI y carné de vacunación.",
            ),
            (
                "Una consulta, ¿la vacuna del neumococo es solo para mayores de 60? Mi papá "
                "tiene 58 pero es diabético",
                "Hola. Las personas con diabetes y otras enfermedades crónicas también se "
                "vacunan, sin importar la edad. Acércate con tu papá a su centro de salud.",
            ),
            (
                "¿Cómo saco cita para pediatría? Llamo y llamo a la central y nadie contesta",
                "Hola, lamentamos la demora. También puedes pedir tu cita en la web o de "
                "forma presencial de 7 a. m. a 1 p. m. Escríbenos por interno si no lo logras.",
            ),
            (
                "xfa alguien sabe si el SIS cubre la operación de vesícula? me dijeron que "
                "tengo que pagar",
                "Hola. El SIS gratuito cubre esa intervención si fuiste referido por tu "
                "establecimiento. Si te cobran, repórtalo a SUSALUD o escríbenos por interno.",
            ),
            (
                "¿Hasta qué hora atienden en el centro de salud los sábados?",
                "Hola, los sábados la atención es de 8 a. m. a 2 p. m. en la mayoría de "
                "establecimientos. Te recomendamos confirmar en tu centro de salud.",
            ),
        ],
        quejas=[
            "Pésima atención en el hospital de {lugar}, mi mamá esperó 6 horas en emergencia "
            "y nadie la vio. ¿Así tratan a los adultos mayores?",
            "Llevo 3 semanas esperando mi cita con el traumatólogo y nada, ya ni contestan el "
            "teléfono.",
            "En la farmacia del hospital nunca hay medicinas, te mandan a comprar afuera. "
            "¿Para qué pagamos el seguro entonces?",
            "Fui a las 5 de la mañana por un cupo y a las 7 ya no había. Una vergüenza.",
        ],
        denuncias=[
            "Denuncio que en la posta de {lugar} un técnico cobra S/ 20 por adelantar las "
            "citas. Todos lo saben y nadie hace nada.",
            "En el hospital botan la basura biocontaminada al costado del mercado, los perros "
            "rompen las bolsas. Es un peligro para los niños.",
            "El médico de turno llegó dos horas tarde y encima maltrató a los pacientes que "
            "reclamamos.",
        ],
        sugerencias=[
            "Deberían poner un sistema de citas por WhatsApp, así la gente no haría cola "
            "desde la madrugada.",
            "Sugiero que publiquen el horario de vacunación de cada posta, así uno no va por "
            "las puras.",
        ],
    ),
    "educacion": Topics(
        posts=[
            "Beca 18: conoce los requisitos y el cronograma de postulación de este año.",
            "Inicio del año escolar: revisa las recomendaciones para el regreso a clases.",
            "Matrícula escolar: el registro de vacantes ya está disponible en línea.",
        ],
        consultas=[
            (
                "Buenas noches, ¿hasta cuándo es la inscripción para Beca 18? Mi hija termina "
                "quinto de secundaria este año",
                "Hola, gracias por tu consulta. La inscripción está abierta hasta fin de mes. "
                "Los requisitos y el cronograma están en pronabec.gob.pe. ¡Éxitos a tu hija!",
            ),
            (
                "¿La beca cubre la pensión de una universidad privada o solo nacionales?",
                "Hola. Beca 18 cubre universidades públicas y privadas elegibles. La lista "
                "está publicada en nuestra web.",
            ),
            (
                "Una consulta, ¿cómo hago el traslado de mi hijo de un colegio a otro si ya "
                "empezaron las clases?",
                "Hola. El traslado se solicita en el colegio de destino, que lo registra en "
                "el sistema. No tiene costo. Si tienes problemas, escríbenos por interno.",
            ),
            (
                "¿Cuándo sale el resultado del concurso de nombramiento docente?",
                "Hola, los resultados se publicarán según el cronograma oficial. Te "
                "recomendamos revisar nuestra web y no hacer caso a información no oficial.",
            ),
        ],
        quejas=[
            "En el colegio de mi hijo en {lugar} cobran APAFA obligatorio y si no pagas no "
            "te dan la libreta. ¿Eso es legal?",
            "Ya van dos meses y los profesores contratados no reciben su sueldo. Hasta cuándo.",
            "La plataforma de matrícula se cae a cada rato, llevo toda la mañana intentando.",
        ],
        denuncias=[
            "El techo del aula de primaria del colegio de {lugar} se está cayendo, con las "
            "lluvias gotea encima de los niños. Es un peligro.",
            "Denuncio al director de un colegio de {lugar} que pide dinero por las vacantes.",
        ],
        sugerencias=[
            "Deberían dar más becas para carreras técnicas, no todos quieren ir a la universidad.",
            "Sería bueno que los resultados se publiquen también por mensaje de texto, en "
            "el campo no tenemos internet.",
        ],
    ),
    "identidad": Topics(
        posts=[
            "Renueva tu DNI sin salir de casa: conoce cómo hacer el trámite en línea.",
            "DNI electrónico: campaña gratuita para niñas y niños en {lugar}.",
            "¿Perdiste tu DNI? Te contamos qué hacer paso a paso.",
        ],
        consultas=[
            (
                "Buenas, ¿cuánto demora el trámite del DNI por pérdida? Necesito viajar la "
                "próxima semana 🙏",
                "Hola, el duplicado se entrega en aproximadamente 7 días hábiles. Puedes "
                "iniciarlo en línea y elegir la agencia donde recogerlo.",
            ),
            (
                "¿Dónde recojo el DNI de mi bebé? En la agencia me dicen que todavía no llega",
                "Hola. Puedes ver el estado de tu trámite en nuestra web con el número de "
                "solicitud. Si figura como entregado a la agencia y no lo tienen, escríbenos "
                "por interno.",
            ),
            (
                "Hola, ¿el DNI vencido sirve para cobrar el bono?",
                "Hola. Para trámites en el Perú el DNI vencido puede usarse en algunos casos; "
                "te recomendamos renovarlo. El trámite de renovación se hace en línea.",
            ),
            (
                "Una consulta, ¿cómo cambio mi dirección en el DNI? Me mudé a {lugar}",
                "Hola, el cambio de domicilio se hace en línea o en cualquier agencia. Ten a "
                "la mano un recibo de luz o agua del nuevo domicilio.",
            ),
        ],
        quejas=[
            "Llevo un mes esperando mi DNI y en la agencia solo me dicen 'vuelva la otra "
            "semana'. Pésimo servicio.",
            "La página web se cuelga justo al momento de pagar, ya me cobraron dos veces.",
            "En la agencia de {lugar} atienden solo 2 ventanillas con una cola de 100 personas.",
        ],
        denuncias=[
            "Afuera de la agencia de {lugar} hay tramitadores que cobran S/ 50 por 'adelantar' "
            "el trámite, y parece que tienen contacto adentro.",
            "Un trabajador de la agencia me gritó y me botó porque pedí que me expliquen.",
        ],
        sugerencias=[
            "Deberían mandar un mensaje cuando el DNI ya está listo para recoger.",
            "Pongan más campañas itinerantes en las comunidades, no todos pueden ir a la ciudad.",
        ],
    ),
    "social": Topics(
        posts=[
            "Consulta con tu DNI si eres beneficiario del bono en nuestra plataforma oficial.",
            "Programa Juntos: nuevo cronograma de pagos en {lugar}.",
            "Línea 100: si eres víctima o testigo de violencia, llama gratis las 24 horas.",
        ],
        consultas=[
            (
                "Buenas tardes, ¿cómo sé si me toca el bono? Pongo mi DNI en la página y sale "
                "error",
                "Hola, gracias por escribirnos. La consulta está disponible en la plataforma "
                "oficial del bono. Si aparece un error, inténtalo más tarde o escríbenos por "
                "interno.",
            ),
            (
                "¿Por qué me sacaron del padrón de Pensión 65? Mi mamá tiene 78 años y vive sola",
                "Hola. Lamentamos la situación. Por favor envíanos por mensaje directo el "
                "nombre del distrito para revisar el caso con la unidad territorial.",
            ),
            (
                "¿El bono se cobra en el Banco de la Nación o en cualquier banco?",
                "Hola. Puedes cobrarlo en el Banco de la Nación o por la billetera digital "
                "indicada en la plataforma. Nunca te pediremos claves por redes sociales.",
            ),
        ],
        quejas=[
            "Siempre le dan el bono a los que no necesitan y a los que de verdad necesitamos "
            "nada. Hagan bien su padrón.",
            "Fui tres veces a la oficina de {lugar} y siempre está cerrada.",
            "Nadie responde los mensajes, ¿para qué tienen página entonces?",
        ],
        denuncias=[
            "Denuncio que en mi comunidad en {lugar} el coordinador del programa pide plata a "
            "las señoras para mantenerlas en el padrón.",
            "Mi vecina sufre violencia de su pareja, se escuchan los gritos todas las noches. "
            "¿A dónde puedo denunciar sin que sepan que fui yo?",
        ],
        sugerencias=[
            "Sería bueno que publiquen la lista de beneficiarios por distrito, para que haya "
            "transparencia.",
            "Deberían pagar en la misma comunidad, los abuelitos viajan horas para cobrar.",
        ],
    ),
    "trabajo": Topics(
        posts=[
            "Feria laboral: más de 1 000 puestos de trabajo en {lugar}.",
            "¿Tu empleador no te paga la gratificación? Conoce cómo denunciarlo.",
        ],
        consultas=[
            (
                "Buenos días, ¿cómo calculo mi CTS si trabajé solo 5 meses?",
                "Hola. La CTS se calcula en proporción a los meses trabajados. En nuestra web "
                "encontrarás una calculadora y la explicación paso a paso.",
            ),
            (
                "¿La feria laboral es solo para jóvenes o puedo ir con 50 años?",
                "Hola, la feria está abierta a todas las edades. ¡Te esperamos!",
            ),
        ],
        quejas=[
            "Puse mi denuncia hace 4 meses y todavía no hay inspección. Mientras tanto me "
            "siguen sin pagar.",
            "El teléfono de consultas laborales no funciona, suena ocupado todo el día.",
        ],
        denuncias=[
            "En una fábrica de {lugar} hacen trabajar a la gente 12 horas sin pagar horas "
            "extras y sin seguro.",
        ],
        sugerencias=[
            "Publiquen las ofertas de la bolsa de trabajo también en las municipalidades.",
        ],
    ),
    "transporte": Topics(
        posts=[
            "Avance de obra: mantenimiento de la carretera en {lugar} al 70 %.",
            "Brevete electrónico: conoce cómo tramitarlo en línea.",
            "Recomendaciones para viajar seguro en este feriado largo.",
        ],
        consultas=[
            (
                "Buenas, ¿cómo saco cita para el examen de manejo? No hay cupos en todo el mes",
                "Hola. Los cupos se liberan cada lunes en el sistema de citas. Te "
                "recomendamos revisar temprano.",
            ),
            (
                "¿Cuándo terminan la carretera a {lugar}? Dijeron que en marzo y nada",
                "Hola, gracias por tu consulta. La obra tiene un avance del 70 % y el plazo "
                "actualizado se publica en nuestra web. Informaremos cualquier cambio.",
            ),
            (
                "¿El brevete electrónico tiene el mismo valor que el físico?",
                "Hola. Sí, el brevete electrónico tiene la misma validez y puede mostrarse "
                "desde el celular en una intervención.",
            ),
        ],
        quejas=[
            "La carretera está llena de huecos, ya hubo dos accidentes este mes. ¿Hasta cuándo?",
            "Los buses interprovinciales salen sin control, van con gente parada. Nadie fiscaliza.",
        ],
        denuncias=[
            "En el km 45 de la vía a {lugar} hay un derrumbe tapando medio carril y no hay "
            "ninguna señalización. Peligro de noche.",
            "Un inspector de tránsito pidió coima para no poner la papeleta.",
        ],
        sugerencias=[
            "Deberían poner señales reflectivas en las curvas, de noche no se ve nada.",
        ],
    ),
    "seguridad": Topics(
        posts=[
            "Denuncia en línea: ahora puedes registrar la pérdida de documentos sin ir a la "
            "comisaría.",
            "Operativo de seguridad ciudadana en {lugar} este fin de semana.",
        ],
        consultas=[
            (
                "¿Cómo hago una denuncia por pérdida de celular? ¿Tengo que ir a la comisaría?",
                "Hola. La denuncia por pérdida puedes hacerla en línea en nuestra plataforma; "
                "para robo, acércate a la comisaría más cercana.",
            ),
            (
                "¿Dónde saco mi certificado de antecedentes policiales?",
                "Hola, el certificado se tramita en línea y se paga en el Banco de la Nación "
                "o con tarjeta.",
            ),
        ],
        quejas=[
            "Fui a poner una denuncia por robo y en la comisaría me dijeron que vuelva "
            "mañana porque 'no hay sistema'.",
            "Llamamos al 105 y nunca llegó el patrullero.",
        ],
        denuncias=[
            "En la esquina del parque de {lugar} venden droga todas las noches, todos los "
            "vecinos lo saben.",
            "Un efectivo policial me pidió plata para 'no llevarme' en un control. Tengo la "
            "hora y el lugar.",
        ],
        sugerencias=[
            "Más patrullaje a la salida de los colegios, por favor.",
        ],
    ),
    "tributos": Topics(
        posts=[
            "Declaración anual de renta: conoce el cronograma de vencimientos.",
            "Emite tus boletas y facturas electrónicas gratis desde nuestra app.",
        ],
        consultas=[
            (
                "Buenas, soy trabajador independiente, ¿tengo que declarar si gané menos de 7 UIT?",
                "Hola. En ese caso no estás obligado a presentar la declaración anual, salvo "
                "que tengas saldo por pagar. Más detalles en nuestra web.",
            ),
            (
                "¿Cómo recupero mi clave SOL? Ya intenté por la página y no me llega el correo",
                "Hola. Puedes recuperarla con tu DNI desde la opción 'Olvidé mi clave' o en "
                "un centro de servicios. Nunca compartas tu clave por redes sociales.",
            ),
        ],
        quejas=[
            "La app se cuelga justo el día del vencimiento. Después nos ponen multa a nosotros.",
            "Llevo dos meses esperando mi devolución y nadie me da razón.",
        ],
        denuncias=[
            "Un restaurante en {lugar} nunca da boleta, dice que 'no hay sistema'.",
        ],
        sugerencias=[
            "Deberían ampliar el plazo cuando la plataforma falla el último día.",
        ],
    ),
    "vivienda": Topics(
        posts=[
            "Techo Propio: nueva convocatoria para familias de {lugar}.",
            "Obra de agua y alcantarillado en {lugar}: conoce el avance.",
        ],
        consultas=[
            (
                "¿Cuáles son los requisitos para el bono Techo Propio? Tengo terreno propio",
                "Hola. Los requisitos y el formulario están en nuestra web. Como tienes "
                "terreno, aplica la modalidad de construcción en sitio propio.",
            ),
            (
                "¿Cuándo vuelve el agua en mi zona? Ya van tres días sin agua en {lugar}",
                "Hola, lamentamos las molestias. Hemos trasladado tu reporte a la empresa "
                "prestadora; te informaremos por este medio.",
            ),
        ],
        quejas=[
            "La obra de desagüe está paralizada hace 6 meses y dejaron las zanjas abiertas.",
            "Nos cobran el agua completa y solo llega dos horas al día.",
        ],
        denuncias=[
            "En mi calle en {lugar} hay un buzón de desagüe sin tapa, ya se cayó un niño. "
            "¡Vengan a taparlo!",
            "La constructora de la obra bota desmonte en el río.",
        ],
        sugerencias=[
            "Publiquen el avance de cada obra con fotos, así sabemos en qué se gasta.",
        ],
    ),
    "emergencias": Topics(
        posts=[
            "Aviso meteorológico: lluvias de moderada a fuerte intensidad en la sierra.",
            "Simulacro multipeligro: participa con tu familia.",
            "Recomendaciones ante huaicos: identifica las zonas seguras de tu comunidad.",
        ],
        consultas=[
            (
                "¿Hasta cuándo siguen las lluvias en {lugar}? Tenemos la cosecha pendiente",
                "Hola. Según el pronóstico, las lluvias continuarán hasta el fin de semana. "
                "Sigue nuestros avisos actualizados.",
            ),
            (
                "¿Dónde pido ayuda humanitaria? Nuestra casa se inundó con el huaico",
                "Hola, lamentamos lo ocurrido. Comunícate con la oficina de defensa civil de "
                "tu municipalidad, que registra a las familias afectadas. Escríbenos por "
                "interno tu distrito.",
            ),
        ],
        quejas=[
            "La ayuda nunca llegó a nuestra comunidad, solo vinieron a tomarse fotos.",
        ],
        denuncias=[
            "El cerro de {lugar} se está agrietando encima de las casas, urgente que vengan a "
            "evaluar.",
            "Están repartiendo la ayuda solo a los conocidos del teniente alcalde.",
        ],
        sugerencias=[
            "Hagan los simulacros también de noche, los huaicos no avisan.",
        ],
    ),
    "agro": Topics(
        posts=[
            "Campaña de vacunación de ganado en {lugar}: gratuita para pequeños productores.",
            "Créditos para la campaña agrícola: conoce los requisitos.",
        ],
        consultas=[
            (
                "¿Cómo accedo al seguro agrario? Perdí mi cosecha de papa por la helada",
                "Hola, lamentamos la pérdida. El seguro se activa con el reporte de tu "
                "agencia agraria. Acércate con tu DNI y el dato de tu parcela.",
            ),
            (
                "¿Cuándo llega la campaña de vacunación de ganado a {lugar}?",
                "Hola. El cronograma por distrito está en nuestra web; también lo tiene tu "
                "agencia agraria.",
            ),
        ],
        quejas=[
            "El fertilizante que prometieron nunca llegó. La campaña ya pasó.",
        ],
        denuncias=[
            "Una minera informal está contaminando el río en {lugar}, los animales se enferman.",
        ],
        sugerencias=[
            "Deberían dar capacitaciones en quechua, muchos productores no entienden.",
        ],
    ),
    "general": Topics(
        posts=[
            "Conoce los servicios que ofrecemos en línea a través de gob.pe.",
            "Rendición de cuentas: presentamos los resultados del primer semestre.",
            "Atención al ciudadano: nuevos horarios en nuestras oficinas.",
        ],
        consultas=[
            (
                "Buenas tardes, ¿cuál es el horario de atención de la oficina de {lugar}?",
                "Hola, gracias por escribirnos. Atendemos de lunes a viernes de 8:30 a. m. a "
                "4:30 p. m.",
            ),
            (
                "¿Dónde presento una solicitud de acceso a la información pública?",
                "Hola. Puedes presentarla en línea por la mesa de partes digital en gob.pe. "
                "El plazo de respuesta es de 10 días hábiles.",
            ),
            (
                "Una consulta, ¿cómo hago seguimiento a mi expediente?",
                "Hola. Con tu número de expediente puedes consultar su estado en nuestra "
                "mesa de partes virtual. Si no aparece, escríbenos por interno.",
            ),
        ],
        quejas=[
            "Mandé mi solicitud hace un mes por mesa de partes y nadie me responde.",
            "La web de la entidad nunca funciona, siempre está 'en mantenimiento'.",
            "Los de vigilancia no dejan entrar si no tienes cita, pero para sacar cita nadie "
            "contesta.",
        ],
        denuncias=[
            "Un funcionario de la oficina de {lugar} atiende a sus conocidos primero y al "
            "resto nos deja esperando.",
        ],
        sugerencias=[
            "Sería bueno que publiquen los plazos de cada trámite.",
        ],
    ),
    "regional": Topics(
        posts=[
            "Inauguramos el nuevo puesto de salud en {lugar}.",
            "Avance de la obra de mejoramiento de la carretera en {lugar}.",
            "Convocatoria CAS: revisa las plazas disponibles en nuestra web.",
            "Entrega de kits de abrigo para las zonas altoandinas afectadas por las heladas.",
        ],
        consultas=[
            (
                "Buenas, ¿dónde veo los resultados de la convocatoria CAS? En la web no aparece "
                "nada",
                "Hola, los resultados se publican en la sección Convocatorias de nuestra web. "
                "Se actualizarán hoy por la tarde.",
            ),
            (
                "¿Cuándo entregan los kits de abrigo en las comunidades de {lugar}?",
                "Hola. La entrega en {lugar} está programada para la próxima semana, en "
                "coordinación con las autoridades comunales.",
            ),
            (
                "¿El hospital regional atiende con SIS o hay que pagar?",
                "Hola. El hospital regional atiende a los asegurados del SIS. Lleva tu DNI y "
                "tu hoja de referencia.",
            ),
        ],
        quejas=[
            "La obra del hospital regional está paralizada hace dos años. ¿Dónde está la plata?",
            "El gobernador solo viene a la provincia para tomarse fotos.",
            "Ya van 3 semanas sin respuesta a mi solicitud, ni un acuse de recibo.",
        ],
        denuncias=[
            "El puente de {lugar} tiene las barandas rotas y pasan niños todos los días al "
            "colegio. Antes que pase una desgracia.",
            "Un funcionario de la dirección regional pide 'colaboración' para firmar los "
            "expedientes.",
        ],
        sugerencias=[
            "Publiquen el avance de las obras con fotos y el monto gastado.",
            "Que las convocatorias CAS tengan más días de plazo, en provincias el internet "
            "es lento.",
        ],
    ),
    "municipal": Topics(
        posts=[
            "Cronograma de recojo de residuos sólidos por sectores.",
            "Campaña de vacunación antirrábica canina este domingo en la plaza de armas.",
            "Serenazgo: conoce los números de emergencia de tu distrito.",
            "Paga tus arbitrios con descuento hasta fin de mes.",
        ],
        consultas=[
            (
                "Buenas, ¿a qué hora pasa el camión de la basura por mi zona? Ya van 4 días "
                "que no pasa",
                "Hola, lamentamos la demora. El camión pasa por tu sector los lunes, "
                "miércoles y viernes por la noche. Hemos reportado tu zona al área de "
                "limpieza.",
            ),
            (
                "¿Qué requisitos piden para la licencia de funcionamiento de una bodega?",
                "Hola. Para una bodega necesitas la solicitud, tu DNI y el pago del derecho "
                "de trámite. Puedes iniciarlo en nuestra plataforma virtual.",
            ),
            (
                "¿Hasta cuándo es el descuento de arbitrios?",
                "Hola, el descuento está vigente hasta el último día hábil del mes.",
            ),
            (
                "¿La vacunación de perritos es gratis? ¿También gatos?",
                "Hola. Sí, es gratuita para perros y gatos mayores de 3 meses. ¡Te esperamos!",
            ),
        ],
        quejas=[
            "La basura se acumula en la esquina de mi cuadra hace una semana, hay moscas y "
            "ratas. ¡Hagan algo!",
            "El serenazgo nunca contesta el teléfono y cuando contestan llegan una hora después.",
            "Pagamos arbitrios puntual y el parque está abandonado, sin riego y lleno de desmonte.",
            "Los ambulantes ocupan toda la vereda y no se puede pasar con el coche del bebé.",
        ],
        denuncias=[
            "Hay un poste de luz a punto de caerse en la avenida principal de {lugar}, con "
            "los cables colgando. ¡Peligro!",
            "Un fiscalizador municipal le cobró a mi tío para no clausurar su bodega.",
            "En el parque hay un buzón sin tapa, de noche no se ve y ya se cayó una señora.",
            "Un bar en {lugar} pone música hasta las 4 de la mañana todos los fines de semana.",
        ],
        sugerencias=[
            "Deberían poner contenedores de reciclaje en los parques.",
            "Pongan más luminarias en el pasaje, de noche está muy oscuro y roban.",
            "Sería bueno tener una app para reportar baches y basura con foto.",
        ],
    ),
}

PRAISE = [
    "Felicitaciones al personal de {entidad}, me atendieron rápido y con amabilidad 👏",
    "Gracias por la información, muy clara. Así da gusto.",
    "Excelente iniciativa, ojalá la repitan el próximo año.",
    "Por fin una entidad que responde. Gracias {entidad}.",
    "Muy buena la campaña, llevé a mis hijos y no hicimos cola.",
]
PRAISE_ANSWERS = [
    "¡Gracias a ti por tu mensaje! Seguimos trabajando para atenderte mejor.",
    "Gracias por tus palabras. Trasladaremos tu saludo a nuestro equipo.",
]
INSULTS = [
    "Son unos ineptos, no sirven para nada. Rateros todos.",
    "Payasos, solo saben publicar fotitos. Sinvergüenzas.",
    "Corruptos de m***, ojalá se vayan todos. Inútiles.",
    "Qué asco de gestión, idiotas, a ustedes nadie les cree.",
]
SPAM = [
    "Gana S/ 500 diarios desde tu casa 💰💰 escríbeme al interno, cupos limitados!!!",
    "PRÉSTAMOS RÁPIDOS sin aval y sin Infocorp 👉 link en mi perfil",
    "Sigue mi página y participa en el sorteo de un iPhone 🎁🎁",
    "Vendo seguidores reales para tu página, precios de locura, info al DM",
]
THREATS = [
    "Si no arreglan la pista hasta el lunes vamos a bloquear la carretera, estamos organizados.",
    "Si siguen ignorando a la comunidad vamos a tomar el local, ya estamos cansados.",
]
PERSONAL_DATA = [
    "Mi DNI es {dni} y hasta ahora no me sale en el padrón, por favor revisen. Mi celular "
    "{phone}, llámenme.",
    "Señores, mi mamá con DNI {dni} no puede cobrar, ya fuimos tres veces. Cualquier cosa al "
    "{phone}.",
    "Les dejo mi número {phone} para que me llamen, mi expediente está a nombre del DNI {dni}.",
]
PERSONAL_DATA_ANSWER = (
    "Hola. Por tu seguridad, no publiques tu DNI ni tu número de teléfono en comentarios "
    "públicos. Escríbenos por mensaje directo y revisaremos tu caso."
)
ANSWERS_QUEJA = [
    "Hola, lamentamos lo ocurrido. Por favor envíanos por mensaje directo más detalles "
    "(fecha y lugar) para trasladar tu caso al área responsable.",
    "Lamentamos la demora. Hemos trasladado tu reclamo al área correspondiente y te "
    "daremos respuesta por este medio.",
    "Hola. Tu reclamo es importante. También puedes registrarlo en el Libro de Reclamaciones "
    "virtual para que tenga número de seguimiento.",
]
ANSWERS_DENUNCIA = [
    "Gracias por alertarnos. Hemos derivado tu reporte al área responsable para su "
    "atención inmediata.",
    "Hola. Tomamos en serio tu denuncia. Puedes presentarla de forma reservada en nuestra "
    "plataforma de denuncias; tu identidad está protegida.",
    "Gracias por el reporte. Un equipo acudirá a evaluar la zona. Te mantendremos informado.",
]
ANSWERS_SUGERENCIA = [
    "¡Gracias por tu sugerencia! La hemos compartido con el equipo para evaluarla.",
    "Buena idea, gracias. La tendremos en cuenta en las próximas campañas.",
]
FOLLOW_UPS = [
    "¿Hola? ¿Alguien que responda?",
    "Ya pasaron varios días y nada, ni un visto.",
    "Sigo esperando respuesta 😒",
    "?????",
]
THANKS = [
    "Gracias por responder 🙏",
    "Ok, gracias. Voy a intentar de nuevo.",
    "Ya fui y me atendieron, gracias.",
    "Gracias, pero igual no me solucionan nada.",
]
AGREEMENTS = [
    "+1, a mí también me pasó lo mismo.",
    "Exacto, en mi distrito igualito.",
    "Eso mismo digo yo, nadie hace caso.",
    "Yo también quiero saber, por favor respondan.",
]

# Kinds of first message, with weights: more questions and complaints than the rest.
CLOSINGS = (
    "Gracias a usted. Seguimos atentos a sus consultas.",
    "Con gusto. Estamos para servirle.",
    "Gracias por escribirnos. Cualquier otra consulta, aquí estamos.",
)
KINDS = [
    ("consulta", 34),
    ("queja", 20),
    ("denuncia", 10),
    ("sugerencia", 7),
    ("felicitacion", 8),
    ("insulto", 7),
    ("spam", 5),
    ("amenaza", 2),
    ("datos_personales", 7),
]


def _sector(entity: Entity) -> str:
    if entity.level == Level.REGIONAL:
        return "regional"
    if entity.level == Level.LOCAL:
        return "municipal"
    return SECTOR_OF.get(entity.code, "general")


def _place(entity: Entity) -> str:
    if entity.level == Level.LOCAL and entity.province:
        return entity.province.title() if entity.province.isupper() else entity.province
    if entity.department:
        return entity.department.title() if entity.department.isupper() else entity.department
    return "Lima"


def demo_conversation_entities(limit: int) -> list[tuple[Entity, list[SocialAccount]]]:
    """Entities with verified demo accounts: ministries and national bodies first (a
    preferred list), then regional governments and municipalities, about 45/25/30 %."""
    accounts = (
        SocialAccount.objects.filter(is_demo=True, status=AccountStatus.VERIFICADA)
        .select_related("entity")
        .order_by("entity__code", "platform", "pk")
    )
    by_entity: dict[int, list[SocialAccount]] = {}
    entities: dict[int, Entity] = {}
    for account in accounts:
        by_entity.setdefault(account.entity_id, []).append(account)
        entities[account.entity_id] = account.entity

    def ordered(level: str, preferred: Sequence[str]) -> list[Entity]:
        group = [e for e in entities.values() if e.level == level]
        rank = {code: i for i, code in enumerate(preferred)}
        return sorted(group, key=lambda e: (rank.get(e.code, len(rank)), e.code))

    national = ordered(Level.NACIONAL, PREFERRED_NATIONAL)
    regional = ordered(Level.REGIONAL, PREFERRED_REGIONAL)
    local = sorted(
        (e for e in entities.values() if e.level == Level.LOCAL),
        key=lambda e: (not e.code.startswith("mp-"), e.code),
    )
    quotas = [round(limit * 0.45), round(limit * 0.25)]
    quotas.append(max(0, limit - sum(quotas)))
    groups = [national, regional, local]
    chosen: list[Entity] = []
    for group, quota in zip(groups, quotas, strict=True):
        chosen.extend(group[:quota])
    for group in groups:  # a group short of entities: the others fill in
        for entity in group:
            if len(chosen) >= limit:
                break
            if entity not in chosen:
                chosen.append(entity)
    return [(entity, by_entity[entity.pk]) for entity in chosen[:limit]]


# Share of the conversations that are recent (the last working days, still open) and how
# their response deadlines are spread: (share, earliest, latest due time from now).
RECENT_SHARE = 0.14
DUE_SPREAD = (
    (0.25, timedelta(hours=-30), timedelta(minutes=-10)),  # overdue
    (0.3, timedelta(minutes=10), timedelta(hours=2)),  # due within two hours
    (0.25, timedelta(hours=2), timedelta(hours=9)),  # later today
    (0.2, timedelta(hours=9), timedelta(days=3)),  # tomorrow or later
)
# Old conversations: answered in time, late, or never (a minority).
OLD_ANSWERED_LATE = 0.1
OLD_UNANSWERED = 0.05
OLDEST = timedelta(days=DAYS)
OLD_FROM = timedelta(days=7)
# A handful of posts per account, by age: a comment hangs on the newest one before it.
POST_AGES = (
    timedelta(hours=20),
    timedelta(days=4),
    timedelta(days=9),
    timedelta(days=16),
    timedelta(days=25),
    timedelta(days=35),
    OLDEST + timedelta(days=1),
)


class _Writer:
    """Builds the events of one entity's conversations.

    Every random draw of the main generator happens whatever the clock says, so that the
    same seed always gives the same message ids (the demo is idempotent); times that depend
    on the entity's working calendar (due times) are drawn from a second generator."""

    def __init__(
        self,
        *,
        entity: Entity,
        seed: int,
        now: datetime,
        rng: random.Random,
        deadlines: Deadlines,
    ) -> None:
        self.entity = entity
        self.seed = seed
        self.now = now
        self.rng = rng
        self.deadlines = deadlines
        self.topics = TOPICS[_sector(entity)]
        self.place = _place(entity)
        self.short = entity.acronym or entity.name
        self.events: list[IncomingMessage] = []
        self.posts: dict[str, IncomingPost] = {}

    def fill(self, template: str) -> str:
        return template.format(
            lugar=self.place,
            entidad=self.short,
            dni=self.rng.choice(FAKE_DNIS),
            phone=self.rng.choice(FAKE_PHONES),
        )

    def citizen(self) -> tuple[str, str]:
        number = self.rng.randrange(1, 2000)
        noun = "Ciudadana" if number % 2 else "Ciudadano"
        return f"demo-ciudadano-{number:04d}", f"{noun} Demo {number}"

    def first_message(self, kind: str) -> tuple[str, str]:
        """(citizen text, the entity's answer or "" when there is none to give)."""
        rng, topics = self.rng, self.topics
        if kind == "consulta":
            question, answer = rng.choice(list(topics.consultas))
            return self.fill(question), self.fill(answer)
        if kind == "queja":
            return self.fill(rng.choice(list(topics.quejas))), rng.choice(ANSWERS_QUEJA)
        if kind == "denuncia":
            return self.fill(rng.choice(list(topics.denuncias))), rng.choice(ANSWERS_DENUNCIA)
        if kind == "sugerencia":
            return self.fill(rng.choice(list(topics.sugerencias))), rng.choice(ANSWERS_SUGERENCIA)
        if kind == "felicitacion":
            return self.fill(rng.choice(PRAISE)), rng.choice(PRAISE_ANSWERS)
        if kind == "insulto":
            return rng.choice(INSULTS), ""
        if kind == "spam":
            return rng.choice(SPAM), ""
        if kind == "amenaza":
            return rng.choice(THREATS), rng.choice(ANSWERS_QUEJA)
        return self.fill(rng.choice(PERSONAL_DATA)), PERSONAL_DATA_ANSWER

    def kind(self) -> str:
        names = [name for name, _weight in KINDS]
        weights = [weight for _name, weight in KINDS]
        return self.rng.choices(names, weights)[0]

    def add(
        self,
        account: SocialAccount,
        thread_kind: str,
        thread_id: str,
        message_id: str,
        at: datetime,
        text: str,
        *,
        author: tuple[str, str] | None,
        parent_id: str = "",
        post_id: str = "",
    ) -> None:
        if author is None:  # the entity itself, on its own account
            author = (account.platform_id, self.entity.name[:200])
        self.events.append(
            IncomingMessage(
                platform=account.platform,
                account_id=account.pk,
                thread_kind=thread_kind,
                thread_id=thread_id,
                message_id=message_id,
                sent_at=min(at, self.now - timedelta(minutes=1)),
                text=text,
                author_id=author[0],
                author_name=author[1],
                parent_id=parent_id,
                post_id=post_id,
            )
        )

    def timing(self, index: int) -> tuple[datetime, str, float, float]:
        """(when the citizen wrote, "reciente" / "a_tiempo" / "tarde" / "sin_respuesta", and
        two draws for the answer's and the follow-ups' times)."""
        roll, age_draw, answer_draw, extra_draw = (self.rng.random() for _ in range(4))
        # Times that depend on the calendar: their own generator, seeded by the slot.
        local = random.Random(f"{self.seed}:{self.entity.code}:{index}:tiempo")
        if roll < RECENT_SHARE:
            share, bucket = age_draw, 0
            while bucket < len(DUE_SPREAD) - 1 and share >= DUE_SPREAD[bucket][0]:
                share -= DUE_SPREAD[bucket][0]
                bucket += 1
            _weight, earliest, latest = DUE_SPREAD[bucket]
            target_low, target_high = self.now + earliest, self.now + latest
            best = self.now - timedelta(minutes=30)
            for _try in range(40):
                sent = self.now - timedelta(minutes=local.randrange(5, 4 * 24 * 60))
                due = self.deadlines.first_due(sent)
                if target_low <= due <= target_high:
                    best = sent
                    break
                if due > self.now and best == self.now - timedelta(minutes=30):
                    best = sent
            return best, "reciente", answer_draw, extra_draw
        span = (OLDEST - OLD_FROM).total_seconds()
        sent = self.now - OLD_FROM - timedelta(seconds=age_draw * span)
        outcome = "a_tiempo"
        if answer_draw < OLD_UNANSWERED:
            outcome = "sin_respuesta"
        elif answer_draw < OLD_UNANSWERED + OLD_ANSWERED_LATE:
            outcome = "tarde"
        return sent, outcome, local.random(), extra_draw

    def answer_time(self, sent: datetime, outcome: str, draw: float, *, first: bool) -> datetime:
        due = self.deadlines.first_due(sent) if first else self.deadlines.next_due(sent)
        if outcome == "tarde":
            return due + timedelta(minutes=30 + int(draw * 60 * 30))
        return sent + (due - sent) * (0.1 + 0.8 * draw)

    def post_for(self, account: SocialAccount, sent: datetime) -> str:
        """The entity's post a comment written at ``sent`` hangs on: the newest of a handful
        of posts per account that was already published."""
        for slot, age in enumerate(POST_AGES):
            posted = self.now - age
            if slot < len(POST_AGES) - 1 and posted >= sent:
                continue
            post_id = f"demo{self.seed}.{self.entity.code}.{account.platform}.p{slot}"
            if post_id not in self.posts:
                local = random.Random(post_id)
                self.posts[post_id] = IncomingPost(
                    platform=account.platform,
                    account_id=account.pk,
                    post_id=post_id,
                    text=self.fill(local.choice(list(self.topics.posts))),
                    posted_at=min(posted, sent - timedelta(minutes=5)),
                )
            return post_id
        raise AssertionError("unreachable")  # pragma: no cover

    def conversation(self, index: int, account: SocialAccount) -> None:
        thread_kind = self.thread_kind(account)
        base = f"demo{self.seed}.{self.entity.code}.{index:04d}"
        author = self.citizen()
        kind = self.kind()
        if kind == "spam" and thread_kind == ThreadKind.MENTION:
            kind = "queja"
        text, answer = self.first_message(kind)
        if thread_kind == ThreadKind.MENTION:
            text = f"@{account.handle} {text}"
        sent, outcome, answer_draw, extra_draw = self.timing(index)
        if not answer:
            outcome = "reciente" if outcome == "reciente" else "sin_respuesta"
        # Drawn always (idempotency), used when they apply.
        seconded = kind in ("queja", "consulta") and self.rng.random() < 0.25
        second_author, second_text = self.citizen(), self.rng.choice(AGREEMENTS)
        remind = self.rng.random() < 0.3
        reminder_text = self.rng.choice(FOLLOW_UPS)
        thanks = self.rng.random() < 0.3
        thanks_text = self.rng.choice(THANKS)
        closing = self.rng.choice(CLOSINGS)

        first_id = f"{base}.m1" if thread_kind != ThreadKind.COMMENTS else f"{base}.c1"
        post_id = self.post_for(account, sent) if thread_kind == ThreadKind.COMMENTS else ""
        thread_id = base if thread_kind == ThreadKind.DIRECT else first_id
        self.add(
            account, thread_kind, thread_id, first_id, sent, text, author=author, post_id=post_id
        )
        if outcome == "reciente":
            if remind and thread_kind == ThreadKind.DIRECT:
                later = sent + (self.now - sent) * 0.5
                self.add(
                    account,
                    thread_kind,
                    thread_id,
                    f"{base}.m2",
                    later,
                    reminder_text,
                    author=author,
                )
            return
        answered_at = self.answer_time(sent, outcome, answer_draw, first=True)
        if seconded and thread_kind == ThreadKind.COMMENTS:
            # Another citizen seconds the comment before the answer (the answer covers it).
            at = sent + (answered_at - sent) * 0.4
            self.add(
                account,
                thread_kind,
                thread_id,
                f"{base}.a1",
                at,
                second_text,
                author=second_author,
                parent_id=first_id,
                post_id=post_id,
            )
        if outcome == "sin_respuesta":
            return
        answer_id = f"{base}.r1"
        self.add(
            account,
            thread_kind,
            thread_id,
            answer_id,
            answered_at,
            answer,
            author=None,
            parent_id=first_id,
            post_id=post_id,
        )
        if thanks:
            # The citizen thanks (a reply to the answer) and the entity closes the thread.
            thanked_at = answered_at + timedelta(minutes=5 + int(extra_draw * 600))
            self.add(
                account,
                thread_kind,
                thread_id,
                f"{base}.m3",
                thanked_at,
                thanks_text,
                author=author,
                parent_id=answer_id,
                post_id=post_id,
            )
            closed_at = self.answer_time(thanked_at, "a_tiempo", extra_draw, first=False)
            self.add(
                account,
                thread_kind,
                thread_id,
                f"{base}.r2",
                closed_at,
                closing,
                author=None,
                parent_id=f"{base}.m3",
                post_id=post_id,
            )

    def thread_kind(self, account: SocialAccount) -> str:
        roll = self.rng.random()
        if account.platform in (Platform.FACEBOOK, Platform.INSTAGRAM):
            return ThreadKind.COMMENTS if roll < 0.6 else ThreadKind.DIRECT
        if account.platform == Platform.X:
            return ThreadKind.MENTION if roll < 0.6 else ThreadKind.DIRECT
        return ThreadKind.COMMENTS


def conversations_create_demo(
    *,
    entity_limit: int = 25,
    per_entity: int = 40,
    seed: int = 2026,
    now: datetime | None = None,
) -> int:
    """Creates ``per_entity`` demo conversations on the verified demo accounts of up to
    ``entity_limit`` entities; returns how many messages were new (0 when run again)."""
    now = now or timezone.now()
    events: list[IncomingMessage] = []
    posts: list[IncomingPost] = []
    chosen = demo_conversation_entities(entity_limit)
    deadlines = deadlines_for_many([entity.pk for entity, _accounts in chosen])
    for entity, accounts in chosen:
        rng = random.Random(f"{seed}:{entity.code}")
        writer = _Writer(entity=entity, seed=seed, now=now, rng=rng, deadlines=deadlines[entity.pk])
        for index in range(per_entity):
            writer.conversation(index, accounts[index % len(accounts)])
        events.extend(writer.events)
        posts.extend(writer.posts.values())
    created = 0
    posts_store(posts=posts, is_demo=True)
    for start in range(0, len(events), BATCH):
        result = messages_ingest(batch=events[start : start + BATCH], is_demo=True, now=now)
        created += result.created
    return created
