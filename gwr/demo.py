"""A short demonstration of the toolkit: class-incremental learning.

``python -m gwr.demo`` draws a few Gaussian classes, then teaches a
:class:`gwr.GrowingDualMemory` one class at a time: with its defaults, with
pseudo-rehearsal, and with the published code's global edge ageing. It prints
the accuracy on every class seen so far after each class, the memories' sizes
and the time taken.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from .memory import GrowingDualMemory


def make_classes(n_classes: int, n_per_class: int, n_features: int, seed: int):
    """Gaussian classes around well-separated centres, scaled so that GDM's
    default thresholds fit (distances of order 1)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=1.5, size=(n_classes, n_features))
    X = np.concatenate([c + 0.25 * rng.normal(size=(n_per_class, n_features)) for c in centres])
    y = np.repeat(np.arange(n_classes), n_per_class)
    return X, y


SETTINGS = {
    "defaults": ({}, False),
    "defaults + replay": ({}, True),
    'aging="global"': ({"aging": "global"}, False),
}


def run(
    n_classes=6, n_per_class=120, n_features=20, episode=5, epochs=10, replay=True, seed=0, **params
):
    """Class-incremental run; returns rows of (classes seen, E acc, S acc, E and S sizes)."""
    X, y = make_classes(n_classes, 2 * n_per_class, n_features, seed)
    test = np.zeros(len(y), bool)
    test[1::2] = True
    gdm = GrowingDualMemory(random_state=seed, **params)
    rows = []
    for c in range(n_classes):
        Xc = X[(y == c) & ~test]
        for start in range(0, len(Xc), episode):
            batch = Xc[start : start + episode]
            gdm.partial_fit(batch, np.full(len(batch), c), epochs=epochs)
            if replay:
                gdm.replay(epochs=3)
        seen = test & (y <= c)
        rows.append(
            (
                c + 1,
                gdm.score(X[seen], y[seen], "episodic"),
                gdm.score(X[seen], y[seen], "semantic"),
                gdm.episodic.n_neurons_,
                gdm.semantic.n_neurons_,
            )
        )
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m gwr.demo",
        description="Teach a GrowingDualMemory Gaussian classes one at a time (defaults, "
        "with replay, with global edge ageing) and print the accuracy on all classes seen.",
    )
    parser.add_argument("--classes", type=int, default=6, help="number of classes (default 6)")
    parser.add_argument("--per-class", type=int, default=120, help="training inputs per class")
    parser.add_argument("--features", type=int, default=20, help="input dimension")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(
        f"{args.classes} Gaussian classes in {args.features} dimensions, learnt one class at a "
        f"time in episodes of 5 inputs x 10 epochs; accuracy on the test inputs of every class "
        f"seen so far (GDM-E / GDM-S)."
    )
    results = {}
    for name, (params, replay) in SETTINGS.items():
        t0 = time.perf_counter()
        rows = run(
            args.classes, args.per_class, args.features, replay=replay, seed=args.seed, **params
        )
        results[name] = (rows, time.perf_counter() - t0)
    print("\nclasses seen" + "".join(f"  {name:>22}" for name in results))
    for i in range(args.classes):
        cells = "".join(f"  {rows[i][1]:>13.3f} / {rows[i][2]:.3f}" for rows, _ in results.values())
        print(f"{i + 1:12d}{cells}")
    print(
        "neurons E/S "
        + "".join(f"  {rows[-1][3]:>15d} / {rows[-1][4]:<4d}" for rows, _ in results.values())
    )
    print("seconds     " + "".join(f"  {t:>22.1f}" for _, t in results.values()))
    print(
        '\naging="global" is the edge ageing of the published GDM code: every edge ages on '
        "every input, so\nthe neurons of earlier classes lose their edges and are removed."
    )


if __name__ == "__main__":
    main()
