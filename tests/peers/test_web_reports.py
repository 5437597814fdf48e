"""Reports and planning in Chromium, on real history: the first day of the Anonymous Bank log
(Technion SEE lab, A. Mandelbaum) goes in through `frontdesk import`, the company's time zone
is the bank's (Asia/Jerusalem), and an admin opens the pages.

Reports: the abandonment report of that day shows its chart (the server's SVG, loaded by the
page, naming its series) and its table, whose rows are the API's; the CSV download is the
same table; the missed calls report draws its chart. Planning: the Erlang C calculator shows
the figures `frontdesk plan erlang` prints, with one more agent beside them; the staffing
history of the day draws its chart; the next Sunday's forecast (from the one week starting
that day) shows the API's rows and chart.
Screenshots of both pages go to docs/img/.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import chromium, sign_in
from conftest import WEB_PASSWORD, ServerProcess, start_web_centre

from frontdesk.accounts.model import NewUser, Role
from frontdesk.accounts.store import AccountStore
from frontdesk.clock import SystemClock
from frontdesk.store.eventlog import open_engine

pytestmark = pytest.mark.peer
BANK = Path("/work/shared/data/anonymous_bank_1999_08_calls.csv")
DOCS = Path(__file__).parents[2] / "docs" / "img"
DAY = "1999-08-01"
LOADED = (
    "(id) => { const i = document.getElementById(id); return i.complete && i.naturalWidth > 0; }"
)


def bank_company(tmp_path: Path) -> None:
    """`frontdesk import` of the log's first day, an admin, the bank's time zone."""
    part = tmp_path / "first-day.csv"
    with open(BANK) as source:
        lines = itertools.takewhile(lambda line: f",{DAY}," in line or line.startswith("vru"),
                                    source)  # fmt: skip
        part.write_text("".join(lines))
    data = tmp_path / "data"
    command = [sys.executable, "-m", "frontdesk.cli", "import", str(part), "--format",
               "anonymous-bank", "--tz", "Asia/Jerusalem", "--data-dir", str(data)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    AccountStore(open_engine(data), SystemClock()).create_user(
        NewUser("ada", "Ada", Role.ADMIN, ()), WEB_PASSWORD
    )


@pytest.fixture
def bank_centre(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerProcess]:
    if not BANK.is_file():
        pytest.skip("the Anonymous Bank file is absent")

    def prepare(company: Path) -> None:
        bank_company(tmp_path)
        text = company.read_text().replace("timezone: Europe/London", "timezone: Asia/Jerusalem", 1)
        company.write_text(text)

    server = start_web_centre(tmp_path, monkeypatch, prepare)
    yield server
    assert server.stop() == 0, server.log()[-3000:]


def plan_erlang(*args: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-m", "frontdesk.cli", "plan", "erlang", *args,
                           "--json"], capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    found: dict[str, object] = json.loads(done.stdout)
    return found


def test_reports_and_planning_pages_on_the_bank_history(
    bank_centre: ServerProcess, tmp_path: Path
) -> None:
    base = bank_centre.http_url
    DOCS.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        page = sign_in(browser, base, "ada", WEB_PASSWORD)
        page.click("nav >> text=Reports")
        page.select_option("#r-kind", "abandonment")
        page.fill("#r-from", DAY)
        page.fill("#r-to", DAY)
        page.click("#report-form button[type=submit]")
        page.wait_for_function(LOADED, arg="chart", timeout=30000)
        chart = page.request.get(base + page.get_attribute("#chart", "src"))
        assert chart.headers["content-type"] == "image/svg+xml"
        assert "Callers who gave up" in chart.text()
        shown = page.locator("#report-table tbody tr").all_inner_texts()
        rows = page.request.get(f"{base}/api/reports/abandonment?from={DAY}&to=1999-08-02")
        expected = rows.json()["rows"]
        assert len(shown) == len(expected) == 7
        for text, row in zip(shown, expected, strict=True):
            cells = text.split("\t")
            assert cells[0] == row["wait_bucket_s"] and cells[1] == f"{row['abandoned']:,}"
            # shares as percentages, by the columns the report names (1.0 is 1 in JSON)
            assert cells[3] == f"{row['share_of_offered'] * 100:.1f} %"
        assert rows.json()["shares"] == ["share_of_offered", "abandon_given_reached"]
        shown_as = page.evaluate(
            "async () => { const m = await import('/static/js/report_cells.js');"
            " return [m.cell(1, true), m.cell(0, true), m.cell(1234, false), m.cell(null, true)]; }"
        )
        assert shown_as == ["100.0 %", "0.0 %", "1,234", "–"]
        assert sum(r["abandoned"] for r in expected) > 100  # a real day of abandons
        with page.expect_download() as download:
            page.click("#csv-download")
        lines = Path(download.value.path()).read_text().splitlines()
        assert lines[0].startswith("wait_bucket_s,abandoned,reached")
        assert [ln.split(",")[1] for ln in lines[1:]] == [str(r["abandoned"]) for r in expected]
        page.screenshot(path=str(DOCS / "reports.png"), full_page=True)
        # the imported queues are not in the company file, yet an admin can pick them
        offered = page.locator("#r-queue option").all_inner_texts()
        assert {"PS", "NW", "IN"} <= set(offered) and "parcels" in offered
        page.select_option("#r-queue", ["PS"])
        page.click("#report-form button[type=submit]")
        ps = page.request.get(f"{base}/api/reports/abandonment?from={DAY}&to=1999-08-02&queue=PS")
        ps_rows = ps.json()["rows"]
        assert 0 < sum(r["abandoned"] for r in ps_rows) < sum(r["abandoned"] for r in expected)
        column = [f"{r['abandoned']:,}" for r in ps_rows]  # the table's second column
        page.wait_for_function(
            "(want) => JSON.stringify([...document.querySelectorAll("
            "'#report-table tbody tr td:nth-child(2)')].map(td => td.textContent))"
            " === JSON.stringify(want)",
            arg=column,
            timeout=30000,
        )
        page.select_option("#r-queue", [])
        # the missed calls report has its chart too: missed calls, and how many were called back
        page.select_option("#r-kind", "missed")
        page.click("#report-form button[type=submit]")
        page.wait_for_function(
            "() => document.getElementById('chart').src.includes('/missed/chart.svg')"
        )
        page.wait_for_function(LOADED, arg="chart", timeout=30000)
        missed = page.request.get(base + page.get_attribute("#chart", "src"))
        assert "called back since" in missed.text()
        assert page.locator("#report-error").inner_text() == ""

        page.click("nav >> text=Planning")
        assert "PS" in page.locator("#h-queue option").all_inner_texts()
        for field, value in (("#p-calls", "200"), ("#p-aht", "180"), ("#p-agents", "12")):
            page.fill(field, value)
        page.select_option("#p-model", "c")
        page.click("#erlang-form button[type=submit]")
        wait_row = page.locator('#erlang-table tr[data-figure="p_wait"]')
        wait_row.wait_for(timeout=30000)
        cli = plan_erlang("--model", "c", "--calls-per-hour", "200", "--aht-s", "180",
                          "--agents", "12")  # fmt: skip
        more = plan_erlang("--model", "c", "--calls-per-hour", "200", "--aht-s", "180",
                           "--agents", "13")  # fmt: skip
        cells = wait_row.locator("td").all_inner_texts()
        assert cells[1] == f"{float(cli['p_wait']) * 100:.1f} %"  # type: ignore[arg-type]
        assert cells[2] == f"{float(more['p_wait']) * 100:.1f} %"  # type: ignore[arg-type]
        asa = page.locator('#erlang-table tr[data-figure="asa_s"] td').all_inner_texts()
        assert asa[1] == f"{float(cli['asa_s']):.1f} s"  # type: ignore[arg-type]
        page.wait_for_function(LOADED, arg="cost-chart", timeout=30000)
        page.fill("#h-from", DAY)
        page.fill("#h-to", DAY)
        page.click("#history-form button[type=submit]")
        page.wait_for_function(LOADED, arg="history-chart", timeout=30000)
        summary = page.locator("#history-summary").inner_text()
        assert "gave up" in summary and "one more agent" in summary
        assert page.locator("#history-table tbody tr").count() >= 18  # the day's hours

        # the next Sunday, forecast from the one week that starts with the imported day
        page.fill("#f-date", "1999-08-08")
        page.fill("#f-weeks", "1")
        page.click("#forecast-form button[type=submit]")
        page.wait_for_function(LOADED, arg="forecast-chart", timeout=30000)
        forecast = page.request.get(f"{base}/api/planning/forecast?date=1999-08-08&weeks=1")
        rows = forecast.json()["rows"]
        shown = page.locator("#forecast-table tbody tr").all_inner_texts()
        assert len(shown) == len(rows) == 24
        for text, row in zip(shown, rows, strict=True):
            cells = text.split("\t")
            assert cells[0] == row["interval"] and cells[1] == f"{row['calls']:.1f}"
            assert cells[4] == str(row["agents"])
        summary = page.request.get(f"{base}/api/reports/summary?from={DAY}&to=1999-08-02")
        offered = summary.json()["rows"][0]["offered"]
        assert sum(r["calls"] for r in rows) == pytest.approx(offered)  # one week: level 1
        assert f"{offered:,} calls expected" in page.locator("#forecast-summary").inner_text()
        assert "Not enough history" in page.locator("#forecast-error-measure").inner_text()
        page.screenshot(path=str(DOCS / "planning.png"), full_page=True)
