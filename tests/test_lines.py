"""Line limits of the readers: a line over the cap is cut at cap + 1 bytes, its rest dropped, never held."""

from __future__ import annotations

import io

import pytest

from ingest.lines import LineSplitter, capped_lines, split_datagram

pytestmark = pytest.mark.unit


def test_a_stream_line_over_the_cap_is_cut_and_what_follows_it_is_kept() -> None:
    s = LineSplitter(cap=10)
    out = s.feed(b"short\nAAAAA")
    out += s.feed(b"A" * 100_000)            # a megabyte-ish line arriving in pieces: held at 11 bytes
    assert len(s.rest) == 11
    out += s.feed(b"AAA\nnext\npart")
    out += s.feed(b"ial\n")
    assert out == [b"short", b"A" * 11, b"next", b"partial"]
    assert s.dropped == 5 + 100_000 + 3 - 11
    assert s.flush() is None


def test_a_stream_without_a_newline_holds_no_more_than_the_cap() -> None:
    s = LineSplitter(cap=100)
    for _ in range(16):
        assert s.feed(b"x" * 65_536) == []
        assert len(s.rest) == 101
    assert s.flush() == b"x" * 101


def test_lines_of_a_file_are_cut_with_their_true_length() -> None:
    data = b"one\n" + b"B" * 50 + b"\n" + b"C" * 10 + b"\r\n" + b"tail"
    got = list(capped_lines(io.BytesIO(data), cap=20))
    assert got == [(b"one\n", 4, True), (b"B" * 21, 51, True), (b"C" * 10 + b"\r\n", 12, True), (b"tail", 4, False)]
    assert sum(size for _, size, _ in got) == len(data)


def test_an_unfinished_overlong_last_line_says_so() -> None:
    assert list(capped_lines(io.BytesIO(b"D" * 1_000_000), cap=20)) == [(b"D" * 21, 1_000_000, False)]


def test_datagram_lines_are_cut() -> None:
    assert split_datagram(b"a\r\nb") == [b"a", b"b"]
    assert split_datagram(b"a\n" + b"Z" * 70, cap=8) == [b"a", b"Z" * 9]
