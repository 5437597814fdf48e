"""Widget settings: the `widget:` mapping read with defaults, every mistake named, and the
interim settings file re-read when it changes."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import pytest

from frontdesk.widget import SettingsError
from frontdesk.widget.headers import frame_headers, origin_allowed, own_origin
from frontdesk.widget.settings import (
    SettingsFile,
    WidgetLimits,
    WidgetSettings,
    check_origin,
    load_settings,
    settings_from_mapping,
)

EXAMPLE = """
widget:
  trusted_proxies: [10.0.0.0/8, "2001:db8::1"]
  public_origin: https://frontdesk.example
  ice_servers: ["stun:stun.example.org:3478"]
  callback_days: 7
  limits: {calls_per_minute_per_address: 2, concurrent_calls_total: 4}
  widgets:
    - key: shop
      number: "+442079460100"
      callback_queue: parcels
      origins: [https://shop.example, "https://*.shop.example", "http://localhost:8000/"]
      title: {en: Talk to the shop, fr: Parlez à la boutique}
      languages: [en, fr]
      callback_regions: [gb, fr]
    - {key: press-line, number: "100", call: true}
"""


def test_a_full_section_is_read(tmp_path: Path) -> None:
    path = tmp_path / "widgets.yaml"
    path.write_text(EXAMPLE)
    settings = load_settings(path)
    shop = settings.widget("shop")
    assert shop is not None and shop.offers_callback and shop.call
    assert shop.origins == ("https://shop.example", "https://*.shop.example",
                            "http://localhost:8000")  # fmt: skip
    assert shop.title["fr"] == "Parlez à la boutique" and shop.callback_regions == ("GB", "FR")
    press = settings.widget("press-line")
    assert press is not None and not press.offers_callback and press.languages == ("en",)
    assert settings.limits.calls_per_minute_per_address == 2
    assert settings.limits.calls_per_hour_per_address == WidgetLimits().calls_per_hour_per_address
    assert settings.trusted_proxies[1] == ipaddress.ip_network("2001:db8::1/128")
    assert settings.public_origin == "https://frontdesk.example" and settings.callback_days == 7
    assert settings.widget("nope") is None


def test_nothing_configured_is_valid_and_has_no_widgets() -> None:
    assert settings_from_mapping({}) == WidgetSettings()


@pytest.mark.parametrize(
    ("section", "named"),
    [
        ({"widgets": [{"key": "x", "number": "1"}]}, "widget.widgets[0].key"),
        ({"widgets": [{"key": "shop"}]}, "widget.widgets[0].number"),
        ({"widgets": [{"key": "shop", "number": "1", "origins": ["shop.example"]}]},
         "widget.widgets[0].origins[0]"),
        ({"widgets": [{"key": "shop", "number": "1", "origins": ["https://a.example/path"]}]},
         "widget.widgets[0].origins[0]"),
        ({"widgets": [{"key": "shop", "number": "1", "colour": "red"}]}, "unknown setting"),
        ({"widgets": [{"key": "shop", "number": "1"}, {"key": "shop", "number": "2"}]},
         "used twice"),
        ({"widgets": [{"key": "shop", "number": "1", "languages": ["english"]}]},
         "widget.widgets[0].languages[0]"),
        ({"widgets": [{"key": "shop", "number": "1", "callback_regions": ["XX"]}]},
         "callback_regions[0]"),
        ({"limits": {"calls_per_minute_per_address": -1}}, "widget.limits.calls_per_minute"),
        ({"limits": {"calls_per_fortnight": 3}}, "unknown setting 'calls_per_fortnight'"),
        ({"trusted_proxies": ["proxy.example"]}, "widget.trusted_proxies[0]"),
        ({"public_origin": "https://*.example"}, "widget.public_origin"),
        ({"ice_servers": ["http://stun.example"]}, "widget.ice_servers[0]"),
        ({"callback_days": 400}, "widget.callback_days"),
        ({"widgets": "shop"}, "widget.widgets must be a list"),
    ],
)  # fmt: skip
def test_mistakes_are_refused_naming_the_setting(section: dict[str, object], named: str) -> None:
    with pytest.raises(SettingsError, match=named.replace("[", r"\[").replace("]", r"\]")):
        settings_from_mapping(section)


def test_origins_are_compared_as_browsers_send_them() -> None:
    assert check_origin("HTTPS://Shop.Example:8443/", "x") == "https://shop.example:8443"
    assert check_origin("http://[::1]:8000", "x") == "http://[::1]:8000"
    own = own_origin("http", "127.0.0.1:8080", None)
    assert origin_allowed("http://127.0.0.1:8080", own)
    assert not origin_allowed("http://127.0.0.1:9999", own)
    assert not origin_allowed(None, own)  # browsers always send Origin on a POST
    assert own_origin("http", "internal:8080", "https://frontdesk.example") == (
        "https://frontdesk.example"
    )


def test_the_frame_may_be_shown_only_inside_the_named_sites() -> None:
    settings = settings_from_mapping({"widgets": [
        {"key": "shop", "number": "1", "origins": ["https://shop.example"]},
        {"key": "nowhere", "number": "1"},
    ]})  # fmt: skip
    shop, nowhere = settings.widgets
    policy = frame_headers(shop, "n0nce")["Content-Security-Policy"]
    assert "frame-ancestors https://shop.example" in policy
    assert "style-src 'nonce-n0nce'" in policy and "script-src 'self'" in policy
    assert "unsafe" not in policy
    assert "frame-ancestors 'none'" in frame_headers(nowhere, "x")["Content-Security-Policy"]


def test_the_settings_file_is_read_again_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "widgets.yaml"
    problems: list[str] = []
    source = SettingsFile(path, problems.append)
    assert source() == WidgetSettings()  # no file yet: no widgets
    path.write_text("widgets: [{key: shop, number: '100'}]\n")
    assert source().widget("shop") is not None
    path.write_text("widgets: [{key: x, number: '100'}]\n")  # a broken edit
    os.utime(path, (1, 1))
    assert source().widget("shop") is not None and problems  # the last good settings stay
    path.write_text("widgets: [{key: other, number: '100'}]\n")
    os.utime(path, (2, 2))
    assert source().widget("other") is not None and source().widget("shop") is None
