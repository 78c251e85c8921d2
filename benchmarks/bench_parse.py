"""Cost of one poll cycle on the client: reply bytes → zeep objects → records → tidy frame.

The reply bytes are captured once from the demo NetServer over HTTP (the 17-panel reply, and a
large one padded to more than 5,000 values); the parsing is then timed in-process, beside a bare
lxml parse of the same bytes and a hand-written lxml extraction, to show what zeep costs.

    .venv/bin/python benchmarks/bench_parse.py [--runs 30]
"""

# zeep has no type hints; this script drives its internals on purpose.
# mypy: disable-error-code="no-untyped-call"
from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import requests
import zeep
from lxml import etree
from zeep.wsdl.utils import etree_to_string

from netserver_demo import DATASETS_PER_PANEL, DemoNetServer
from stats_client import ALL_PANELS
from stats_client.frames import DataSet, DataValue, PanelData, to_frame
from stats_client.soap import (
    CUSTOMER_SERVICE_BINDING,
    bundled_document,
    read_datasets,
    zeep_settings,
)

NS = "{http://www.superoffice.net/ws/crm/NetServer/Services87}"
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)


def capture(extra_values: int) -> bytes:
    """The GetStatistics reply for every panel, as the demo NetServer sends it over HTTP."""
    client = zeep.Client(bundled_document(), settings=zeep_settings())
    with DemoNetServer(extra_values=extra_values, clock=lambda: NOW) as srv:
        service = client.create_service(CUSTOMER_SERVICE_BINDING,
                                        srv.service_url("CustomerService"))
        envelope = client.create_message(
            service, "GetStatistics",
            Functions={"StatusScreenPanelType": [p.wire_name for p in ALL_PANELS]})
        reply = requests.post(srv.service_url("CustomerService"), data=etree_to_string(envelope),
                              headers={"Content-Type": "text/xml; charset=utf-8",
                                       "SOAPAction": '"http://www.superoffice.net/ws/crm/'
                                                     'NetServer/Services87/CustomerService/'
                                                     'GetStatistics"'},
                              timeout=30)
        reply.raise_for_status()
        return reply.content


def by_panel(datasets: tuple[DataSet, ...]) -> list[PanelData]:
    """Group data sets by panel with the demo's known counts (the client's order rule)."""
    out, i = [], 0
    for panel in ALL_PANELS:
        n = DATASETS_PER_PANEL[panel]
        out.append(PanelData(panel, datasets[i:i + n]))
        i += n
    return out


def zeep_cycle(body: bytes) -> Callable[[], pd.DataFrame]:
    """What the client does with the bytes of one reply: zeep parse, records, frame."""
    client = zeep.Client(bundled_document(), settings=zeep_settings())
    binding: Any = bundled_document().bindings[CUSTOMER_SERVICE_BINDING]
    operation = binding.get("GetStatistics")

    def run() -> pd.DataFrame:
        response = requests.Response()
        response.status_code = 200
        response.headers["Content-Type"] = "text/xml; charset=utf-8"
        response._content = body
        result = binding.process_reply(client, operation, response)
        assert result.header.Succeeded is True
        return to_frame(by_panel(read_datasets(result.body)))

    return run


PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                         huge_tree=False, remove_comments=True)


def lxml_parse(body: bytes) -> Callable[[], object]:
    return lambda: etree.fromstring(body, PARSER)


def lxml_cycle(body: bytes) -> Callable[[], pd.DataFrame]:
    """A hand-written reader of the same reply: lxml, records, frame (no WSDL, no zeep)."""
    def text(el: etree._Element | None) -> str | None:
        return None if el is None or el.get(XSI_NIL) == "true" else (el.text or "")

    def run() -> pd.DataFrame:
        root = etree.fromstring(body, PARSER)
        datasets = tuple(
            DataSet(text(ds.find(f"{NS}Label")), text(ds.find(f"{NS}Description")), tuple(
                DataValue(text(v.find(f"{NS}Label")), float(v.findtext(f"{NS}Value") or "nan"),
                          text(v.find(f"{NS}Description")))
                for v in ds.iterfind(f"{NS}Values/{NS}StatisticsDataValue")))
            for ds in root.iter(f"{NS}StatisticsDataSet"))
        return to_frame(by_panel(datasets))

    return run


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm up (imports, caches)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="timed runs per figure (median)")
    args = parser.parse_args(argv)

    cases = [("17 panels", capture(0)), ("large", capture(5_000))]
    print(f"{'reply':<10} {'values':>7} {'bytes':>9} {'lxml parse':>11} {'zeep cycle':>11} "
          f"{'ratio':>6} {'lxml cycle':>11} {'ratio':>6}")
    for name, body in cases:
        frame = zeep_cycle(body)()
        # Both readers must agree, or the comparison means nothing.
        pd.testing.assert_frame_equal(frame, lxml_cycle(body)())
        values = len(frame)
        runs = args.runs if values < 1000 else max(5, args.runs // 3)
        bare = median_ms(lxml_parse(body), runs)
        cycle = median_ms(zeep_cycle(body), runs)
        hand = median_ms(lxml_cycle(body), runs)
        print(f"{name:<10} {values:>7} {len(body):>9} {bare:>9.2f}ms {cycle:>9.2f}ms "
              f"{cycle / bare:>5.0f}x {hand:>9.2f}ms {hand / bare:>5.0f}x")
    print(f"(median of {args.runs} runs, {max(5, args.runs // 3)} for the large reply; "
          f"Python {sys.version.split()[0]}, zeep {zeep.__version__}, lxml "
          f"{'.'.join(map(str, etree.LXML_VERSION[:3]))}; ratio = cycle / bare lxml parse)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
