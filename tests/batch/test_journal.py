"""The resume journal: atomic JSON, identity matching, segment verification."""

from __future__ import annotations

import os

from vidcolor.batch.journal import Journal, file_sha256, input_identity, segment_record_ok


def test_journal_round_trip_and_matching(tmp_path):
    src = tmp_path / "film.mp4"
    src.write_bytes(os.urandom(5000))
    ident, settings = input_identity(src), {"style": "oil", "crf": 18}
    j = Journal.create(tmp_path / "journal.json", ident, settings, {"segments": []})
    j.record(3, {"file": "seg_00003.mp4", "frames": 10})
    again = Journal.load(tmp_path / "journal.json")
    assert again.done(3)["frames"] == 10 and again.done(2) is None
    assert again.matches(dict(ident, path="/elsewhere/film.mp4"), settings)  # moved: still the same film
    assert not again.matches(ident, dict(settings, crf=20))
    src.write_bytes(os.urandom(5000))                                        # same size, new content
    assert not again.matches(input_identity(src), settings)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.mp4", "journal.json"]  # no temporary left


def test_unreadable_journal_is_none(tmp_path):
    (tmp_path / "j.json").write_text('{"version": 1, "done": ')
    assert Journal.load(tmp_path / "j.json") is None
    assert Journal.load(tmp_path / "missing.json") is None


def test_segment_record_ok(tmp_path):
    seg = tmp_path / "seg_00000.mp4"
    seg.write_bytes(b"abc" * 100)
    rec = {"size": 300, "sha256": file_sha256(seg)}
    assert segment_record_ok(seg, rec)
    seg.write_bytes(b"abd" * 100)
    assert not segment_record_ok(seg, rec) and not segment_record_ok(tmp_path / "gone.mp4", rec)
