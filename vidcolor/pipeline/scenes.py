"""Shot-boundary (scene cut) detection, streaming, for gray or color frames.

A content detector in the manner of PySceneDetect's ``ContentDetector`` in luma-only mode: the
score between consecutive frames is the mean absolute difference of their luminance (0–255 scale)
on frames downscaled to 96 px wide and lightly blurred, plus the same on their edge maps (so two
shots of equal brightness still differ). A cut is declared when the score exceeds ``threshold``
*and* is ``ratio`` times the median score of the recent frames (camera pans and flashes raise every
recent score, a cut only one), with at least ``min_scene_len`` frames between cuts.
"""

from __future__ import annotations

import collections
import csv
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np


@dataclass(frozen=True)
class Cut:
    frame: int          # index of the first frame of the new scene
    time: float | None  # its presentation time in seconds
    score: float


class SceneDetector:
    def __init__(self, threshold: float = 18.0, ratio: float = 3.0, min_scene_len: int = 8, window: int = 15):
        self.threshold, self.ratio, self.min_len = threshold, ratio, min_scene_len
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
            if score > self.threshold and score > need and index - self.last_cut >= self.min_len:
                cut = True
                self.last_cut = index
                self.cuts.append(Cut(index, time, score))
            self.recent.append(score)
        self.prev = feats
        return cut


def write_cut_list(path: str | Path, cuts: list[Cut], n_frames: int, duration: float | None) -> None:
    """CSV of scenes: ``scene,start_frame,end_frame,start_time,end_time`` (end exclusive)."""
    starts = [(0, 0.0)] + [(c.frame, c.time) for c in cuts]
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["scene", "start_frame", "end_frame", "start_time", "end_time"])
        for i, (f, t) in enumerate(starts):
            end_f, end_t = (starts[i + 1] if i + 1 < len(starts) else (n_frames, duration))
            fmt = lambda x: "" if x is None else f"{x:.3f}"  # noqa: E731
            w.writerow([i + 1, f, end_f, fmt(t), fmt(end_t)])
