"""The widget settings: which widget keys exist, what each calls and books, and the limits.

A key names one configuration: the company number its calls dial, the queue its callbacks go
to, the sites allowed to embed it (the frame's `frame-ancestors`), its title and languages.
Keys are not secrets (they are in the site's HTML); abuse is kept down by `WidgetLimits`.

`settings_from_mapping` reads the shape of a `widget:` section (docs/widget.md lists the keys)
and refuses anything wrong with a sentence naming the setting; `load_settings` reads it from
a YAML file. Everything has a default, so an empty mapping is a valid (widget-less) setting.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import phonenumbers
import yaml

from frontdesk.widget import SettingsError

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{3,64}$")
_HOST = re.compile(r"^(\*\.)?[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class WidgetLimits:
    """Abuse limits (docs/widget.md says why each exists). Counts are per sliding window."""

    calls_per_minute_per_address: int = 3
    calls_per_hour_per_address: int = 10
    calls_per_minute_per_key: int = 30
    calls_per_hour_per_key: int = 300
    concurrent_calls_per_address: int = 1
    concurrent_calls_total: int = 10  # over every widget key: the queues stay for real callers
    callbacks_per_hour_per_address: int = 5
    callbacks_per_day_per_number: int = 2
    callbacks_per_hour_per_key: int = 60


@dataclass(frozen=True, slots=True)
class WidgetConfig:
    key: str
    number: str  # the company number the visitor's calls dial (one of `numbers:`)
    callback_queue: str | None = None  # None: the widget offers no callbacks
    origins: tuple[str, ...] = ()  # sites that may embed the frame ("https://shop.example")
    title: Mapping[str, str] = field(default_factory=dict)  # by language; default wording else
    languages: tuple[str, ...] = ("en",)
    call: bool = True  # offer the "call now" button
    callback_regions: tuple[str, ...] = ()  # countries callbacks may go to; () = the company's

    @property
    def offers_callback(self) -> bool:
        return self.callback_queue is not None


@dataclass(frozen=True, slots=True)
class WidgetSettings:
    widgets: tuple[WidgetConfig, ...] = ()
    limits: WidgetLimits = field(default_factory=WidgetLimits)
    trusted_proxies: tuple[IpNetwork, ...] = ()  # whose X-Forwarded-For is believed
    public_origin: str | None = None  # the frame's own origin; None: from the Host header
    ice_servers: tuple[str, ...] = ()  # STUN/TURN URLs handed to visitors' browsers and aiortc
    callback_days: int = 14  # how far ahead a callback may be booked
    callback_window_min: int = 30  # length of a booked window (and of the offered slots)
    max_call_min: int = 30  # a visitor's call is hung up after this long

    def widget(self, key: str) -> WidgetConfig | None:
        return next((w for w in self.widgets if w.key == key), None)


def load_settings(path: Path) -> WidgetSettings:
    """Reads a YAML file holding the `widget:` section's mapping (or `{widget: ...}`)."""
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SettingsError(f"the widget settings in {path} cannot be read: {exc}") from None
    if isinstance(data, Mapping) and set(data) == {"widget"}:
        data = data["widget"] or {}
    return settings_from_mapping(data)


def settings_from_mapping(data: Any, where: str = "widget") -> WidgetSettings:
    mapping = _mapping(data, where)
    known = {f.name for f in fields(WidgetSettings)}
    _no_unknown(mapping, known, where)
    widgets = _sequence(mapping.get("widgets", ()), f"{where}.widgets")
    parsed = tuple(_widget(w, f"{where}.widgets[{i}]") for i, w in enumerate(widgets))
    keys = [w.key for w in parsed]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise SettingsError(f"{where}.widgets: the key {twice[0]!r} is used twice")
    origin = mapping.get("public_origin")
    return WidgetSettings(
        widgets=parsed,
        limits=_limits(mapping.get("limits", {}), f"{where}.limits"),
        trusted_proxies=tuple(
            _network(p, f"{where}.trusted_proxies[{i}]")
            for i, p in enumerate(
                _sequence(mapping.get("trusted_proxies", ()), f"{where}.trusted_proxies")
            )
        ),
        public_origin=None if origin is None else check_origin(origin, f"{where}.public_origin"),
        ice_servers=tuple(
            _ice(u, f"{where}.ice_servers[{i}]")
            for i, u in enumerate(_sequence(mapping.get("ice_servers", ()), f"{where}.ice_servers"))
        ),
        callback_days=_count(mapping.get("callback_days", 14), f"{where}.callback_days", 1, 90),
        callback_window_min=_count(
            mapping.get("callback_window_min", 30), f"{where}.callback_window_min", 5, 240
        ),
        max_call_min=_count(mapping.get("max_call_min", 30), f"{where}.max_call_min", 1, 240),
    )


