"""Live recognition speed: ``python -m clifer.personal predict``'s loop (decoding the video,
finding the face, cropping it, encoding it, asking the person's memory) in frames per
second, on a 640x480 video of a synthetic person, with the shipped ``cpu`` model.

Target: at least 30 frames per second (a camera's rate) with the default face finder:
MTCNN on a copy scaled to 240 pixels every 10th frame, Lucas-Kanade tracking in between,
crops aligned on the eyes. Also measured in the same run, round-robin, for comparison:
MTCNN every 3rd frame and on every frame, and the Haar cascade on every frame (the
finder before MTCNN), each with the faces it found and the share of frames whose
expression the person's memory named right (learnt on default-finder crops); and the
share of a frame's time each part of the default loop takes (decoding, finding and
cropping, encoding and the memory).
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

pytest.importorskip("tensorflow")
pytest.importorskip("mtcnn")

from clifer import PersonalModel
from clifer.live import FaceFinder, frames, recognise
from facedata import CLASSES
from facedata.synthetic import render_clip, sample_persons, write_video
from facedata.tracking import DEFAULT_EVERY

TARGET_FPS = 30.0
SIZE = (640, 480)
FINDERS = {  # name: (detector, detect every k frames)
    "mtcnn_tracked": ("mtcnn", DEFAULT_EVERY),
    "mtcnn_every_3": ("mtcnn", 3),
    "mtcnn_every_frame": ("mtcnn", 1),
    "haar_every_frame": ("haar", 1),
}


def test_live_recognition_speed(benchmark, record, best_times, tmp_path):
    from imagination import load_pretrained

    model = load_pretrained()
    person = sample_persons(1, 3)[0]
    pm = PersonalModel(model)
    for c in range(len(CLASSES)):
        finder = FaceFinder(model.config.image_size)
        images, _ = render_clip(person, c, 30, frame_size=SIZE, face_size=300, seed=c)
        crops = [finder.crop(np.ascontiguousarray(i[..., ::-1]))[1] for i in images]
        pm.observe(np.stack([c for c in crops if c is not None]), c)
    video = tmp_path / "call.mp4"
    clips = [
        render_clip(person, c, 30, frame_size=SIZE, face_size=300, seed=50 + c)[0]
        for c in range(len(CLASSES))
    ]
    write_video(video, np.concatenate(clips), 30)
    n = 30 * len(CLASSES)
    truth = np.repeat(np.arange(len(CLASSES)), 30)
    found = {}

    def loop(name):
        detector, every = FINDERS[name]
        finder = FaceFinder(model.config.image_size, detector=detector, every=every)
        labels = np.array([a.label for _, a in recognise(pm, frames(video=video), finder)])
        found[name] = (
            (labels >= 0).sum(),
            finder.tracker.detections,
            float((labels == truth).mean()),
        )
        return len(labels)

    for name in FINDERS:
        assert loop(name) == n  # warm: traced encoder and networks, loaded cascade
    loops = {name: (lambda name=name: loop(name)) for name in FINDERS}
    seconds = best_times(loops, repeats=2)
    decoded = [f.image for f in frames(video=video)]

    def find_all():
        finder = FaceFinder(model.config.image_size)
        return [finder.crop(image) for image in decoded]

    parts = best_times(
        {"decode": lambda: sum(1 for _ in frames(video=video)), "find": find_all}, repeats=2
    )
    benchmark.pedantic(loops["mtcnn_tracked"], rounds=1, iterations=1)
    fps = {name: n / s for name, s in seconds.items()}
    default = seconds["mtcnn_tracked"]
    per_finder = {}
    for name in FINDERS:
        faces, detections, right = found[name]
        per_finder.update(
            {
                f"{name}_frames_per_s": fps[name],
                f"{name}_faces_found": int(faces),
                f"{name}_detections": detections,
                f"{name}_named_right": right,
            }
        )
    record(
        benchmark,
        "personal_predict",
        target=f">= {TARGET_FPS:.0f} frames/s",
        holds=fps["mtcnn_tracked"] >= TARGET_FPS,
        frames=n,
        detect_every=DEFAULT_EVERY,
        frames_per_s=fps["mtcnn_tracked"],
        **per_finder,
        decode_share=parts["decode"] / default,
        find_crop_share=parts["find"] / default,
        encode_memory_share=max(0.0, 1 - (parts["decode"] + parts["find"]) / default),
    )
