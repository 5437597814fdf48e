"""Built-in wording the interpreter speaks by itself, per language (menus, retries, times).

Flows write their own prompts; these are the connecting phrases around them ("For parcels,
press 1."), the standard retry messages, and how times and dates are read aloud. English is
the fallback for a language without its own table.
"""

from __future__ import annotations

import datetime as dt

LANGUAGES = ("en", "fr", "de")

_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "press": "{label}, press {key}.",
        "invalid_choice": "Sorry, that is not one of the choices.",
        "no_choice": "Sorry, I did not hear a choice.",
        "invalid_entry": "Sorry, that number is not valid.",
        "no_entry": "Sorry, I did not hear any digits.",
        "callback_offer": "To be called back as soon as possible, press 1. "
        "To choose a time, press 2.",
        "callback_asap": "Thank you. We will call you back as soon as possible.",
        "callback_window": "Thank you. We will call you back {label}.",
        "survey": "On a scale of 1 to {scale}, how satisfied were you with this call?",
        "survey_thanks": "Thank you for your feedback.",
    },
    "fr": {
        "press": "{label}, tapez {key}.",
        "invalid_choice": "Désolé, ce choix n'est pas proposé.",
        "no_choice": "Désolé, je n'ai pas entendu votre choix.",
        "invalid_entry": "Désolé, ce numéro n'est pas valide.",
        "no_entry": "Désolé, je n'ai entendu aucun chiffre.",
        "callback_offer": "Pour être rappelé dès que possible, tapez 1. "
        "Pour choisir un horaire, tapez 2.",
        "callback_asap": "Merci. Nous vous rappellerons dès que possible.",
        "callback_window": "Merci. Nous vous rappellerons {label}.",
        "survey": "Sur une échelle de 1 à {scale}, êtes-vous satisfait de cet appel ?",
        "survey_thanks": "Merci pour votre avis.",
    },
    "de": {
        "press": "{label}, drücken Sie die {key}.",
        "invalid_choice": "Diese Auswahl gibt es leider nicht.",
        "no_choice": "Leider habe ich keine Auswahl gehört.",
        "invalid_entry": "Diese Nummer ist leider nicht gültig.",
        "no_entry": "Leider habe ich keine Ziffern gehört.",
        "callback_offer": "Für einen Rückruf so bald wie möglich drücken Sie die 1. "
        "Um eine Uhrzeit zu wählen, drücken Sie die 2.",
        "callback_asap": "Danke. Wir rufen Sie so bald wie möglich zurück.",
        "callback_window": "Danke. Wir rufen Sie {label} zurück.",
        "survey": "Wie zufrieden waren Sie mit diesem Anruf, von 1 bis {scale}?",
        "survey_thanks": "Vielen Dank für Ihre Bewertung.",
    },
}

_GREETINGS = {
    "en": ("Good morning", "Good afternoon", "Good evening"),
    "fr": ("Bonjour", "Bonjour", "Bonsoir"),
    "de": ("Guten Morgen", "Guten Tag", "Guten Abend"),
}
_RELATIVE_DAYS = {
    "en": ("yesterday", "today", "tomorrow"),
    "fr": ("hier", "aujourd'hui", "demain"),
    "de": ("gestern", "heute", "morgen"),
}
_WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
}
_MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "de": [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
}


def _lang(language: str) -> str:
    return language if language in _TEXT else "en"


def text(language: str, name: str, **values: object) -> str:
    return _TEXT[_lang(language)][name].format(**values)


def greeting(language: str, hour: int) -> str:
    morning, afternoon, evening = _GREETINGS[_lang(language)]
    if hour < 12:
        return morning
    return afternoon if hour < 18 else evening


def time_text(language: str, moment: dt.time) -> str:
    """A time as people say it: "1 pm", "1:30 pm"; "13 h 30"; "13:30 Uhr"."""
    lang = _lang(language)
    if lang == "fr":
        return f"{moment.hour} h" + (f" {moment.minute:02d}" if moment.minute else "")
    if lang == "de":
        return f"{moment.hour}" + (f":{moment.minute:02d}" if moment.minute else "") + " Uhr"
    if moment.hour == 12 and moment.minute == 0:
        return "noon"
    hour12 = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour12}{minutes} {suffix}"


def date_text(language: str, day: dt.date, today: dt.date) -> str:
    """ "today", "tomorrow", or weekday and date: "Tuesday 14 May", "le mardi 14 mai"."""
    lang = _lang(language)
    offset = (day - today).days
    if -1 <= offset <= 1:
        return _RELATIVE_DAYS[lang][offset + 1]
    weekday, month = _WEEKDAYS[lang][day.weekday()], _MONTHS[lang][day.month - 1]
    if lang == "de":
        return f"{weekday}, {day.day}. {month}"
    if lang == "fr":
        return f"le {weekday} {day.day} {month}"
    return f"{weekday} {day.day} {month}"
