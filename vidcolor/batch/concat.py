"""Join rendered segments into the final file by copying packets (no re-encoding), with the audio.

Every segment was encoded by the same encoder with the same settings into the output's own
container, carrying the source's pts, so the joined video stream is just the segments' packets in
order: :class:`SegmentConcat` is a :class:`~vidcolor.io.video_writer.VideoWriter` whose video
stream is created from the first segment's stream (codec parameters, extradata, colour tags,
rotation) instead of an encoder, and which muxes the packets it is handed; the source's audio and
subtitle tracks are copied (or re-encoded where the container needs it) by VideoWriter's own
interleaving code, exactly as in a single pass.

Timestamps: MP4/MOV keep a non-zero start only in an edit list counted in 1/1000 s, so those
segments are read with ``ignore_editlist`` (exact relative times) and re-anchored on the exact time
of their first frame recorded by the renderer; other containers store absolute pts and are taken
as they are. Decode timestamps are kept strictly increasing across joins (a B-frame encoder's
``dts`` of the next segment starts ``delay`` frames before its first pts, which is still after the
previous segment's last ``dts``; any overlap is moved up by one tick and counted in a note).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import av.error

from vidcolor.errors import VidcolorError
from vidcolor.io.video import VideoInfo
from vidcolor.io.video_writer import VideoWriter
from vidcolor.outputs import ended_early_note

_MOV_EXTS = frozenset({".mp4", ".m4v", ".mov"})


class _NoEncoder:
    """Stands in for the video encoder when VideoWriter.close flushes it: packets were copied."""

    @staticmethod
    def encode(frame=None):
        return []


class SegmentConcat(VideoWriter):
    """Write ``path`` from already-encoded video packets plus the audio of ``audio_source``.

    ``template``: the video stream of the first segment. Relies on VideoWriter's internals
    (``_open_video`` hook, ``_out``, ``_pump``); covered by the segment tests.
    """

    def __init__(self, path: str | Path, info: VideoInfo, template, codec: str, audio_source: str | Path | None):
        self._template = template
        super().__init__(path, info, codec=codec, audio_source=audio_source)

    def _open_video(self, codec, spec, crf, preset, threads) -> None:
        self._video = self._out.add_stream_from_template(self._template)
        self._video.time_base = self._template.time_base
        # The segment's decoder guessed its rate from the codec's timing info (for x264: one
        # tick of the time base, e.g. "24000 fps"); Matroska would store that as the rate.
        self._video.codec_context.framerate = self.info.frame_rate

    def write_packet(self, packet: av.Packet) -> None:
        """Mux one video packet (its ``time_base`` is its source stream's) and the audio up to it."""
        ts = packet.dts if packet.dts is not None else packet.pts
        packet.stream = self._video
        self._out.mux(packet)
        self.frames_written += 1
        if packet.pts is not None:   # times on the source's timeline (an AVI's start at 0 is its _origin)
            self._note_video_time(float(packet.pts * packet.time_base + self._origin))
        if ts is not None:
            self._pump(float(ts * packet.time_base + self._origin) + 0.5)

    def close(self) -> None:
        self._video = _NoEncoder()
        super().close()


def _open_segment(path: Path) -> av.container.InputContainer:
    options = {"ignore_editlist": "1"} if path.suffix.lower() in _MOV_EXTS else {}
    try:
        return av.open(str(path), "r", options=options)
    except av.error.FFmpegError as exc:
        raise VidcolorError(f"cannot read segment '{path}': {exc.strerror or exc}") from exc


def concat_segments(parts: list[tuple[Path, Fraction]], output: Path, info: VideoInfo, codec: str,
                    audio_source: Path | None, video_end: float | None = None) -> list[str]:
    """Join segment files ``parts`` (path, exact time of its first frame in seconds) into ``output``
    (atomically) with the audio of ``audio_source``. Returns notes. ``video_end``: where the
    film's last frame ends by its stated duration (for the note on a file that ends early)."""
    if not parts:
        raise VidcolorError("no segments to join")
    notes: list[str] = []
    first = _open_segment(parts[0][0])
    try:
        template = first.streams.video[0]
        extradata, time_base = template.codec_context.extradata, template.time_base
        writer = SegmentConcat(output, info, template, codec, audio_source)
    except BaseException:
        first.close()
        raise
    fixed = 0
    try:
        last_dts = None
        for k, (path, first_time) in enumerate(parts):
            src = first if k == 0 else _open_segment(path)
            try:
                stream = src.streams.video[0]
                if stream.codec_context.extradata != extradata or stream.time_base != time_base:
                    raise VidcolorError(f"segment '{path.name}' was encoded with other settings than "
                                        f"'{parts[0][0].name}' (codec headers differ); delete the work folder and rerun")
                offset = None
                for packet in src.demux(stream):
                    if not packet.size:
                        continue
                    if offset is None:  # the first packet is the segment's first (key)frame
                        exact = round(first_time / stream.time_base)
                        offset = exact - packet.pts if path.suffix.lower() in _MOV_EXTS else 0
                    packet.pts += offset
                    if packet.dts is None:  # Matroska stores no dts: keep the muxer's check happy
                        packet.dts = None if last_dts is None else min(last_dts + 1, packet.pts)
                    else:
                        packet.dts += offset
                    if packet.dts is not None:
                        if last_dts is not None and packet.dts <= last_dts:
                            packet.dts = last_dts + 1
                            packet.pts = max(packet.pts, packet.dts)
                            fixed += 1
                        last_dts = packet.dts
                    writer.write_packet(packet)
            finally:
                src.close()
        writer.close()
    except BaseException as exc:
        writer.abort(exc)
        raise
    notes.extend(writer.notes)
    early = ended_early_note(info, writer.media_end, writer.frames_written, video_end)
    if early:
        notes.append(early)
    if fixed:
        notes.append(f"moved {fixed} decode timestamp(s) at segment joins")
    return notes
