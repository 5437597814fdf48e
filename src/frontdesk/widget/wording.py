"""What the widget says to visitors, in their language: the frame's labels and the promise.

English and French, like the rest of Frontdesk's caller-facing words; a visitor whose language
the widget does not speak reads the widget's first language. The promise for a callback "as
soon as possible" is the team's own promise (followup/promise.py: its response standard
counted in opening hours); for a chosen time it names the time, in the team's timezone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from frontdesk.followup.promise import promise_text, zone_of

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Talk to us",
        "call_heading": "Call us from this page",
        "call_hint": "Free, from your browser: you need a microphone.",
        "call": "Call now",
        "hang_up": "Hang up",
        "mute": "Mute",
        "keypad": "Keypad",
        "state_idle": "Not connected.",
        "state_microphone": "Asking for your microphone…",
        "state_connecting": "Connecting…",
        "state_ringing": "Ringing…",
        "state_menu": "Connected: please listen to the menu.",
        "state_queued": "Please hold: we will answer shortly.",
        "state_talking": "You are talking to us.",
        "state_ended": "Call ended.",
        "no_microphone": "We could not use your microphone, so the call cannot start.",
        "callback_heading": "Or we call you back",
        "name": "Your name",
        "number": "Your phone number",
        "when": "When",
        "time": "Time",
        "zone": "Times are {zone} time.",
        "asap": "As soon as possible",
        "note": "What is it about? (optional)",
        "book": "Call me back",
        "booked": "Thank you. {promise}",
        "failed": "Sorry, that did not work: {reason}",
        "too_many_calls": "Too many calls were started from here. Please try again later.",
        "too_many_concurrent_calls": "All our web lines are busy. Please try again shortly.",
        "too_many_callbacks": "Too many callbacks were asked for. Please try again later.",
        "asap_promise": "We will call you back as soon as we can, {by}.",
        "window_promise": "We will call you at about {clock} {day}.",
    },
    "fr": {
        "title": "Parlons-en",
        "call_heading": "Appelez-nous depuis cette page",
        "call_hint": "Gratuit, depuis votre navigateur : il faut un micro.",
        "call": "Appeler",
        "hang_up": "Raccrocher",
        "mute": "Couper le micro",
        "keypad": "Clavier",
        "state_idle": "Pas d'appel en cours.",
        "state_microphone": "Accès à votre micro…",
        "state_connecting": "Connexion…",
        "state_ringing": "Ça sonne…",
        "state_menu": "Vous êtes en ligne : écoutez le menu.",
        "state_queued": "Merci de patienter : nous allons répondre.",
        "state_talking": "Vous êtes en ligne avec nous.",
        "state_ended": "Appel terminé.",
        "no_microphone": "Votre micro n'est pas accessible : l'appel ne peut pas commencer.",
        "callback_heading": "Ou nous vous rappelons",
        "name": "Votre nom",
        "number": "Votre numéro de téléphone",
        "when": "Quand",
        "time": "Heure",
        "zone": "Heures de {zone}.",
        "asap": "Dès que possible",
        "note": "À quel sujet ? (facultatif)",
        "book": "Rappelez-moi",
        "booked": "Merci. {promise}",
        "failed": "Désolé, cela n'a pas marché : {reason}",
        "too_many_calls": "Trop d'appels depuis cette adresse. Réessayez plus tard.",
        "too_many_concurrent_calls": "Toutes nos lignes web sont occupées. Réessayez bientôt.",
        "too_many_callbacks": "Trop de demandes de rappel. Réessayez plus tard.",
        "asap_promise": "Nous vous rappellerons dès que possible, {by}.",
        "window_promise": "Nous vous appellerons vers {clock} {day}.",
    },
}

_EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_FR_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def choose_language(wanted: str | None, spoken: Sequence[str]) -> str:
    """The first of the visitor's languages ("fr-CA,fr;q=0.9,en") the widget speaks."""
    for part in (wanted or "").split(","):
        base = part.split(";", 1)[0].strip().replace("_", "-").split("-", 1)[0].lower()
        if base in spoken and base in TEXTS:
            return base
    return next((s for s in spoken if s in TEXTS), "en")


def texts(language: str) -> dict[str, str]:
    return TEXTS.get(language, TEXTS["en"])


def asap_promise(due: float, now: float, timezone: str, language: str) -> str:
    by = promise_text(due, now, timezone, language)
    return texts(language)["asap_promise"].format(by=by)


def window_promise(start: float, now: float, timezone: str, language: str) -> str:
    """ "We will call you at about 2:30 pm tomorrow." in the team's timezone."""
    zone = zone_of(timezone)
    when = dt.datetime.fromtimestamp(start, zone)
    days = (when.date() - dt.datetime.fromtimestamp(now, zone).date()).days
    if language == "fr":
        clock = f"{when.hour} h" if when.minute == 0 else f"{when.hour} h {when.minute:02d}"
        day = ("aujourd'hui", "demain")[days] if days in (0, 1) else (
            _FR_WEEKDAYS[when.weekday()] + f" {when.day}"
        )  # fmt: skip
    else:
        hour, half = when.hour % 12 or 12, "am" if when.hour < 12 else "pm"
        clock = f"{hour} {half}" if when.minute == 0 else f"{hour}:{when.minute:02d} {half}"
        day = ("today", "tomorrow")[days] if days in (0, 1) else (
            f"on {_EN_WEEKDAYS[when.weekday()]} {when.day}"
        )  # fmt: skip
    return texts(language)["window_promise"].format(clock=clock, day=day)
