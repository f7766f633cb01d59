"""Face detection's cost per image on 2 cores: MTCNN (the default) against the Haar
cascade, on real photos at their own size and on the copy the live finder detects on
(a 640x480 frame scaled to 320x240), and a tracking step against a detection.

No target: the figures size the live finder (docs/benchmarks.md, "Face detection").
Times are the best of several rounds, the detectors alternating; what is compared is
their ratio in this run.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import cv2
import matplotlib.cbook
import matplotlib.image
import numpy as np
import pytest
import skimage.data

pytest.importorskip("mtcnn")

from facedata.faces import detector_named
from facedata.tracking import FaceTracker


def _photos() -> dict[str, np.ndarray]:
    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as f:
        hopper = cv2.cvtColor(matplotlib.image.imread(f), cv2.COLOR_RGB2BGR)
    astronaut = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)
    frame = np.full((480, 640, 3), 110, np.uint8)  # a video call: the face a third of the height
    frame[60:460, 170:470] = cv2.resize(astronaut[20:420, 100:400], (300, 400))
    return {
        "astronaut_512": astronaut,
        "grace_hopper_600x512": hopper,
        "frame_320x240": cv2.resize(frame, (320, 240), interpolation=cv2.INTER_AREA),
    }


def test_detection_cost_per_image(benchmark, record, best_times):
    mtcnn, haar = detector_named("mtcnn"), detector_named("haar")
    photos = _photos()
    for image in photos.values():  # warm: networks traced, cascade loaded
        assert mtcnn.detect(image) and haar.detect(image)
    runs = {}
    for name, image in photos.items():
        runs[f"mtcnn_{name}"] = lambda image=image: [mtcnn.detect(image) for _ in range(5)]
        runs[f"haar_{name}"] = lambda image=image: [haar.detect(image) for _ in range(5)]
    frame = photos["frame_320x240"]
    tracker = FaceTracker(mtcnn, every=10**9)
    tracker.update(frame)
    moved = np.roll(frame, 3, axis=1)
    runs["tracking_step_320x240"] = lambda: [tracker.update(f) for f in [moved, frame] * 5]
    best = best_times(runs, repeats=5)
    benchmark.pedantic(runs["mtcnn_frame_320x240"], rounds=1, iterations=1)
    ms = {k: 1000 * v / (10 if k.startswith("tracking") else 5) for k, v in best.items()}
    assert tracker.detections == 1  # every step was tracked, none detected
    figures = {f"{k}_ms": v for k, v in ms.items()}
    for name in photos:
        figures[f"mtcnn_over_haar_{name}"] = ms[f"mtcnn_{name}"] / ms[f"haar_{name}"]
    figures["detection_over_tracking_320x240"] = (
        ms["mtcnn_frame_320x240"] / ms["tracking_step_320x240"]
    )
    record(benchmark, "face_detection_cost", target="(figures only)", holds=True, **figures)
