"""Where simulated users put their hints (vidcolor.evaluation.placement)."""

from __future__ import annotations

import numpy as np

from vidcolor.evaluation.placement import worst_places


def test_places_start_on_the_worst_colored_object_stay_on_wrong_colors_and_keep_apart():
    original = np.full((120, 160, 3), 128, np.uint8)
    original[30:70, 90:140] = (230, 20, 20)           # a vivid red object …
    original[80:110, 10:40] = (110, 150, 110)         # … and a dull green one
    auto = np.full_like(original, 128)                # the model left both gray
    places = worst_places(auto, original, 4)
    x0, y0 = places[0]
    assert 90 <= x0 < 140 and 30 <= y0 < 70           # the largest chroma error first
    wrong = lambda x, y: (90 <= x < 140 and 30 <= y < 70) or (10 <= x < 40 and 80 <= y < 110)  # noqa: E731
    assert all(wrong(x, y) for x, y in places)        # never on the (correct) gray background
    assert all(np.hypot(a[0] - b[0], a[1] - b[1]) >= 12 for i, a in enumerate(places) for b in places[:i])


def test_no_error_no_place():
    img = np.full((50, 60, 3), 90, np.uint8)
    assert worst_places(img, img, 4) == []
