#!/usr/bin/env python3
"""Download text8 (first 10^8 bytes of a cleaned English Wikipedia dump, Matt Mahoney)
and write it as lines of 1,000 words to corpora/data/text8.txt.

  source  http://mattmahoney.net/dc/text8.zip  (31,344,016 bytes; text8 inside is
          100,000,000 bytes, 17,005,207 words, one line, no newline)
  check   size of the zip and SHA-256 of the unzipped text

Offline (as on the build machine) it stops with one line on stderr and exit status 3.
An already downloaded text8.zip or text8 can be given with --zip / --text.

Usage: python corpora/get_text8.py [--out corpora/data/text8.txt] [--zip PATH] [--text PATH]
"""
from __future__ import annotations

import argparse
import hashlib
import io
import os
import sys
import urllib.error
import urllib.request
import zipfile

URL = "http://mattmahoney.net/dc/text8.zip"
ZIP_SIZE = 31_344_016
TEXT_SIZE = 100_000_000
# SHA-256 of the unzipped 'text8' member, used when available; the sizes are always checked
TEXT_SHA256 = None  # not recorded here (no network on the machine this was written on)
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "data", "text8.txt")


class FetchError(Exception):
    pass


def download(url: str, timeout: float) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            data = r.read()
    except (urllib.error.URLError, OSError) as e:  # DNS failure, refused, timeout
        reason = getattr(e, "reason", e)
        raise FetchError(f"cannot download {url} ({reason}); are we offline? "
                         f"Fetch text8.zip elsewhere and pass --zip PATH") from None
    if len(data) != ZIP_SIZE:
        raise FetchError(f"{url}: got {len(data):,} bytes, expected {ZIP_SIZE:,}: truncated or changed download")
    return data


def text_from_zip(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("text8")


def check_text(text: bytes) -> None:
    if len(text) != TEXT_SIZE:
        raise FetchError(f"text8 is {len(text):,} bytes, expected {TEXT_SIZE:,}")
    if TEXT_SHA256 and hashlib.sha256(text).hexdigest() != TEXT_SHA256:
        raise FetchError("text8 SHA-256 mismatch")


def write_lines(text: bytes, out: str, line_words: int = 1000) -> int:
    words = text.split()
    os.makedirs(os.path.dirname(os.path.abspath(out)) or ".", exist_ok=True)
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        for i in range(0, len(words), line_words):
            f.write(b" ".join(words[i:i + line_words]) + b"\n")
    os.replace(tmp, out)
    return len(words)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--url", default=URL)
    ap.add_argument("--zip", help="use this text8.zip instead of downloading")
    ap.add_argument("--text", help="use this unzipped text8 instead of downloading")
    ap.add_argument("--line-words", type=int, default=1000)
    ap.add_argument("--timeout", type=float, default=20.0)
    a = ap.parse_args(argv)
    try:
        if a.text:
            text = open(a.text, "rb").read()
        else:
            if a.zip:
                data = open(a.zip, "rb").read()
                if len(data) != ZIP_SIZE:
                    raise FetchError(f"{a.zip}: {len(data):,} bytes, expected {ZIP_SIZE:,}")
            else:
                data = download(a.url, a.timeout)
            text = text_from_zip(data)
        check_text(text)
    except FetchError as e:
        print(f"get_text8: {e}", file=sys.stderr)
        return 3
    n = write_lines(text, a.out, a.line_words)
    print(f"wrote {a.out}: {n:,} words in lines of {a.line_words}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
