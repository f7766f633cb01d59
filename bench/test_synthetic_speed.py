"""Synthetic faces: at least 500 frames of 96x96 per second on one core.

``render_face`` with a random :class:`~facedata.synthetic.Jitter` per frame (head
pose, scale, position, lighting, noise), cycling through subjects and classes;
``render_clip`` (160x128 frames with a 96-pixel face image) is reported alongside.
OpenCV is held to one thread so that the figure is per core.
"""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest

from facedata import synthetic as S

TARGET = 500.0  # frames per second
N_FRAMES = 600


@pytest.fixture
def one_thread():
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    yield
    cv2.setNumThreads(threads)


def test_render_face_speed(benchmark, record, one_thread):
    people = S.sample_persons(6, seed=0)
    rng = np.random.default_rng(0)
    jitters = [S.Jitter.random(rng) for _ in range(N_FRAMES)]
    for person in people:  # draw and cache each subject's still parts once
        S.render_face(person, 0, size=96)

    def faces():
        for i, jitter in enumerate(jitters):
            S.render_face(people[i % 6], (i // 6) % 6, 1.0, 96, jitter=jitter)

    benchmark.pedantic(faces, rounds=5, iterations=1)
    face_fps = N_FRAMES / benchmark.stats.stats.min

    t0 = time.perf_counter()
    S.render_clip(people[0], 2, 300, seed=1)
    clip_fps = 300 / (time.perf_counter() - t0)
    target = f">= {TARGET:.0f} frames/s of 96x96 with jitter"
    record(
        benchmark,
        "synthetic_faces",
        target=target,
        holds=face_fps >= TARGET,
        render_face_fps=face_fps,
        render_clip_fps=clip_fps,
    )
    assert face_fps >= TARGET
