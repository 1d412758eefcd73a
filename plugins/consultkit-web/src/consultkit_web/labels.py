"""The web pages' own fixed words, per language: the one small place they live.

The consultation's titles, names and notes come translated from its file; these are the
few words around them (buttons, headings, the rules' plain-language explanations). They
move into consultkit's shared catalogue when the languages issue lands. A language
without an entry falls back to English one word at a time, so a partial table is safe.
"""

from __future__ import annotations

from typing import Final

_EN: Final[dict[str, str]] = {
    "skip": "Skip to the content",
    "language": "Language",
    "consultations": "Consultations",
    "phases": "Phases and meetings",
    "forum": "Related events",
    "calls": "Calls for submissions",
    "open_calls": "Open now",
    "no_open_calls": "No call accepts submissions right now.",
    "deadline": "Deadline",
    "no_deadline": "No deadline has been announced.",
    "time_left": "Time left",
    "days_hours": "{days} days, {hours} hours, {minutes} minutes",
    "closed": "closed",
    "submit_to": "Submit to this call",
    "organisers": "Organised by",
    "contact": "Contact",
    "subscribe": "Subscribe to the calendar",
    "webcal": "Calendar app (webcal)",
    "google": "Google Calendar",
    "outlook": "Outlook.com",
    "ics": "Download the .ics file",
    "track": "Follow a submission",
    "tracking_number": "Tracking number",
    "look_up": "Look up",
    "form_title": "Your submission",
    "form_intro": "Fields marked required must be filled in. Nothing is stored until the"
    " submission is accepted.",
    "required": "required",
    "group": "Stakeholder group",
    "name": "Your name",
    "organisation": "Organisation",
    "email": "E-mail address",
    "email_hint": "Your receipt is sent here. It is never published.",
    "title": "Title",
    "body": "Your contribution",
    "text_language": "Language of your text",
    "tags": "Keywords",
    "tags_hint": "Separated by commas. The terms of:",
    "attachments": "Files",
    "attachments_hint": "{types}; at most {files} files of {megabytes} MB each. The file's"
    " content decides its type, not its name.",
    "rule.attachment": "This file cannot be taken: check its type and size.",
    "consent": "What may be published",
    "consent_text": "Publish my contribution's text.",
    "consent_name": "Publish my name beside it.",
    "consent_organisation": "Publish my organisation's name beside it.",
    "consent_hint": "Leave a box empty and that part stays with the organisers only.",
    "honeypot": "Leave this field empty",
    "send": "Send the submission",
    "refused": "The submission was not stored. Please correct the marked field and send it again.",
    "refused_form": "The submission was not stored.",
    "receipt_title": "Submission received",
    "receipt_keep": "Keep this tracking number: it is how you follow your submission.",
    "received_at": "Received",
    "next": "What happens next",
    "next_text": "The organisers review every submission after the deadline. A receipt is"
    " sent to your e-mail address, and you can follow the status here at any time.",
    "status": "Status",
    "history": "History",
    "track_unknown": "No submission with this tracking number was found. Check the number"
    " on your receipt (CK-XXXX-XXXX-XXXX-XXXX).",
    "track_intro": "Enter the tracking number from your receipt. Only the status is shown,"
    " never who sent it.",
    "status.received": "received",
    "status.accepted": "accepted",
    "status.not-accepted": "not accepted",
    "status.withdrawn": "withdrawn",
    "status.edited": "edited by the submitter",
    "status.draft": "draft",
    "not_found": "Not found",
    "state.not-yet-open": "Not open yet.",
    "state.closed": "Closed: the deadline has passed.",
    "item.tentative": "to be confirmed",
    "item.cancelled": "cancelled",
    "back": "Back to the consultation",
    "website": "Website",
    "utc_note": "Times in {zone}, with UTC beside them.",
    "now": "Status as of {instant}.",
    "rule.call-not-open": "This call does not accept submissions yet.",
    "rule.call-closed": "This call is closed: its deadline has passed.",
    "rule.unknown-group": "Choose one of the stakeholder groups listed.",
    "rule.group-not-eligible": "This call is not open to that stakeholder group.",
    "rule.submitter": "Give your name and a working e-mail address.",
    "rule.name": "Give your name.",
    "rule.email": "Give a working e-mail address: your receipt is sent there.",
    "rule.language": "Choose the language your text is written in.",
    "rule.missing-content": "This call needs this field.",
    "rule.too-long": "This text is too long.",
    "rule.one-line": "Write this on one line.",
    "rule.tag": "Use the terms listed under the keywords.",
    "rule.field": "This answer is not accepted.",
    "call_fields": "About your submission",
    "person": "Person {number}",
    "person_name": "Name",
    "person_email": "E-mail address (never published)",
    "person_organisation": "Organisation",
    "person_country": "Country",
    "person_consent": "This person agrees to be named publicly.",
    "yes": "Yes",
    "no": "No",
    "choose": "Choose…",
    "file_not_accepted": "Files cannot be uploaded here yet: send it to the organisers"
    " after submitting, quoting your tracking number.",
    "rule.consent": "You agreed to publish your organisation, but gave none.",
    "rule.idempotency-key-reused": "This form was already used for another submission:"
    " open the form again.",
    "rule.plugin": "A check of the organisers refused the submission.",
    "rule.honeypot": "The form was filled in automatically and was not accepted.",
    "rule.quota.email": "This e-mail address has sent as many submissions as this call takes.",
    "rule.quota.organisation": "Your organisation has sent as many submissions as this call takes.",
    "confirm_pending": "This call asks you to confirm your e-mail address: open the link we"
    " sent you. Your submission is kept either way; until then it counts as unconfirmed.",
    "confirmed_title": "E-mail address confirmed",
    "confirmed_text": "Thank you: your address is confirmed for the submission below.",
    "confirm_invalid": "This confirmation link is not valid. Copy the whole link from the"
    " e-mail, or ask the organisers for help.",
    "confirm_expired": "This confirmation link has expired. Your submission is kept,"
    " unconfirmed; ask the organisers to confirm it.",
}

