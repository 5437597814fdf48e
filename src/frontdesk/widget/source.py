"""Which address a widget request comes from, for the per-address abuse limits.

The socket peer is the only address nobody can make up: a client writes whatever it likes in
`X-Forwarded-For`, so that header is believed only from a reverse proxy the settings name
(`trusted_proxies`, none by default). Behind such proxies the client is the rightmost
`X-Forwarded-For` entry that is not itself a trusted proxy: each proxy appends the address it
saw, so entries to the right of the first untrusted one were written by our own proxies and
everything to its left could have been made up by the client.

IPv6 hosts usually own a whole /64 and can pick a new address in it for every request, so
IPv6 addresses are limited per /64 network; IPv4 per address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from frontdesk.widget.settings import IpNetwork

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
UNKNOWN = "unknown"  # a request without a usable peer address shares one bucket


def client_address(
    peer: str | None, forwarded_for: Sequence[str], trusted: Sequence[IpNetwork]
) -> str:
    """The client's address as text, or `UNKNOWN`."""
    current = _parse(peer)
    if current is None:
        return UNKNOWN
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    while _trusted(current, trusted) and hops:
        previous = _parse(hops.pop())
        if previous is None:
            break  # a garbled entry: the proxy that appended it is as far as we can see
        current = previous
    return str(current)


def limit_bucket(address: str) -> str:
    """The key the per-address limits count under: the IPv4 address, or the IPv6 /64."""
    parsed = _parse(address)
    if parsed is None:
        return UNKNOWN
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def _parse(text: str | None) -> IpAddress | None:
    if not text:
        return None
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443" from some proxies
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "192.0.2.1:5555"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: IpAddress, trusted: Sequence[IpNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in trusted)
