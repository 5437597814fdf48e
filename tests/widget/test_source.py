"""Which address a request comes from: the socket peer, X-Forwarded-For only from trusted
proxies (rightmost untrusted hop), IPv6 limited per /64."""

from __future__ import annotations

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from frontdesk.widget.source import UNKNOWN, client_address, limit_bucket

PROXY = (ipaddress.ip_network("10.0.0.0/8"),)


def test_the_socket_peer_is_the_source_when_no_proxy_is_trusted() -> None:
    assert client_address("203.0.113.9", ["198.51.100.1"], ()) == "203.0.113.9"


def test_forwarded_for_is_believed_only_from_a_trusted_proxy() -> None:
    assert client_address("10.1.2.3", ["198.51.100.1"], PROXY) == "198.51.100.1"
    assert client_address("203.0.113.9", ["198.51.100.1"], PROXY) == "203.0.113.9"


def test_the_rightmost_untrusted_hop_wins_over_what_the_client_wrote() -> None:
    # The client wrote "1.1.1.1" itself; our proxies appended the real address and their own.
    header = ["1.1.1.1, 198.51.100.7", "10.0.0.2"]
    assert client_address("10.0.0.1", header, PROXY) == "198.51.100.7"


def test_garbled_or_missing_entries_stop_at_the_last_proxy() -> None:
    assert client_address("10.0.0.1", ["not-an-address"], PROXY) == "10.0.0.1"
    assert client_address("10.0.0.1", [], PROXY) == "10.0.0.1"
    assert client_address(None, ["198.51.100.1"], PROXY) == UNKNOWN
    assert client_address("10.0.0.1", ["[2001:db8::5]:4711"], PROXY) == "2001:db8::5"
    assert client_address("10.0.0.1", ["192.0.2.8:5555"], PROXY) == "192.0.2.8"


def test_ipv4_mapped_addresses_count_as_ipv4() -> None:
    assert client_address("::ffff:192.0.2.1", [], ()) == "192.0.2.1"


@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_every_address_of_an_ipv6_64_shares_one_bucket(host: int) -> None:
    address = str(ipaddress.IPv6Address((0x20010DB8_00010002 << 64) | host))
    assert limit_bucket(address) == "2001:db8:1:2::/64"


def test_ipv4_addresses_are_buckets_of_their_own() -> None:
    assert limit_bucket("192.0.2.1") != limit_bucket("192.0.2.2")
    assert limit_bucket("garbage") == UNKNOWN
