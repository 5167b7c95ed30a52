"""Shot-boundary (scene cut) detection, streaming, for gray or color frames.

A content detector in the manner of PySceneDetect's ``ContentDetector`` in luma-only mode: the
score between consecutive frames is the mean absolute difference of their luminance (0–255 scale)
on frames downscaled to 96 px wide and lightly blurred, plus the same on their edge maps (so two
shots of equal brightness still differ). A cut is declared when the score exceeds ``threshold``
*and* is ``ratio`` times the median score of the recent frames (camera pans and flashes raise every
recent score, a cut only one), with at least ``min_scene_len`` frames between cuts.

A candidate that passes both tests is then checked against motion (round 8): the previous frame is
moved onto the new one by optical flow (DIS on the same 96-px frames), an exposure change (gain and
offset) is fitted robustly, and on the textured half of the new frame (flat areas match anything)
the share of pixels is measured that match within :data:`MATCH_TOLERANCE` *and* whose flow is
consistent forward and backward (:data:`FB_TOLERANCE`: flow between unrelated pictures pairs up
texture locally, never consistently both ways). A new shot cannot be explained by moving the old
one, so a candidate where at least :data:`CONTINUITY` of that still holds is motion — a hand or a
car sweeping through the frame, the camera whipping round — not a cut. Content-difference
detectors fire on such frames (tree.avi of opencv-doc: a hand in front of the camera with a sun
flare, frame 59), and a false cut ends a reference keyframe's colors and the stabilizer's memory
mid-shot. Chosen on 200 pairs of each kind made from training photos
(``scripts/tune_cut_check.py``, ``docs/results/r8_tune_cut_check.txt``): two unrelated photos score
0–0.06, one photo moved by the camera (rotation, zoom, shift) 0.44–1.00, moved with a large occluder
and an exposure change 0.07–0.99 (median 0.77). At 0.25 every cut stays a cut and every camera move
and 98 % of the occluder pairs are rescued.
"""

from __future__ import annotations

import collections
import csv
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np


CONTINUITY = 0.25
"""Share of the new frame that the previous one, moved by optical flow, must still explain for a
cut candidate to count as motion instead (module docstring)."""
MATCH_TOLERANCE = 8.0
"""Difference (gray levels of 255, on the detector's blurred 96-px frames) under which a pixel of the
new frame matches the previous one moved onto it, after the exposure fit."""
FLAT = 2.0
"""A new frame whose gray levels (0–255, blurred 96-px frame) vary less than this (standard deviation)
is flat — black, a flash, a gray card — and cannot show continuity: the candidate stays a cut."""
FB_TOLERANCE = 1.0
"""Forward-backward flow disagreement (pixels of the 96-px frames) under which a match counts: flow
between unrelated pictures can still pair up texture locally, but not consistently both ways."""


