"""A short demonstration of the toolkit: class-incremental learning.

``python -m gwr.demo`` draws a few Gaussian classes, then teaches a
:class:`gwr.GrowingDualMemory` one class at a time, with and without
pseudo-rehearsal, and prints the accuracy on every class seen so far after
each class, with the memories' sizes and the time taken.
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


def run(n_classes=6, n_per_class=120, n_features=20, episode=5, epochs=10, replay=True, seed=0):
    """Class-incremental run; returns a list of (classes seen, E acc, S acc, sizes)."""
    X, y = make_classes(n_classes, 2 * n_per_class, n_features, seed)
    test = np.zeros(len(y), bool)
    test[1::2] = True
    gdm = GrowingDualMemory(random_state=seed)
    rows = []
    for c in range(n_classes):
        Xc = X[(y == c) & ~test]
        for start in range(0, len(Xc), episode):
            batch = Xc[start : start + episode]
            gdm.partial_fit(batch, np.full(len(batch), c), epochs=epochs)
            if replay:
                gdm.replay(epochs=3)
        seen = test & (y <= c)
        rows.append((c + 1, gdm.score(X[seen], y[seen], "episodic"),
                     gdm.score(X[seen], y[seen], "semantic"),
                     gdm.episodic.n_neurons_, gdm.semantic.n_neurons_))  # fmt: skip
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m gwr.demo", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--classes", type=int, default=6, help="number of classes (default 6)")
    parser.add_argument("--per-class", type=int, default=120, help="training inputs per class")
    parser.add_argument("--features", type=int, default=20, help="input dimension")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for replay in (False, True):
        t0 = time.perf_counter()
        rows = run(args.classes, args.per_class, args.features, replay=replay, seed=args.seed)
        took = time.perf_counter() - t0
        print(f"\nGrowingDualMemory, one class at a time, {'with' if replay else 'without'} replay "
              f"({took:.1f} s):")  # fmt: skip
        print("classes seen  GDM-E acc  GDM-S acc  GDM-E neurons  GDM-S neurons")
        for seen, acc_e, acc_s, n_e, n_s in rows:
            print(f"{seen:12d}  {acc_e:9.3f}  {acc_s:9.3f}  {n_e:13d}  {n_s:13d}")


if __name__ == "__main__":
    main()
