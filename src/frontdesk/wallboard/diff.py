"""What changed between two snapshots, as a JSON Patch (RFC 6902) the browser can apply.

Objects are compared key by key; a value that differs is replaced, a key that appeared is
added, one that went is removed. Lists are replaced whole (the wallboard's lists are short:
callers and callbacks, and their order means something). Paths are JSON Pointers (RFC 6901:
`~` is written `~0` and `/` is written `~1`). Values compare as JSON does: 1 and True differ.
An empty list means nothing changed.
"""

from __future__ import annotations

from typing import Any


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def diff(prev: Any, new: Any, path: str = "") -> list[dict[str, Any]]:
    """JSON Patch operations turning `prev` into `new`."""
    if isinstance(prev, dict) and isinstance(new, dict):
        ops: list[dict[str, Any]] = [
            {"op": "remove", "path": f"{path}/{_escape(str(key))}"}
            for key in prev
            if key not in new
        ]
        for key, value in new.items():
            where = f"{path}/{_escape(str(key))}"
            if key in prev:
                ops.extend(diff(prev[key], value, where))
            else:
                ops.append({"op": "add", "path": where, "value": value})
        return ops
    if type(prev) is type(new) and prev == new:
        return []
    return [{"op": "replace", "path": path, "value": new}]


def apply(document: Any, ops: list[dict[str, Any]]) -> Any:
    """Applies the operations `diff` makes (add, remove, replace); returns the new document.

    The browser does the same in a few lines; this one serves tests and Python clients."""
    for op in ops:
        keys = [k.replace("~1", "/").replace("~0", "~") for k in op["path"].split("/")[1:]]
        if not keys:
            document = op["value"]
            continue
        parent = document
        for key in keys[:-1]:
            parent = parent[key]
        if op["op"] == "remove":
            del parent[keys[-1]]
        else:
            parent[keys[-1]] = op["value"]
    return document