def continuity(prev_small: np.ndarray, small: np.ndarray) -> float:
    """Share of the textured half of ``small`` (float32 gray, 0–255; gradient magnitude ≥ its
    median) explained by ``prev_small`` moved onto it by DIS flow: matching within
    :data:`MATCH_TOLERANCE` up to an exposure change ``g·x + o`` (fitted by least squares, then again
    on the better-matching half of the pixels, so an object entering the frame does not skew it),
    with forward and backward flow agreeing within :data:`FB_TOLERANCE`. In [0, 1]."""
    from vidcolor.flow.dis import compute_flow, pixel_grid

    a, b = prev_small.astype(np.float32), small.astype(np.float32)
    if float(b.std()) < FLAT:   # a flat frame (black, a white flash, a gray card) shows nothing that moved: a new shot
        return 0.0
    if min(b.shape) < 32:   # DIS needs room for its pyramid (it crashes on frames 8–15 px tall: very wide films)
        k = 32.0 / min(b.shape)
        size = (round(b.shape[1] * k), round(b.shape[0] * k))
        a, b = cv2.resize(a, size, interpolation=cv2.INTER_LINEAR), cv2.resize(b, size, interpolation=cv2.INTER_LINEAR)
    a8, b8 = np.clip(a, 0, 255).astype(np.uint8), np.clip(b, 0, 255).astype(np.uint8)
    flow, back = compute_flow(b8, a8, "medium"), compute_flow(a8, b8, "medium")
    h, w = b.shape
    xs, ys = pixel_grid(h, w)
    mx, my = cv2.add(xs, np.ascontiguousarray(flow[..., 0])), cv2.add(ys, np.ascontiguousarray(flow[..., 1]))
    moved = cv2.remap(a, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    # forward-backward check: where the flow is real, going there and back lands where it started
    fb = flow + cv2.remap(back, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    consistent = (cv2.magnitude(np.ascontiguousarray(fb[..., 0]), np.ascontiguousarray(fb[..., 1])) < FB_TOLERANCE).ravel()
    x, y = moved.ravel().astype(np.float64), b.ravel().astype(np.float64)
    keep = np.ones(x.size, bool)
    for _ in range(2):   # exposure: b ≈ g·moved + o, fitted on all pixels, then on the better-matching half
        g, o = np.polyfit(x[keep], y[keep], 1) if x[keep].std() > 1e-3 else (1.0, float(np.mean(y[keep] - x[keep])))
        if not 0.5 <= g <= 2.0:   # an exposure change, not a fade to flat: keep the gain plausible
            g = float(np.clip(g, 0.5, 2.0))
            o = float(np.median(y[keep] - g * x[keep]))
        r = np.abs(y - (g * x + o))
        keep = r <= np.median(r)
    gx, gy = cv2.Sobel(b, cv2.CV_32F, 1, 0), cv2.Sobel(b, cv2.CV_32F, 0, 1)
    grad = cv2.magnitude(gx, gy).ravel()
    textured = grad >= np.median(grad)   # flat areas match anything: only structure is evidence
    return float(((r < MATCH_TOLERANCE) & consistent)[textured].mean())


@dataclass(frozen=True)
class Cut:
    frame: int          # index of the first frame of the new scene
    time: float | None  # its presentation time in seconds
    score: float


class SceneDetector:
    def __init__(self, threshold: float = 18.0, ratio: float = 3.0, min_scene_len: int = 8, window: int = 15, verify: bool = True):
        """``verify``: check each candidate against motion (module docstring); False: content tests only."""
        self.threshold, self.ratio, self.min_len, self.verify = threshold, ratio, min_scene_len, verify
        self.recent: collections.deque = collections.deque(maxlen=window)
        self.prev: tuple[np.ndarray, np.ndarray] | None = None
        self.last_cut = -(10**9)
        self.cuts: list[Cut] = []

    @staticmethod
    def _features(gray_u8: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h, w = gray_u8.shape[:2]
        small = cv2.resize(gray_u8, (96, max(8, round(96 * h / w))), interpolation=cv2.INTER_AREA)
        small = cv2.GaussianBlur(small, (3, 3), 0).astype(np.float32)
        edges = np.abs(cv2.Sobel(small, cv2.CV_32F, 1, 0)) + np.abs(cv2.Sobel(small, cv2.CV_32F, 0, 1))
        return small, np.minimum(edges, 255.0)

    def update(self, index: int, gray_u8: np.ndarray, time: float | None = None) -> bool:
        """Feed frame ``index`` (uint8 ``(H,W)``); True when it starts a new scene."""
        feats = self._features(gray_u8)
        cut = False
        if self.prev is not None:
            score = float(0.5 * np.abs(feats[0] - self.prev[0]).mean() + 0.5 * np.abs(feats[1] - self.prev[1]).mean())
            # with little history, demand twice the threshold instead of the ratio test
            need = self.ratio * float(np.median(self.recent)) if len(self.recent) >= 3 else 2 * self.threshold
            if (score > self.threshold and score > need and index - self.last_cut >= self.min_len
                    and (not self.verify or continuity(self.prev[0], feats[0]) < CONTINUITY)):
                cut = True
                self.last_cut = index
                self.cuts.append(Cut(index, time, score))
            self.recent.append(score)
        self.prev = feats
        return cut


def write_cut_list(path: str | Path, cuts: list[Cut], n_frames: int, duration: float | None) -> None:
    """CSV of scenes: ``scene,start_frame,end_frame,start_time,end_time`` (end exclusive), written
    atomically (never half a file under ``path``)."""
    from vidcolor.io.atomic import atomic_output

    starts = [(0, 0.0)] + [(c.frame, c.time) for c in cuts]
    with atomic_output(path) as tmp, open(tmp, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["scene", "start_frame", "end_frame", "start_time", "end_time"])
        for i, (f, t) in enumerate(starts):
            end_f, end_t = (starts[i + 1] if i + 1 < len(starts) else (n_frames, duration))
            fmt = lambda x: "" if x is None else f"{x:.3f}"  # noqa: E731
            w.writerow([i + 1, f, end_f, fmt(t), fmt(end_t)])
