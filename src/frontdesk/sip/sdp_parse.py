"""Reading SDP bodies (RFC 4566 §5) into the value objects of `sdp.py`.

`SessionDescription.parse` calls `read_description`. It reads the body in one pass over its
lines: blank lines and CRLF or bare LF endings are accepted, every line must be
`<letter>=<value>` with a type allowed where it stands, the first must be `v=0`, and single
lines (o, s, c, ...) may not repeat. The body is on the path of every answered call, so
attribute lines are remembered by their text (phones repeat the same few), and the objects are
built with `frozen_builder`, which offer_answer.py uses too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from functools import lru_cache
from typing import Any, TypeVar

from frontdesk.sip.sdp import (
    MAX_SDP_BYTES,
    Attribute,
    Connection,
    MediaDescription,
    Origin,
    SdpError,
    SessionDescription,
    Timing,
    is_number,
)

_SESSION_TYPES = frozenset("vosiuepcbtrzka")
_MEDIA_TYPES = frozenset("icbka")
_SINGLE_SESSION = frozenset("vosiuczk")
_SINGLE_MEDIA = frozenset("ick")
# Values from the network are cached only when short, so caches stay small whatever peers send.
_CACHED_TEXT = 80


_T = TypeVar("_T")


def frozen_builder(cls: type[_T]) -> Callable[..., _T]:
    """A positional constructor for a frozen, slotted dataclass, several times quicker than
    its `__init__`, for the objects built on every answered call.

    A frozen class refuses assignment, so its `__init__` stores each field through
    `object.__setattr__`, which costs about a tenth of a microsecond per field. The builder
    stores the fields on an object of a plain class with the same slots (plain attribute
    stores) and then makes it an instance of `cls`: the result is an ordinary, immutable `cls`.
    It checks nothing, so callers pass every field, in order, already validated.
    """
    names = tuple(field.name for field in fields(cls))  # type: ignore[arg-type]
    if getattr(cls, "__slots__", None) != names:
        raise TypeError(f"{cls.__name__} is not a slotted dataclass")
    layout = type(f"{cls.__name__}Fields", (), {"__slots__": names})
    stores = "".join(f"    o.{name} = {name}\n" for name in names)
    source = (
        f"def build({', '.join(names)}):\n    o = new(layout)\n{stores}"
        "    o.__class__ = cls\n    return o\n"
    )
    namespace: dict[str, Any] = {"new": object.__new__, "layout": layout, "cls": cls}
    exec(source, namespace)  # the way dataclasses writes __init__; names are our field names
    build: Callable[..., _T] = namespace["build"]
    return build


new_origin = frozen_builder(Origin)
new_media = frozen_builder(MediaDescription)
new_session = frozen_builder(SessionDescription)

_TYPE_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")


_MLine = tuple[str, int, str, tuple[str, ...], int | None]  # media, port, proto, formats, count
# One m= block as read: its m= line, single lines (i c k), b= lines and attributes.
_MediaLines = tuple[_MLine, dict[str, str], list[str], list[Attribute]]


def read_description(data: bytes | str) -> SessionDescription:
    """Reads an SDP body (see SessionDescription.parse)."""
    if isinstance(data, bytes):
        if len(data) > MAX_SDP_BYTES:
            raise SdpError(f"SDP body is {len(data)} bytes, more than {MAX_SDP_BYTES}")
        data = data.decode("utf-8", "surrogateescape")  # keep odd octets for a faithful echo
    # Each line loses one trailing CR (CRLF or bare LF endings, RFC 4566 §5).
    lines = data.replace("\r\n", "\n").split("\n")
    if lines[-1][-1:] == "\r":
        lines[-1] = lines[-1][:-1]
    first = _first_line(lines)
    # The current section's state; an m= line starts a fresh set.
    session: dict[str, str] = {"v": "0"}
    single = session
    attributes: list[Attribute] = []
    session_attributes, add_attribute = attributes, attributes.append
    lists: dict[str, list[str]] = {}
    session_lists = lists
    allowed, singles = _SESSION_TYPES, _SINGLE_SESSION
    timing: list[tuple[int, int, list[str]]] = []
    media: list[_MediaLines] = []
    for number in range(first + 1, len(lines)):
        kind, equals, value = lines[number].partition("=")
        if not equals or kind not in _TYPE_LETTERS:
            _blank_or_malformed(lines[number], number + 1)
            continue
        if kind == "a":
            attribute = _ATTRIBUTES.get(value)
            add_attribute(attribute if attribute is not None else _attribute(value, number + 1))
        elif kind == "m":
            single, attributes, lists = {}, [], {}
            add_attribute = attributes.append
            allowed, singles = _MEDIA_TYPES, _SINGLE_MEDIA
            media.append(
                (_m_line(value, number + 1), single, lists.setdefault("b", []), attributes)
            )
        elif kind not in allowed:
            raise SdpError(f"SDP line {number + 1}: '{kind}=' is not allowed here")
        elif kind in singles:
            if kind in single:
                raise SdpError(f"SDP line {number + 1}: more than one '{kind}=' line")
            single[kind] = value
        elif kind == "t":
            start, stop = _ints(value, 2, number + 1, "t=<start> <stop>")
            timing.append((start, stop, []))
        elif kind == "r":
            if not timing:
                raise SdpError(f"SDP line {number + 1}: r= must follow a t= line")
            timing[-1][2].append(value)
        else:
            lists.setdefault(kind, []).append(value)
    return _session(
        session, session_lists, timing, session_attributes, tuple([_media(m) for m in media])
    )


def _first_line(lines: list[str]) -> int:
    """The index of the first line, which must be v=0 (blank lines before it are skipped)."""
    for index, line in enumerate(lines):
        if line == "v=0":
            return index
        if line.strip():
            _blank_or_malformed(line, index + 1)
            break
    raise SdpError("SDP must start with the line v=0")


def _blank_or_malformed(line: str, number: int) -> None:
    kind, equals, _ = line.partition("=")
    if line.strip() and (not equals or kind not in _TYPE_LETTERS):
        raise SdpError(f"SDP line {number} is not of the form <letter>=<value>: {line[:40]!r}")


# Attribute lines read before, by their text: phones repeat the same few on every call.
_ATTRIBUTES: dict[str, Attribute] = {}


def _attribute(value: str, number: int) -> Attribute:
    name, colon, rest = value.partition(":")
    if not name or " " in name:
        raise SdpError(f"SDP line {number}: attribute name missing or malformed: {value[:40]!r}")
    attribute = (name, rest if colon else None)
    if len(value) <= _CACHED_TEXT:
        if len(_ATTRIBUTES) >= 4096:  # bounded whatever peers send
            _ATTRIBUTES.clear()
        _ATTRIBUTES[value] = attribute
    return attribute


def _session(
    single: dict[str, str],
    lists: dict[str, list[str]],
    timing: list[tuple[int, int, list[str]]],
    attributes: list[Attribute],
    media: tuple[MediaDescription, ...],
) -> SessionDescription:
    origin = single.get("o")
    if origin is None:
        raise SdpError("SDP has no o= (origin) line")
    c = single.get("c")
    return new_session(
        _origin(origin),
        single.get("s", "-"),
        0,
        single.get("i"),
        single.get("u"),
        tuple(lists.get("e", ())),
        tuple(lists.get("p", ())),
        None if c is None else _connection(c),
        tuple(lists.get("b", ())),
        # t= is often missing in the wild: read as t=0 0
        tuple([_timing(a, b, r) for a, b, r in timing]) if timing else _NO_TIMING,
        single.get("z"),
        single.get("k"),
        tuple(attributes),
        media,
    )


_NO_TIMING = (Timing(),)


def _timing(start: int, stop: int, repeats: list[str]) -> Timing:
    if not start and not stop and not repeats:
        return _NO_TIMING[0]  # t=0 0, the usual case: one shared immutable value
    return Timing(start, stop, tuple(repeats))


def _m_line(value: str, number: int) -> _MLine:
    fields = value.split()
    if len(fields) < 3:
        raise SdpError(f"SDP line {number}: m= needs <media> <port> <proto> <formats>")
    port_text, _, count_text = fields[1].partition("/")
    port, count = _port(port_text, number), None
    if count_text:
        count = _ints(count_text, 1, number, "port count")[0]
    return fields[0], port, fields[2], tuple(fields[3:]), count


def _media(lines: _MediaLines) -> MediaDescription:
    (media, port, proto, formats, count), single, bandwidths, attributes = lines
    c = single.get("c")
    return new_media(
        media,
        port,
        proto,
        formats,
        count,
        single.get("i"),
        None if c is None else _connection(c),
        tuple(bandwidths),
        single.get("k"),
        tuple(attributes),
    )


def _ints(text: str, count: int, number: int, form: str) -> list[int]:
    parts = text.split()
    if len(parts) != count or not all(map(is_number, parts)):
        raise SdpError(f"SDP line {number}: expected {form}, got {text[:40]!r}")
    return list(map(int, parts))


def _port(text: str, number: int) -> int:
    if not is_number(text):
        raise SdpError(f"SDP line {number}: expected a port number, got {text[:40]!r}")
    port = int(text)
    if port > 65535:
        raise SdpError(f"SDP line {number}: port {port} is above 65535")
    return port


def _origin(value: str) -> Origin:
    parts = value.split()
    if len(parts) != 6:
        raise SdpError(f"o= needs 6 fields (user id version IN IP4 address), got {value[:60]!r}")
    if not is_number(parts[1]) or not is_number(parts[2]):
        raise SdpError(f"o= needs a numeric session id and version, got {value[:60]!r}")
    return new_origin(parts[0], int(parts[1]), int(parts[2]), parts[3], parts[4], parts[5])


def _connection(value: str) -> Connection:
    if len(value) <= _CACHED_TEXT:
        return _connection_cached(value)  # a phone's c= line is the same on every call
    return _read_connection(value)


def _read_connection(value: str) -> Connection:
    parts = value.split()
    if len(parts) != 3:
        raise SdpError(f"c= needs 3 fields (IN IP4 address), got {value[:60]!r}")
    return Connection(parts[0], parts[1], parts[2])


_connection_cached = lru_cache(maxsize=512)(_read_connection)
