"""The wav sink numbers reply files on from those already in its folder: a new session never overwrites an old one."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from companion.speech.sinks import WavFileSink


def speak(sink: WavFileSink, utterance_id: int) -> Path:
    sink.begin(utterance_id, 16000)
    sink.write(utterance_id, np.zeros(160, dtype=np.float32))
    path = sink.end(utterance_id, interrupted=False)
    assert path is not None
    return path


def test_a_new_session_numbers_on_and_never_overwrites(tmp_path: Path) -> None:
    first = WavFileSink(tmp_path)
    assert [speak(first, u).name for u in (1, 2)] == ["reply-0001.wav", "reply-0002.wav"]
    before = (tmp_path / "reply-0002.wav").read_bytes()
    (tmp_path / "reply-0007.wav").write_bytes(b"kept")  # e.g. from a session that wrote more
    (tmp_path / "reply-notes.wav").write_bytes(b"x")  # not one of ours: ignored
    second = WavFileSink(tmp_path)
    assert [speak(second, u).name for u in (1, 2)] == ["reply-0008.wav", "reply-0009.wav"]
    assert (tmp_path / "reply-0002.wav").read_bytes() == before
    assert (tmp_path / "reply-0007.wav").read_bytes() == b"kept"


def test_two_sinks_on_one_folder_never_share_a_file(tmp_path: Path) -> None:
    a, b = WavFileSink(tmp_path), WavFileSink(tmp_path)
    a.begin(1, 16000)
    b.begin(1, 16000)  # both scanned an empty folder; the exclusive create moves b on
    names = {a.end(1, False).name, b.end(1, False).name}  # type: ignore[union-attr]
    assert names == {"reply-0001.wav", "reply-0002.wav"}
