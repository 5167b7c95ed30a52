"""Contact sheets: thumbnail grids with captions, for checking data by eye."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def contact_sheet(items: list[tuple[np.ndarray, str]], path: Path, tile: int = 200, cols: int = 8) -> None:
    """Grid of thumbnails (BGR or BGRA over gray) with captions; one PNG per 64 items."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for page in range(0, max(len(items), 1), cols * 8):
        chunk = items[page: page + cols * 8]
        if not chunk:
            break
        cells = []
        for im, cap in chunk:
            h, w = im.shape[:2]
            s = tile / max(h, w)
            t = cv2.resize(im, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
            cell = np.full((tile + 16, tile, 3), 96, np.uint8)
            if t.shape[2] == 4:
                a = t[..., 3:4] / 255.0
                t = (t[..., :3] * a + 96 * (1 - a)).astype(np.uint8)
            cell[: t.shape[0], : t.shape[1]] = t
            cv2.putText(cell, cap[:34], (2, tile + 12), cv2.FONT_HERSHEY_SIMPLEX, 0.32, (255, 255, 255), 1)
            cells.append(cell)
        while len(cells) % cols:
            cells.append(np.zeros_like(cells[0]))
        sheet = np.vstack([np.hstack(cells[i: i + cols]) for i in range(0, len(cells), cols)])
        suffix = f"_{page // (cols * 8)}" if len(items) > cols * 8 else ""
        cv2.imwrite(str(path.with_name(path.stem + suffix + ".png")), sheet)
