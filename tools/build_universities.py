"""Rebuild quiz/data/universities.csv from the VN-Edu LOD extract.

Usage: python tools/build_universities.py SOURCE.csv ENGLISH_NAMES.csv > quiz/data/universities.csv

SOURCE.csv is shared/data/vnedu_lod_institutions.csv (see quiz/data/SOURCES.md).
ENGLISH_NAMES.csv (``name_vi,name_en``) gives English names where the source has
none. Seminaries and defunct or historic institutions are left out: they do not enter
students in the contest.
"""

from __future__ import annotations

import csv
import re
import sys

#: Institutions that no longer exist under these names, although the source gives no end year.
HISTORIC = {
    "Trường Quốc gia Âm nhạc và Kịch nghệ",
    "Viện Đại học Cần Thơ",
    "Trường Y khoa Đông Dương",
    "Trường Đại học Tổng hợp Thành phố Hồ Chí Minh",
}
SMALL_WORDS = {"of", "and", "the", "for", "in", "at", "–", "-", "&"}


def initials(name_en: str) -> str:
    words = re.findall(r"[A-Za-z]+", name_en)
    return "".join(w[0] for w in words if w.lower() not in SMALL_WORDS).upper()


def clean_code(value: str) -> str:
    return re.sub(r"[^A-Z0-9-]", "", value.strip().upper())


def first(value: str) -> str:
    return value.split(";")[0].strip()


def main(source: str, english: str) -> None:
    with open(english, encoding="utf-8") as handle:
        english_names = {r["name_vi"]: r["name_en"] for r in csv.DictReader(handle)}
    with open(source, encoding="utf-8") as handle:
        source_rows = list(csv.DictReader(handle))
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["code", "name_vi", "name_en", "short_name", "city"])
    used: set[str] = set()
    rows = []
    for row in source_rows:
        if row["kind_vi"] == "Chủng viện" or row["defunct_year"] or row["name_vi"] in HISTORIC:
            continue
        name_en = row["name_en"] or english_names.get(row["name_vi"], "")
        if not name_en:
            raise SystemExit(f"no English name for {row['name_vi']}")
        short = first(row["short_names"])
        code = clean_code(first(row["admission_codes"])) or clean_code(short) or initials(name_en)
        candidate, n = code, 2
        while candidate in used:
            candidate, n = f"{code}-{n}", n + 1
        used.add(candidate)
        city = row["province_2025"] or row["former_province"]
        rows.append(
            [candidate, row["name_vi"], name_en, short or first(row["admission_codes"]), city]
        )
    for r in sorted(rows, key=lambda r: r[0]):
        out.writerow(r)


if __name__ == "__main__":
    main(*sys.argv[1:3])
