"""Video sources: frame times from the file itself, clear errors for a missing file, a bad file, no camera."""

from __future__ import annotations

from pathlib import Path

import pytest

from companion.core.errors import CompanionError, InputError
from companion.perception.video import CameraSource, VideoFileSource, open_video_source
from tests.support.video import make_face_video

pytestmark = pytest.mark.integration


def test_file_frames_carry_the_videos_own_time(tmp_path: Path) -> None:
    fps = 20
    path = make_face_video(tmp_path / "still.avi", seconds=1.0, fps=fps, motion="still", size=(160, 120))
    source = VideoFileSource(path)
    frames = []
    while (frame := source.read()) is not None:
        frames.append(frame)
    source.close()
    assert len(frames) == fps
    assert [f.index for f in frames] == list(range(fps))
    assert [f.t for f in frames] == pytest.approx([i / fps for i in range(fps)], abs=1e-3)
    assert frames[0].image.shape == (120, 160, 3)
    assert source.fps == pytest.approx(fps)
    assert not source.live


def test_missing_file_is_an_input_error_naming_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "visitor.mp4"
    with pytest.raises(InputError) as caught:
        VideoFileSource(missing)
    assert str(missing) in str(caught.value)


def test_unreadable_file_is_an_input_error_naming_the_path(tmp_path: Path) -> None:
    garbage = tmp_path / "broken.avi"
    garbage.write_bytes(b"this is not a video" * 100)
    with pytest.raises(InputError) as caught:
        VideoFileSource(garbage)
    assert str(garbage) in str(caught.value)
    assert caught.value.hint


def test_no_camera_is_a_clear_error() -> None:
    # No machine has 100 cameras: this index never opens, here or on a laptop with a webcam.
    with pytest.raises(CompanionError) as caught:
        CameraSource(99)
    assert "99" in caught.value.message
    assert "--video" in (caught.value.hint or "")


def test_open_video_source_prefers_the_file(tmp_path: Path) -> None:
    path = make_face_video(tmp_path / "v.avi", seconds=0.2, fps=10, size=(160, 120))
    source = open_video_source(path, camera=99)
    assert isinstance(source, VideoFileSource)
    source.close()
    assert open_video_source(None, None) is None
    with pytest.raises(CompanionError):
        open_video_source(None, camera=99)