_ES: Final[dict[str, str]] = {
    "skip": "Ir al contenido",
    "language": "Idioma",
    "consultations": "Consultas",
    "phases": "Fases y reuniones",
    "forum": "Eventos relacionados",
    "calls": "Convocatorias de contribuciones",
    "open_calls": "Abiertas ahora",
    "no_open_calls": "Ninguna convocatoria acepta contribuciones en este momento.",
    "deadline": "Plazo",
    "no_deadline": "No se ha anunciado ningún plazo.",
    "time_left": "Tiempo restante",
    "days_hours": "{days} días, {hours} horas, {minutes} minutos",
    "closed": "cerrada",
    "submit_to": "Enviar una contribución a esta convocatoria",
    "organisers": "Organizado por",
    "contact": "Contacto",
    "subscribe": "Suscribirse al calendario",
    "webcal": "Aplicación de calendario (webcal)",
    "google": "Google Calendar",
    "outlook": "Outlook.com",
    "ics": "Descargar el archivo .ics",
    "track": "Seguir una contribución",
    "tracking_number": "Número de seguimiento",
    "look_up": "Buscar",
    "form_title": "Su contribución",
    "form_intro": "Los campos marcados como obligatorios deben completarse. No se guarda"
    " nada hasta que la contribución es aceptada.",
    "required": "obligatorio",
    "group": "Grupo de partes interesadas",
    "name": "Su nombre",
    "organisation": "Organización",
    "email": "Correo electrónico",
    "email_hint": "Su acuse de recibo se envía a esta dirección. Nunca se publica.",
    "title": "Título",
    "body": "Su contribución",
    "text_language": "Idioma de su texto",
    "tags": "Palabras clave",
    "tags_hint": "Separadas por comas. Los términos de:",
    "attachments": "Archivos",
    "attachments_hint": "{types}; como máximo {files} archivos de {megabytes} MB cada uno. El"
    " contenido del archivo decide su tipo, no su nombre.",
    "rule.attachment": "Este archivo no se puede aceptar: compruebe su tipo y su tamaño.",
    "consent": "Qué se puede publicar",
    "consent_text": "Publicar el texto de mi contribución.",
    "consent_name": "Publicar mi nombre junto a ella.",
    "consent_organisation": "Publicar el nombre de mi organización junto a ella.",
    "consent_hint": "Si deja una casilla vacía, esa parte solo la verán los organizadores.",
    "honeypot": "Deje este campo vacío",
    "send": "Enviar la contribución",
    "refused": "La contribución no se ha guardado. Corrija el campo señalado y vuelva a enviarla.",
    "refused_form": "La contribución no se ha guardado.",
    "receipt_title": "Contribución recibida",
    "receipt_keep": "Guarde este número de seguimiento: con él puede seguir su contribución.",
    "received_at": "Recibida",
    "next": "Próximos pasos",
    "next_text": "Los organizadores examinan todas las contribuciones después del plazo."
    " Se envía un acuse de recibo a su correo electrónico, y puede consultar el estado"
    " aquí en cualquier momento.",
    "status": "Estado",
    "history": "Historial",
    "track_unknown": "No se ha encontrado ninguna contribución con este número. Compruebe"
    " el número de su acuse de recibo (CK-XXXX-XXXX-XXXX-XXXX).",
    "track_intro": "Introduzca el número de seguimiento de su acuse de recibo. Solo se"
    " muestra el estado, nunca quién la envió.",
    "status.received": "recibida",
    "status.accepted": "aceptada",
    "status.not-accepted": "no aceptada",
    "status.withdrawn": "retirada",
    "status.edited": "modificada por quien la envió",
    "status.draft": "borrador",
    "not_found": "No encontrado",
    "state.not-yet-open": "Todavía no está abierta.",
    "state.closed": "Cerrada: el plazo ha vencido.",
    "item.tentative": "por confirmar",
    "item.cancelled": "cancelada",
    "back": "Volver a la consulta",
    "website": "Sitio web",
    "utc_note": "Horas en {zone}, con la hora UTC al lado.",
    "now": "Situación a {instant}.",
    "rule.call-not-open": "Esta convocatoria todavía no acepta contribuciones.",
    "rule.call-closed": "Esta convocatoria está cerrada: su plazo ha vencido.",
    "rule.unknown-group": "Elija uno de los grupos de partes interesadas de la lista.",
    "rule.group-not-eligible": "Esta convocatoria no está abierta a ese grupo.",
    "rule.submitter": "Indique su nombre y una dirección de correo que funcione.",
    "rule.name": "Indique su nombre.",
    "rule.email": "Indique una dirección de correo que funcione: allí se envía su acuse de recibo.",
    "rule.language": "Elija el idioma en que está escrito su texto.",
    "rule.missing-content": "Esta convocatoria exige este campo.",
    "rule.too-long": "Este texto es demasiado largo.",
    "rule.one-line": "Escriba esto en una sola línea.",
    "rule.tag": "Use los términos indicados junto a las palabras clave.",
    "rule.field": "Esta respuesta no se acepta.",
    "call_fields": "Sobre su contribución",
    "person": "Persona {number}",
    "person_name": "Nombre",
    "person_email": "Correo electrónico (nunca se publica)",
    "person_organisation": "Organización",
    "person_country": "País",
    "person_consent": "Esta persona acepta figurar públicamente.",
    "yes": "Sí",
    "no": "No",
    "choose": "Elija…",
    "file_not_accepted": "Aún no se pueden subir archivos aquí: envíelo a los organizadores"
    " después de enviar la contribución, indicando su número de seguimiento.",
    "rule.consent": "Aceptó publicar su organización, pero no indicó ninguna.",
    "rule.idempotency-key-reused": "Este formulario ya se usó para otra contribución:"
    " vuelva a abrir el formulario.",
    "rule.plugin": "Una comprobación de los organizadores rechazó la contribución.",
    "rule.honeypot": "El formulario se rellenó automáticamente y no se ha aceptado.",
    "rule.quota.email": "Esta dirección de correo ya ha enviado tantas contribuciones como"
    " admite esta convocatoria.",
    "rule.quota.organisation": "Su organización ya ha enviado tantas contribuciones como"
    " admite esta convocatoria.",
    "confirm_pending": "Esta convocatoria le pide confirmar su dirección de correo: abra el"
    " enlace que le hemos enviado. Su contribución se conserva en cualquier caso; hasta"
    " entonces se cuenta como no confirmada.",
    "confirmed_title": "Dirección de correo confirmada",
    "confirmed_text": "Gracias: su dirección queda confirmada para la contribución siguiente.",
    "confirm_invalid": "Este enlace de confirmación no es válido. Copie el enlace completo"
    " del correo o pida ayuda a los organizadores.",
    "confirm_expired": "Este enlace de confirmación ha caducado. Su contribución se conserva"
    " sin confirmar; pida a los organizadores que la confirmen.",
}

_TABLES: Final[dict[str, dict[str, str]]] = {"en": _EN, "es": _ES}


def label(language: str, key: str, **values: object) -> str:
    """The word ``key`` in ``language`` (else English), with ``values`` filled in."""
    table = _TABLES.get(language.split("-", 1)[0], _EN)
    text = table.get(key) or _EN.get(key, key)
    return text.format(**values) if values else text


def has_labels(language: str) -> bool:
    """True when the pages' own words exist in ``language`` (not only in English)."""
    return language.split("-", 1)[0] in _TABLES
