"""Digest authentication for SIP (RFC 3261 §22.4, RFC 2617, RFC 7616, RFC 8760)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.sip import SipError
from frontdesk.sip.digest import (
    AuthReason,
    AuthResult,
    DigestAuthenticator,
    DigestError,
    digest_response,
    hash_hex,
    parse_auth_header,
)
from frontdesk.sip.digest_client import answer_challenge, choose_challenge

SECRET = b"sixteen-bytes-or-more-of-secret"
REALM = "frontdesk.example.com"
USERS = {"alice": "wonderland", "bob": 'p"ss\\word'}


def counter_bytes() -> Callable[[int], bytes]:
    """Deterministic nonce salt: distinct per challenge, reproducible per test."""
    counter = itertools.count()
    return lambda n: next(counter).to_bytes(n, "big")


def authenticator(
    *,
    algorithms: tuple[str, ...] | list[str] = ("SHA-256", "MD5"),
    nonce_ttl_s: float = 300.0,
    allow_legacy_md5: bool = True,
    max_tracked_nonces: int = 50_000,
) -> DigestAuthenticator:
    return DigestAuthenticator(
        REALM,
        SECRET,
        nonce_ttl_s,
        algorithms=algorithms,
        allow_legacy_md5=allow_legacy_md5,
        max_tracked_nonces=max_tracked_nonces,
        random_bytes=counter_bytes(),
    )


def login(
    auth: DigestAuthenticator,
    *,
    issued_at: float = 0.0,
    user: str = "alice",
    password: str | None = None,
    nc: int = 1,
    method: str = "REGISTER",
    algorithm: str | None = None,
    challenge: str | None = None,
) -> str:
    if challenge is None:
        offered = auth.challenge(issued_at, algorithms=None if algorithm is None else [algorithm])
        challenge = choose_challenge(offered)
    return answer_challenge(
        challenge, method, f"sip:{REALM}", user, password or USERS[user], "0a4f113b", nc
    )


def check(
    auth: DigestAuthenticator, credentials: str, now: float = 1.0, method: str = "REGISTER"
) -> AuthResult:
    return auth.verify(credentials, method, now, USERS.get)


# --- published vectors --------------------------------------------------------------------

# RFC 2617 §3.5 (headers folded over several lines as printed in the RFC).
RFC2617_CHALLENGE = (
    'Digest\r\n        realm="testrealm@host.com",\r\n        qop="auth,auth-int",\r\n'
    '        nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",\r\n'
    '        opaque="5ccc069c403ebaf9f0171e9517f40e41"'
)
RFC2617_AUTHORIZATION = (
    'Digest username="Mufasa",\r\n        realm="testrealm@host.com",\r\n'
    '        nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",\r\n        uri="/dir/index.html",\r\n'
    '        qop=auth,\r\n        nc=00000001,\r\n        cnonce="0a4f113b",\r\n'
    '        response="6629fae49393a05397450978507c4ef1",\r\n'
    '        opaque="5ccc069c403ebaf9f0171e9517f40e41"'
)

# RFC 7616 §3.9.1: the same credentials, challenged with SHA-256 and MD5.
RFC7616_CHALLENGE = (
    'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm={alg}, '
    'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", '
    'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"'
)
RFC7616_CNONCE = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"


def test_rfc2617_example_headers_parse() -> None:
    header = parse_auth_header(RFC2617_AUTHORIZATION)
    assert header.scheme == "Digest"
    assert header.params["username"] == "Mufasa"
    assert header.params["qop"] == "auth" and header.params["nc"] == "00000001"
    assert parse_auth_header(RFC2617_CHALLENGE).params["qop"] == "auth,auth-int"


def test_rfc2617_example_response_md5_qop_auth() -> None:
    value = answer_challenge(
        RFC2617_CHALLENGE, "GET", "/dir/index.html", "Mufasa", "Circle Of Life", "0a4f113b", 1
    )
    sent = parse_auth_header(value).params
    expected = parse_auth_header(RFC2617_AUTHORIZATION).params
    for name in ("username", "realm", "nonce", "uri", "qop", "nc", "cnonce", "response", "opaque"):
        assert sent[name] == expected[name], name
    assert sent["response"] == "6629fae49393a05397450978507c4ef1"


@pytest.mark.parametrize(
    ("algorithm", "response"),
    [
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
        ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ],
)
def test_rfc7616_example_responses(algorithm: str, response: str) -> None:
    challenge = RFC7616_CHALLENGE.format(alg=algorithm)
    value = answer_challenge(
        challenge, "GET", "/dir/index.html", "Mufasa", "Circle of Life", RFC7616_CNONCE, 1
    )
    assert parse_auth_header(value).params["response"] == response
    assert parse_auth_header(value).params["algorithm"] == algorithm


def test_rfc7616_strongest_challenge_is_chosen_whatever_the_order() -> None:
    md5, sha = (RFC7616_CHALLENGE.format(alg=a) for a in ("MD5", "SHA-256"))
    assert choose_challenge([md5, sha]) == sha
    assert choose_challenge([sha, md5]) == sha


def test_sha512_256_is_the_fips_180_4_function_not_truncated_sha512() -> None:
    # FIPS 180-4 SHA-512/256 example ("abc"), NIST CSRC example values. RFC 7616 §3.9.2's
    # worked example was computed with SHA-512 cut to 256 bits, so it cannot serve here.
    assert hash_hex("SHA-512-256", b"abc") == (
        "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23"
    )


def test_rfc4475_unknown_authorization_scheme() -> None:
    # RFC 4475 §3.3.7: an element must not fail on "NoOneKnowsThisScheme"; it challenges.
    path = Path("/work/shared/data/rfc4475/regaut01.dat")
    if path.exists():
        line = next(x for x in path.read_bytes().split(b"\r\n") if x.startswith(b"Authorization"))
        value = line.split(b":", 1)[1].strip().decode()
    else:
        value = "NoOneKnowsThisScheme opaque-data=here"
    result = check(authenticator(), value)
    assert result.reason is AuthReason.UNSUPPORTED_SCHEME
    assert not result.ok and not result.counts_as_failure
    assert check(authenticator(), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==").reason == (
        AuthReason.UNSUPPORTED_SCHEME
    )


# --- challenges ---------------------------------------------------------------------------


def test_challenges_list_sha256_first_share_one_nonce_and_differ_between_calls() -> None:
    auth = authenticator()
    first = [parse_auth_header(v) for v in auth.challenge(0.0)]
    assert [h.params["algorithm"] for h in first] == ["SHA-256", "MD5"]
    assert all(h.scheme == "Digest" and h.params["qop"] == "auth" for h in first)
    assert all(h.params["realm"] == REALM and "stale" not in h.params for h in first)
    assert first[0].params["nonce"] == first[1].params["nonce"]
    again = parse_auth_header(auth.challenge(0.0)[0])
    assert again.params["nonce"] != first[0].params["nonce"]
    stale = parse_auth_header(auth.challenge(0.0, stale=True)[0])
    assert stale.params["stale"] == "true"


def test_a_challenge_for_an_algorithm_we_do_not_know_is_refused() -> None:
    with pytest.raises(DigestError):
        authenticator().challenge(0.0, algorithms=["SHA-1"])
    with pytest.raises(DigestError, match="16 bytes") as caught:
        DigestAuthenticator(REALM, b"short")
    assert isinstance(caught.value, SipError) and not caught.value.peer_fault


# --- server verification ------------------------------------------------------------------


@pytest.mark.parametrize(
    "algorithm", ["MD5", "SHA-256", "SHA-512-256", "MD5-sess", "SHA-256-sess", "SHA-512-256-sess"]
)
def test_round_trip_client_to_server(algorithm: str) -> None:
    auth = authenticator(algorithms=[algorithm])
    result = check(auth, login(auth))
    assert result.ok, result.detail
    assert (result.username, result.algorithm) == ("alice", algorithm)
    assert result.digest_uri == f"sip:{REALM}"


def test_quoted_username_and_password_with_quotes_and_backslashes() -> None:
    auth = authenticator()
    assert check(auth, login(auth, user="bob")).ok


def test_auth_int_covers_the_body() -> None:
    auth = authenticator()
    challenge = auth.challenge(0.0)[0].replace('qop="auth"', 'qop="auth-int"')
    body = b"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n"
    value = answer_challenge(challenge, "INVITE", "sip:x@y", "alice", "wonderland", "c", 1, body)
    assert auth.verify(value, "INVITE", 1.0, USERS.get, body).ok
    value = answer_challenge(challenge, "INVITE", "sip:x@y", "alice", "wonderland", "c", 2, body)
    tampered = auth.verify(value, "INVITE", 1.0, USERS.get, body + b"a=evil\r\n")
    assert tampered.reason is AuthReason.BAD_RESPONSE


def test_nonce_count_must_increase() -> None:
    auth = authenticator()
    challenge = choose_challenge(auth.challenge(0.0))
    for nc in (1, 2, 3, 10):
        assert check(auth, login(auth, challenge=challenge, nc=nc)).ok, nc
    for nc in (10, 5, 1):
        replayed = check(auth, login(auth, challenge=challenge, nc=nc))
        assert replayed.reason is AuthReason.REPLAY
        assert replayed.stale and not replayed.counts_as_failure
    assert check(auth, login(auth, challenge=challenge, nc=11)).ok


def test_the_method_is_covered() -> None:
    auth = authenticator()
    assert check(auth, login(auth, method="INVITE"), method="BYE").reason is AuthReason.BAD_RESPONSE


def test_wrong_password_unknown_user_wrong_realm() -> None:
    auth = authenticator()
    wrong = check(auth, login(auth, password="guess"))
    assert wrong.reason is AuthReason.BAD_RESPONSE and wrong.counts_as_failure
    assert wrong.username == "alice"
    unknown = check(auth, login(auth, user="mallory", password="x"))
    assert unknown.reason is AuthReason.UNKNOWN_USER and unknown.counts_as_failure
    other = DigestAuthenticator("elsewhere.example", SECRET)
    misrealm = check(auth, login(other))
    assert misrealm.reason is AuthReason.WRONG_REALM and misrealm.username == "alice"


def test_tampered_and_foreign_nonces_are_invalid() -> None:
    auth = authenticator()
    value = login(auth)
    nonce = parse_auth_header(value).params["nonce"]
    flipped = nonce[:10] + ("A" if nonce[10] != "A" else "B") + nonce[11:]
    result = check(auth, value.replace(nonce, flipped))
    assert result.reason is AuthReason.INVALID_NONCE
    # Not a failure: every phone presents one after a restart with a new secret.
    assert not result.counts_as_failure and not result.stale
    stranger = DigestAuthenticator(REALM, b"another secret of enough length")
    assert check(auth, login(stranger)).reason is AuthReason.INVALID_NONCE
    for bogus in ("", "x" * 43, "!" * 43, "dcd98b7102dd2f0e8b11d0f600bfb0c093"):
        assert check(auth, value.replace(nonce, bogus)).reason is AuthReason.INVALID_NONCE


def test_nonce_from_the_future_is_invalid() -> None:
    auth = authenticator()
    assert check(auth, login(auth, issued_at=1000.0), now=10.0).reason is AuthReason.INVALID_NONCE


def test_expired_nonce_is_stale_only_when_the_password_is_right() -> None:
    auth = authenticator(nonce_ttl_s=300.0)
    assert check(auth, login(auth), now=299.0).ok
    late = check(auth, login(auth), now=301.0)
    assert late.reason is AuthReason.STALE_NONCE and late.stale and not late.counts_as_failure
    guessed = check(auth, login(auth, password="guess"), now=301.0)
    assert guessed.reason is AuthReason.BAD_RESPONSE and not guessed.stale


def test_unsupported_algorithm() -> None:
    auth = authenticator()  # accepts SHA-256 and MD5
    strong = DigestAuthenticator(REALM, SECRET, algorithms=["SHA-512-256"])
    result = check(auth, login(strong))
    assert result.reason is AuthReason.UNSUPPORTED_ALGORITHM and not result.counts_as_failure
    aka = login(auth).replace("algorithm=SHA-256", "algorithm=AKAv1-MD5")
    assert check(auth, aka).reason is AuthReason.UNSUPPORTED_ALGORITHM


def test_legacy_md5_without_qop_is_good_for_one_request() -> None:
    auth = authenticator()
    challenge = auth.challenge(0.0, algorithms=["MD5"])[0].replace(', qop="auth"', "")
    value = answer_challenge(challenge, "REGISTER", "sip:x", "alice", "wonderland", "c", 1)
    assert "qop" not in parse_auth_header(value).params
    assert check(auth, value).ok
    again = check(auth, value)
    assert again.reason is AuthReason.STALE_NONCE and again.stale
    strict = authenticator(allow_legacy_md5=False)
    refused = check(
        strict,
        answer_challenge(
            strict.challenge(0.0, algorithms=["MD5"])[0].replace(', qop="auth"', ""),
            "REGISTER",
            "sip:x",
            "alice",
            "wonderland",
            "c",
            1,
        ),
    )
    assert refused.reason is AuthReason.MALFORMED


def test_sha256_without_qop_is_refused() -> None:
    auth = authenticator()
    challenge = auth.challenge(0.0, algorithms=["SHA-256"])[0].replace(', qop="auth"', "")
    value = answer_challenge(challenge, "REGISTER", "sip:x", "alice", "wonderland", "c", 1)
    result = check(auth, value)
    assert result.reason is AuthReason.MALFORMED and "qop" in result.detail


def test_nonce_table_is_bounded_without_opening_a_replay_hole() -> None:
    auth = authenticator(max_tracked_nonces=3, nonce_ttl_s=100.0)
    values = [login(auth, issued_at=float(t)) for t in range(5)]
    for value in values:
        assert check(auth, value, now=10.0).ok
    assert auth.tracked_nonces == 3
    # The two oldest nonces lost their entries; a replay of them must not pass.
    for value in values[:2]:
        assert check(auth, value, now=10.0).reason is AuthReason.STALE_NONCE
    assert check(auth, values[4], now=10.0).reason is AuthReason.REPLAY
    # Expired entries go once their nonce's lifetime is over.
    fresh = login(auth, issued_at=150.0)
    assert check(auth, fresh, now=150.0).ok
    assert auth.tracked_nonces == 1


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("", "scheme"),
        ("   ", "scheme"),
        ("Digest", "lack"),
        ('Digest username="alice', "auth-param"),
        ("Digest username=a b", "comma"),
        ("Digest username=alice, username=bob", "twice"),
        ("Digest =x", "auth-param"),
        ('Digest username="a", realm="r"', "lack"),
        ("Digest " + "x=y, " * 1000, "over"),
    ],
)
def test_malformed_credentials(value: str, hint: str) -> None:
    result = check(authenticator(), value)
    assert result.reason is AuthReason.MALFORMED
    assert result.counts_as_failure
    assert hint in result.detail


@pytest.mark.parametrize(
    ("old", "new", "hint"),
    [
        ("qop=auth", "qop=auth-conf", "neither"),
        ("nc=00000001", "nc=zz", "nc"),
        ("nc=00000001", "nc=00000000", "nc"),
        ("nc=00000001", "nc=000000001", "nc"),
        (', cnonce="0a4f113b"', "", "cnonce"),
    ],
)
def test_malformed_qop_fields(old: str, new: str, hint: str) -> None:
    auth = authenticator()
    value = login(auth)
    assert old in value
    result = check(auth, value.replace(old, new))
    assert result.reason is AuthReason.MALFORMED and hint in result.detail


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_parser_raises_only_digest_error(value: str) -> None:
    try:
        header = parse_auth_header(value)
    except DigestError as error:
        assert error.status == 400
    else:
        assert header.scheme and value.strip().startswith(header.scheme)


_PARAMISH = st.lists(
    st.sampled_from(
        [
            "Digest",
            " ",
            ",",
            "=",
            '"',
            "\\",
            "username",
            "realm",
            "nonce",
            "uri",
            "nc",
            "qop",
            "auth",
            "response",
            "cnonce",
            "algorithm",
            "MD5",
            REALM,
            "\r\n ",
            "00000001",
            "x",
        ]
    ),
    max_size=30,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=200), _PARAMISH))
def test_verify_never_raises_and_never_lets_garbage_in(value: str) -> None:
    result = check(authenticator(), value)
    assert not result.ok


@settings(max_examples=100, deadline=None)
@given(
    user=st.text(min_size=1, max_size=20),
    password=st.text(max_size=20),
    realm=st.text(min_size=1, max_size=20),
    algorithm=st.sampled_from(["MD5", "SHA-256", "SHA-512-256"]),
)
def test_any_credentials_round_trip(user: str, password: str, realm: str, algorithm: str) -> None:
    auth = DigestAuthenticator(realm, SECRET, algorithms=[algorithm])
    value = answer_challenge(auth.challenge(0.0)[0], "INVITE", "sip:a@b", user, password, "c", 1)
    result = auth.verify(value, "INVITE", 1.0, {user: password}.get)
    assert result.ok and result.username == user
    assert not auth.verify(value, "INVITE", 1.0, {user: password + "!"}.get).ok


# --- client side --------------------------------------------------------------------------


def test_choose_challenge_prefers_the_strongest_known_algorithm() -> None:
    auth = authenticator(algorithms=["MD5", "SHA-256", "SHA-512-256"])
    offered = auth.challenge(0.0)
    chosen = choose_challenge(
        ["Basic realm=x", 'Digest realm="x", nonce="n", algorithm=AKAv1-MD5', *offered]
    )
    assert parse_auth_header(chosen).params["algorithm"] == "SHA-512-256"
    no_algorithm = 'Digest realm="x", nonce="n"'  # RFC 2617 §3.2.1: absent means MD5
    assert choose_challenge([no_algorithm]) == no_algorithm
    with pytest.raises(DigestError, match="none of the 2"):
        choose_challenge(["Basic realm=x", "Digest algorithm=SHA-1, realm=x"])


@pytest.mark.parametrize(
    ("challenge", "nc", "hint"),
    [
        ("Basic realm=x", 1, "not a Digest"),
        ('Digest nonce="n"', 1, "not a Digest"),
        ('Digest realm="r", nonce="n", algorithm=SHA-1', 1, "SHA-1"),
        ('Digest realm="r", nonce="n", qop="auth-conf"', 1, "qop"),
        ('Digest realm="r", nonce="n", algorithm=MD5-sess', 1, "qop"),
        ('Digest realm="r", nonce="n", qop="auth"', 0, "nonce count"),
        ('Digest realm="r", nonce="n", qop="auth"', 2**32, "nonce count"),
        ('Digest realm="r, nonce="n"', 1, "comma"),
    ],
)
def test_answer_challenge_refuses_what_it_cannot_answer(challenge: str, nc: int, hint: str) -> None:
    with pytest.raises(DigestError) as caught:
        answer_challenge(challenge, "INVITE", "sip:a@b", "u", "p", "c", nc)
    assert hint in str(caught.value)


# draft-smith-sipping-auth-examples-01 §3.1-§3.6: SIP worked examples (bob / zanzibar,
# INVITE sip:bob@biloxi.com). §3.1's digest comes from its step-by-step computation (§3.1.3).
SMITH_BODY = (
    b"v=0\r\no=bob 2890844526 2890844526 IN IP4 media.biloxi.com\r\ns=-\r\n"
    b"c=IN IP4 media.biloxi.com\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n"
    b"a=rtpmap:0 PCMU/8000\r\nm=video 51372 RTP/AVP 31\r\na=rtpmap:31 H261/90000\r\n"
    b"m=video 53000 RTP/AVP 32\r\na=rtpmap:32 MPV/90000\r\n"
)


@pytest.mark.parametrize(
    ("algorithm", "qop", "response"),
    [
        ("MD5", None, "bf57e4e0d0bffc0fbaedce64d59add5e"),
        ("MD5", "auth", "89eb0059246c02b2f6ee02c7961d5ea3"),
        ("MD5-sess", "auth", "e4e4ea61d186d07a92c9e1f6919902e9"),
        ("MD5", "auth-int", "bdbeebb2da6adb6bca02599c2239e192"),
        ("MD5-sess", "auth-int", "91984da2d8663716e91554859c22ca70"),
    ],
)
def test_sip_worked_examples(algorithm: str, qop: str | None, response: str) -> None:
    got = digest_response(
        algorithm=algorithm,
        username="bob",
        realm="biloxi.com",
        password="zanzibar",
        method="INVITE",
        uri="sip:bob@biloxi.com",
        nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",
        qop=qop,
        nc="00000001",
        cnonce="0a4f113b",
        body=SMITH_BODY,
    )
    assert got == response


def test_sess_variants_fold_nonce_and_cnonce_into_ha1() -> None:
    # RFC 2617 §3.2.2.2 / RFC 7616 §3.4.2: A1 = H(user:realm:password) ":" nonce ":" cnonce.
    ha1 = hash_hex("SHA-256", hash_hex("SHA-256", b"u:r:p").encode() + b":n:c")
    ha2 = hash_hex("SHA-256", b"INVITE:sip:a@b")
    expected = hash_hex("SHA-256", f"{ha1}:n:00000001:c:auth:{ha2}".encode())
    got = digest_response(
        algorithm="SHA-256-sess",
        username="u",
        realm="r",
        password="p",
        method="INVITE",
        uri="sip:a@b",
        nonce="n",
        qop="auth",
        nc="00000001",
        cnonce="c",
    )
    assert got == expected


def test_a_nonce_is_bound_to_its_realm() -> None:
    # Two realms sharing one secret must not accept each other's nonces.
    other = DigestAuthenticator("other.example", SECRET, random_bytes=counter_bytes())
    nonce = parse_auth_header(other.challenge(0.0)[0]).params["nonce"]
    forged = f'Digest realm="{REALM}", nonce="{nonce}", algorithm=SHA-256, qop="auth"'
    result = check(authenticator(), login(authenticator(), challenge=forged))
    assert result.reason is AuthReason.INVALID_NONCE
