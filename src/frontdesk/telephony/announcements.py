"""What Frontdesk says by itself around a call: queue position and wait, the callback offer and
its promise, the whisper to the agent, the recording notice. English is the fallback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from frontdesk.flows import phrases

_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "position_1": "You are next in line.",
        "position": "You are number {position} in line.",
        "wait_soon": "We expect to answer you in less than a minute.",
        "wait_minutes": "We expect to answer you in about {minutes} minutes.",
        "wait_minute": "We expect to answer you in about one minute.",
        "callback_key": "To leave the line and keep your place, press {key}: we will call you"
        " back.",
        "callback_promise": "Thank you. We will call you back at about {time}. Goodbye.",
        "callback_asked": "We can call you back instead of keeping you waiting. To be called"
        " back, press {key}.",
        "queue_full": "Sorry, all our lines are busy. Please call again later.",
        "no_agents": "Sorry, nobody can take your call just now.",
        "voicemail_saved": "Thank you, your message is saved. Goodbye.",
        "voicemail_intro": "Please leave a message after the tone.",
        "voicemail_promise": "Please leave a message after the tone. We will call you back {when}.",
        "transfer_failed": "Sorry, that person cannot be reached just now.",
        "callback_whisper": "Callback. Dialling the customer now.",
        "recording_now": "This call is now being recorded.",
    },
    "fr": {
        "position_1": "Vous êtes le prochain.",
        "position": "Vous êtes en position {position}.",
        "wait_soon": "Nous devrions vous répondre dans moins d'une minute.",
        "wait_minutes": "Nous devrions vous répondre dans environ {minutes} minutes.",
        "wait_minute": "Nous devrions vous répondre dans environ une minute.",
        "callback_key": "Pour quitter la file en gardant votre place, tapez {key} : nous vous"
        " rappellerons.",
        "callback_promise": "Merci. Nous vous rappellerons vers {time}. Au revoir.",
        "callback_asked": "Nous pouvons vous rappeler plutôt que vous faire attendre. Pour être"
        " rappelé, tapez {key}.",
        "queue_full": "Désolé, toutes nos lignes sont occupées. Merci de rappeler plus tard.",
        "no_agents": "Désolé, personne ne peut prendre votre appel pour le moment.",
        "voicemail_saved": "Merci, votre message est enregistré. Au revoir.",
        "voicemail_intro": "Laissez un message après le bip.",
        "voicemail_promise": "Laissez un message après le bip. Nous vous rappellerons {when}.",
        "transfer_failed": "Désolé, cette personne n'est pas joignable pour le moment.",
        "recording_now": "Cet appel est maintenant enregistré.",
    },
}
_KEY_NAMES = {
    "en": {"*": "star", "#": "hash"},
    "fr": {"*": "étoile", "#": "dièse"},
}
_LANGUAGE_NAMES = {"en": "English", "fr": "French", "de": "German", "es": "Spanish"}


def say(language: str, name: str, **values: object) -> str:
    table = _TEXT.get(language.split("-")[0], _TEXT["en"])
    return table.get(name, _TEXT["en"][name]).format(**values)


def key_name(language: str, key: str) -> str:
    return _KEY_NAMES.get(language.split("-")[0], _KEY_NAMES["en"]).get(key, key)


def position_and_wait(language: str, position: int, wait_s: float | None) -> str:
    first = "position_1" if position <= 1 else "position"
    parts = [say(language, first, position=position)]
    if wait_s is not None:
        minutes = round(wait_s / 60)
        if wait_s < 60:
            parts.append(say(language, "wait_soon"))
        elif minutes <= 1:
            parts.append(say(language, "wait_minute"))
        else:
            parts.append(say(language, "wait_minutes", minutes=minutes))
    return " ".join(parts)


def callback_promise(language: str, at: dt.datetime) -> str:
    # A promise is rounded up to five minutes: "about 14:35", never "about 14:32".
    rounded = at + dt.timedelta(minutes=(-at.minute) % 5, seconds=-at.second,
                                microseconds=-at.microsecond)  # fmt: skip
    return say(language, "callback_promise", time=phrases.time_text(language, rounded.time()))


def whisper(crm: Mapping[str, Any], language: str, queue: str, callback: bool = False) -> str:
    """Said to the agent before the caller is connected: who, in which language, and why."""
    parts = ["Callback." if callback else ""]
    name = crm.get("name")
    if name:
        parts.append(f"{name}.")
    if language and language != "en":
        parts.append(f"{_LANGUAGE_NAMES.get(language, language)}.")
    if crm.get("vip") or str(crm.get("tier") or "").lower() in ("vip", "gold"):
        parts.append("VIP.")
    cases = crm.get("cases") or []
    if cases and isinstance(cases[0], Mapping) and cases[0].get("topic"):
        parts.append(f"Open {cases[0]['topic']}.")
    parts.append(f"Queue {queue}.")
    return " ".join(p for p in parts if p)