def _widget(data: Any, where: str) -> WidgetConfig:
    mapping = _mapping(data, where)
    _no_unknown(mapping, {f.name for f in fields(WidgetConfig)}, where)
    key = mapping.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise SettingsError(
            f"{where}.key must be 3 to 64 letters, digits, '-' or '_' (got {key!r})"
        )
    number = mapping.get("number")
    if not isinstance(number, str | int) or not str(number).strip():
        raise SettingsError(f"{where}.number must name one of the company's numbers")
    queue = mapping.get("callback_queue")
    if queue is not None and (not isinstance(queue, str) or not queue.strip()):
        raise SettingsError(f"{where}.callback_queue must be a queue name")
    languages = tuple(
        _language(x, f"{where}.languages[{i}]")
        for i, x in enumerate(_sequence(mapping.get("languages", ["en"]), f"{where}.languages"))
    )
    if not languages:
        raise SettingsError(f"{where}.languages must name at least one language")
    return WidgetConfig(
        key=key,
        number=str(number).strip(),
        callback_queue=queue.strip() if isinstance(queue, str) else None,
        origins=tuple(
            check_origin(o, f"{where}.origins[{i}]", wildcard=True)
            for i, o in enumerate(_sequence(mapping.get("origins", ()), f"{where}.origins"))
        ),
        title=_title(mapping.get("title"), languages[0], f"{where}.title"),
        languages=languages,
        call=_flag(mapping.get("call", True), f"{where}.call"),
        callback_regions=tuple(
            _region(r, f"{where}.callback_regions[{i}]")
            for i, r in enumerate(
                _sequence(mapping.get("callback_regions", ()), f"{where}.callback_regions")
            )
        ),
    )


def _limits(data: Any, where: str) -> WidgetLimits:
    mapping = _mapping(data, where)
    names = {f.name for f in fields(WidgetLimits)}
    _no_unknown(mapping, names, where)
    values = {
        name: _count(value, f"{where}.{name}", 0, 1_000_000) for name, value in mapping.items()
    }
    return WidgetLimits(**values)


def check_origin(value: Any, where: str, *, wildcard: bool = False) -> str:
    """An origin as browsers send it: `scheme://host[:port]`, lower case, nothing after.
    With `wildcard`, `https://*.example.com` (any subdomain, as CSP host sources allow)."""
    if not isinstance(value, str):
        raise SettingsError(f"{where} must be an origin such as https://shop.example")
    text = value.strip().rstrip("/").lower()
    parts = urlsplit(text)
    host = parts.netloc.rsplit(":", 1)[0] if not parts.netloc.endswith("]") else parts.netloc
    port = parts.netloc[len(host) + 1 :]
    wrong = (
        parts.scheme not in ("http", "https")
        or not host
        or "@" in parts.netloc
        or parts.path
        or parts.query
        or parts.fragment
        or (port and not port.isdigit())
        or not _HOST.match(host)
        or (host.startswith("*.") and not wildcard)
    )
    if wrong:
        raise SettingsError(
            f"{where} must be an origin such as https://shop.example (scheme, host and port "
            f"only), not {value!r}"
        )
    return text


def _title(value: Any, language: str, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, str):
        return {language: value.strip()[:80]}
    mapping = _mapping(value, where)
    return {_language(k, where): str(v).strip()[:80] for k, v in mapping.items()}


def _network(value: Any, where: str) -> IpNetwork:
    try:
        return ipaddress.ip_network(str(value), strict=False)
    except ValueError:
        raise SettingsError(
            f"{where} must be an address or network (10.0.0.0/8), not {value!r}"
        ) from None


def _ice(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.startswith(("stun:", "turn:", "turns:")):
        raise SettingsError(f"{where} must be a stun:, turn: or turns: URL, not {value!r}")
    return value


def _language(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _LANGUAGE.match(value.strip().lower()):
        raise SettingsError(f"{where} must be a language code such as en or fr, not {value!r}")
    return value.strip().lower()


def _region(value: Any, where: str) -> str:
    code = str(value).strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise SettingsError(f"{where} must be a country code such as GB, not {value!r}")
    return code


def _count(value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SettingsError(f"{where} must be a whole number from {low} to {high}, not {value!r}")
    return value


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise SettingsError(f"{where} must be true or false, not {value!r}")
    return value


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise SettingsError(f"{where} must be a mapping of settings")
    return value


def _sequence(value: Any, where: str) -> Sequence[Any]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise SettingsError(f"{where} must be a list")
    return value


def _no_unknown(mapping: Mapping[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(str(k) for k in mapping if k not in known)
    if unknown:
        raise SettingsError(
            f"{where}: unknown setting {unknown[0]!r} (known: {', '.join(sorted(known))})"
        )


class SettingsFile:
    """Widget settings kept in a YAML file until the company file has a `widget:` section:
    read again when the file changes; a broken edit keeps the last good settings (and is
    logged), a missing file means no widgets."""

    def __init__(self, path: Path, on_error: Callable[[str], None] | None = None) -> None:
        self.path = path
        self.on_error = on_error
        self._stamp: tuple[float, int] | None = None
        self._settings = WidgetSettings()

    def __call__(self) -> WidgetSettings:
        try:
            stat = self.path.stat()
        except OSError:
            self._stamp, self._settings = None, WidgetSettings()
            return self._settings
        stamp = (stat.st_mtime, stat.st_size)
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                self._settings = load_settings(self.path)
            except SettingsError as exc:
                if self.on_error is not None:
                    self.on_error(str(exc))
        return self._settings
