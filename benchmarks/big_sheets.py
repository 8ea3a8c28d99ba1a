"""Reading a sheet of a million cells: time and peak memory of the Excel and OpenDocument readers,
each in a child process of its own (so the peak is the reader's alone). The .xlsx is written by
XlsxWriter (constant-memory mode), the .ods as LibreOffice lays one out (rows of cells in
content.xml, zipped), 50,000 rows of 20 cells each by default. Run:

    .venv/bin/python benchmarks/big_sheets.py               # Markdown table
    .venv/bin/python benchmarks/big_sheets.py --rows 5000   # a quicker look
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COLUMNS = 20

_CHILD = """
import json, resource, sys, time
from desktop.core.ingest import read_document
import desktop.core.ingest.office.xlsx, desktop.core.ingest.office.ods  # imported before the baseline
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
wall, cpu = time.perf_counter(), time.process_time()
doc = read_document(sys.argv[1])
print(json.dumps({"cells": doc.metadata["cells"], "blocks": len(doc.blocks), "chars": sum(len(b.text) for b in doc.blocks),
                  "wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu, "base_mb": base,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _value(row: int, col: int) -> object:
    return row * col if col % 2 else f"v{row}-{col}"


def write_xlsx(path: Path, rows: int) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = book.add_worksheet("Data")
    sheet.write_row(0, 0, [f"column {c}" for c in range(COLUMNS)])
    for r in range(1, rows + 1):
        sheet.write_row(r, 0, [_value(r, c) for c in range(COLUMNS)])
    book.close()


def write_ods(path: Path, rows: int) -> None:
    head = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
            '<office:body><office:spreadsheet><table:table table:name="Data">')

    def cell(value: object) -> str:
        if isinstance(value, int):
            return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
        return f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>')
        with z.open("content.xml", "w") as out:
            out.write(head.encode())
            out.write(("<table:table-row>" + "".join(cell(f"column {c}") for c in range(COLUMNS))
                       + '<table:table-cell table:number-columns-repeated="1004"/></table:table-row>').encode())
            for r in range(1, rows + 1):
                out.write(("<table:table-row>" + "".join(cell(_value(r, c)) for c in range(COLUMNS))
                           + '<table:table-cell table:number-columns-repeated="1004"/></table:table-row>').encode())
            out.write(b'<table:table-row table:number-rows-repeated="1000000"><table:table-cell '
                      b'table:number-columns-repeated="1024"/></table:table-row></table:table>'
                      b"</office:spreadsheet></office:body></office:document-content>")


def measure(path: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path)], cwd=REPO, capture_output=True, text=True,
                          timeout=1800, check=True)
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args(argv)
    print("| file | cells read | blocks | characters | CPU s | wall s | peak RSS (MB) | of which reading |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        for name, write in (("sheet.xlsx", write_xlsx), ("sheet.ods", write_ods)):
            path = Path(tmp) / name
            write(path, args.rows)
            r = measure(path)
            print(f"| {name} ({path.stat().st_size / 2**20:.1f} MB) | {r['cells']:,} | {r['blocks']:,} | {r['chars']:,} "
                  f"| {r['cpu_s']:.1f} | {r['wall_s']:.1f} | {r['peak_mb']:.0f} | +{r['peak_mb'] - r['base_mb']:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
