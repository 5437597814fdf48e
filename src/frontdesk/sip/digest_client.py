"""Digest authentication as a client (RFC 3261 §22.2, RFC 7616 §3.4, RFC 8760 §2.4): pick the
strongest challenge we can answer, and compute the Authorization value for it.
"""

from __future__ import annotations

from collections.abc import Sequence

from frontdesk.sip.digest import (
    ALGORITHM_STRENGTH,
    DigestError,
    canonical_algorithm,
    digest_response,
    parse_auth_header,
    quote_string,
)


def choose_challenge(values: Sequence[str]) -> str:
    """The Digest challenge with the strongest algorithm we support (RFC 8760 §2.4)."""
    ranked: list[tuple[int, int, str]] = []
    for order, value in enumerate(values):
        try:
            header = parse_auth_header(value)
        except DigestError:
            continue
        algorithm = canonical_algorithm(header.params.get("algorithm", "MD5"))
        if header.scheme.lower() == "digest" and algorithm is not None:
            strength = list(ALGORITHM_STRENGTH).index(algorithm.removesuffix("-sess"))
            ranked.append((-strength, order, value))  # ties keep the server's order
    if not ranked:
        raise DigestError(
            f"none of the {len(values)} challenges is Digest with an algorithm we support "
            f"({', '.join(ALGORITHM_STRENGTH)})"
        )
    return min(ranked)[2]


def answer_challenge(
    challenge_header_value: str,
    method: str,
    uri: str,
    username: str,
    password: str,
    cnonce: str,
    nc: int,
    body: bytes = b"",
) -> str:
    """The Authorization / Proxy-Authorization value answering one challenge."""
    header = parse_auth_header(challenge_header_value)
    params = header.params
    if header.scheme.lower() != "digest" or "realm" not in params or "nonce" not in params:
        raise DigestError(
            f"not a Digest challenge with realm and nonce: {challenge_header_value!r}"
        )
    algorithm = canonical_algorithm(params.get("algorithm", "MD5"))
    if algorithm is None:
        raise DigestError(f"the challenge asks for algorithm {params['algorithm']!r}")
    offered = [q.strip().lower() for q in params.get("qop", "").split(",") if q.strip()]
    qop = next((q for q in ("auth", "auth-int") if q in offered), None)
    if (offered and qop is None) or (qop is None and algorithm.endswith("-sess")):
        raise DigestError(f"cannot answer qop {params.get('qop')!r} with {algorithm}")
    if not 0 < nc <= 0xFFFFFFFF:
        raise DigestError(f"nonce count {nc} is outside 1..0xffffffff")
    nc_text = f"{nc:08x}"
    response = digest_response(
        algorithm=algorithm,
        username=username,
        realm=params["realm"],
        password=password,
        method=method,
        uri=uri,
        nonce=params["nonce"],
        qop=qop,
        nc=nc_text,
        cnonce=cnonce,
        body=body,
    )
    parts = [
        f"username={quote_string(username)}",
        f"realm={quote_string(params['realm'])}",
        f"nonce={quote_string(params['nonce'])}",
        f"uri={quote_string(uri)}",
        f'response="{response}"',
        f"algorithm={algorithm}",
    ]
    if "opaque" in params:
        parts.append(f"opaque={quote_string(params['opaque'])}")
    if qop is not None:
        parts += [f"qop={qop}", f"nc={nc_text}", f"cnonce={quote_string(cnonce)}"]
    return "Digest " + ", ".join(parts)
