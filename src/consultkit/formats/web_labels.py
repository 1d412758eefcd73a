"""Words the html and svg exporters print around the consultation's own text, per language.

The consultation's titles and descriptions come translated in its file; these are the
few fixed words of the page and the picture (badges, legend). A language without an
entry here falls back to English, one word at a time, so a partial table is safe.
"""

from __future__ import annotations

from typing import Final

_EN: Final[dict[str, str]] = {
    "phase": "Phase",
    "event": "Event",
    "deadline": "Deadline",
    "review": "Review",
    "confirmed": "Confirmed",
    "tentative": "Tentative",
    "cancelled": "Cancelled",
    "precision.minute": "Exact time",
    "precision.day": "Whole days",
    "precision.month": "Month known, day not yet",
    "precision.unknown": "To be announced",
    "relation.upcoming": "Upcoming",
    "relation.current": "Now",
    "relation.past": "Past",
    "relation.uncertain": "Not certain yet",
    "tba": "to be announced",
    "times_in": "Times are in {zone}, with UTC beside them.",
    "dates_in": "Dates and times in {zone}.",
    "as_of": "Status as of {instant}.",
    "timeline": "Timeline",
    "add_to_calendar": "Add to calendar",
    "google": "Google Calendar",
    "outlook": "Outlook.com",
    "ics_file": "iCalendar file (.ics)",
    "subscribe": "Subscribe to the calendar feed",
    "no_calendar_dates": "The dates are not known to the day yet; subscribe to the feed to"
    " receive them when they are announced.",
    "utc": "UTC",
    "closes_calls": "Deadline for",
    "groups": "For",
    "everyone": "all stakeholder groups",
    "where": "Where",
    "online": "Online",
    "remote": "remote participation offered",
    "legend.exact": "exact dates",
    "legend.month": "month known, day not yet",
    "legend.deadline": "deadline",
    "legend.tentative": "tentative",
    "legend.now": "now",
    "organisers": "Organised by",
    "contact": "Contact",
    "website": "Website",
    "deadline_cutoff": "Cut-off",
}

_ES: Final[dict[str, str]] = {
    "phase": "Fase",
    "event": "Evento",
    "deadline": "Plazo",
    "review": "Evaluación",
    "confirmed": "Confirmado",
    "tentative": "Por confirmar",
    "cancelled": "Cancelado",
    "precision.minute": "Hora exacta",
    "precision.day": "Días completos",
    "precision.month": "Se conoce el mes, aún no el día",
    "precision.unknown": "Por anunciar",
    "relation.upcoming": "Próximo",
    "relation.current": "En curso",
    "relation.past": "Pasado",
    "relation.uncertain": "Aún no es seguro",
    "tba": "por anunciar",
    "times_in": "Las horas se indican en {zone}, con la hora UTC al lado.",
    "dates_in": "Fechas y horas en {zone}.",
    "as_of": "Situación a {instant}.",
    "timeline": "Calendario",
    "add_to_calendar": "Añadir al calendario",
    "ics_file": "Archivo iCalendar (.ics)",
    "subscribe": "Suscribirse al calendario",
    "no_calendar_dates": "Aún no se conocen los días; suscríbase al calendario para"
    " recibirlos cuando se anuncien.",
    "closes_calls": "Plazo para",
    "groups": "Para",
    "everyone": "todos los grupos de partes interesadas",
    "where": "Lugar",
    "online": "En línea",
    "remote": "se ofrece participación a distancia",
    "legend.exact": "fechas exactas",
    "legend.month": "se conoce el mes, no el día",
    "legend.deadline": "plazo",
    "legend.tentative": "por confirmar",
    "legend.now": "ahora",
    "organisers": "Organizado por",
    "contact": "Contacto",
    "website": "Sitio web",
    "deadline_cutoff": "Hora límite",
}

_FR: Final[dict[str, str]] = {
    "phase": "Phase",
    "event": "Événement",
    "deadline": "Date limite",
    "review": "Évaluation",
    "confirmed": "Confirmé",
    "tentative": "À confirmer",
    "cancelled": "Annulé",
    "precision.minute": "Heure exacte",
    "precision.day": "Journées entières",
    "precision.month": "Mois connu, jour pas encore",
    "precision.unknown": "À annoncer",
    "relation.upcoming": "À venir",
    "relation.current": "En cours",
    "relation.past": "Passé",
    "relation.uncertain": "Pas encore certain",
    "tba": "à annoncer",
    "times_in": "Les heures sont données en {zone}, avec l'heure UTC à côté.",
    "dates_in": "Dates et heures en {zone}.",
    "as_of": "Situation au {instant}.",
    "timeline": "Calendrier",
    "add_to_calendar": "Ajouter au calendrier",
    "ics_file": "Fichier iCalendar (.ics)",
    "subscribe": "S'abonner au calendrier",
    "no_calendar_dates": "Les jours ne sont pas encore connus ; abonnez-vous au calendrier"
    " pour les recevoir dès leur annonce.",
    "closes_calls": "Date limite pour",
    "groups": "Pour",
    "everyone": "tous les groupes de parties prenantes",
    "where": "Lieu",
    "online": "En ligne",
    "remote": "participation à distance possible",
    "legend.exact": "dates exactes",
    "legend.month": "mois connu, jour pas encore",
    "legend.deadline": "date limite",
    "legend.tentative": "à confirmer",
    "legend.now": "maintenant",
    "organisers": "Organisé par",
    "contact": "Contact",
    "website": "Site web",
    "deadline_cutoff": "Heure limite",
}

LABELS: Final[dict[str, dict[str, str]]] = {"en": _EN, "es": _ES, "fr": _FR}


def label(language: str, key: str, **values: str) -> str:
    """The fixed word ``key`` in ``language`` (its base language, else English), formatted."""
    for candidate in (language, language.split("-", 1)[0], "en"):
        table = LABELS.get(candidate)
        if table is not None and key in table:
            return table[key].format(**values) if values else table[key]
    raise KeyError(f"no label {key!r}")
