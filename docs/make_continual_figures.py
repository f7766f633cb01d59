"""Regenerate the figures and the numbers of ``docs/continual-learning.md``.

    python docs/make_continual_figures.py            # about a minute on 2 cores

A :class:`gwr.GrowingDualMemory` with its defaults (the CLIFER values: episodes
of 5 samples, 10 epochs per episode) learns scikit-learn's handwritten digits
(64 features scaled by 1/16, 70/30 stratified split) in five ways:

- batch: the same episodes of 5 with the training data of all the classes
  seen so far shuffled together, from scratch for each number of classes;
- one class at a time (class 0's training samples, then class 1's, ...), with
  the defaults (``aging="bmu"``), with pseudo-rehearsal (``replay()`` after
  every episode), with ``aging="global"`` (the published GDM code's ageing),
  and with ``aging="global"`` and replay.

After each class it measures the accuracy of GDM-E and GDM-S on the test
samples of every class seen so far, and on each class alone. It writes
``docs/figures/continual-*.png`` and rewrites the blocks between
``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->`` in the page.
Split seed 0 gives the figures; seeds 0-4 (split, shuffling and the memories'
``random_state``) give the spread.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import time
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numba
import sklearn
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors

import gwr
from gwr import GrowingDualMemory

DOCS = Path(__file__).resolve().parent
FIGURES = DOCS / "figures"
PAGE = DOCS / "continual-learning.md"

EPISODE = 5  # samples per episode (CLIFER)
EPOCHS = 10  # epochs per episode (CLIFER; GrowingDualMemory.partial_fit's default)
N_CLASSES = 10
MEMORIES = ("episodic", "semantic")
SHORT = {"episodic": "GDM-E", "semantic": "GDM-S"}

# name: (label, GrowingDualMemory parameters, replay after every episode)
INCREMENTAL = {
    "bmu": ("one class at a time (defaults)", {}, False),
    "replay": ("one class at a time + replay", {}, True),
    "global": ('one class at a time, aging="global"', {"aging": "global"}, False),
    "global_replay": ('aging="global" + replay', {"aging": "global"}, True),
}
STYLE = {
    "batch": dict(color="black", ls="--", marker="s"),
    "bmu": dict(color="tab:blue", ls="-", marker="o"),
    "replay": dict(color="tab:green", ls="-", marker="^"),
    "global": dict(color="tab:red", ls="-", marker="v"),
    "global_replay": dict(color="tab:orange", ls=":", marker="D"),
}
# the published GDM code on the same data (docs/algorithms.md, Differences from
# the published reference code)
REFERENCE = {
    "batch": {"episodic": 0.985},
    "bmu": {},
    "replay": {},
    "global": {"episodic": 0.16, "semantic": 0.58},
    "global_replay": {"episodic": 0.60, "semantic": 0.34},
}


def load_split(seed: int):
    """Digits scaled to [0, 1], 70/30 split stratified by class."""
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, test_size=0.3, stratify=y, random_state=seed)


def per_class_accuracy(gdm, X_test, y_test) -> np.ndarray:
    """(memory, class) accuracy on each class's test samples."""
    out = np.zeros((len(MEMORIES), N_CLASSES))
    for m, memory in enumerate(MEMORIES):
        pred = gdm.predict(X_test, memory=memory)
        for c in range(N_CLASSES):
            out[m, c] = np.mean(pred[y_test == c] == c)
    return out


def seen_accuracy(gdm, X_test, y_test, n_seen: int) -> np.ndarray:
    """(memory,) accuracy on the test samples of classes 0 .. n_seen - 1."""
    mask = y_test < n_seen
    return np.array([gdm.score(X_test[mask], y_test[mask], memory=m) for m in MEMORIES])


def run_incremental(split, seed: int, params: dict, replay: bool) -> dict:
    """One class at a time; measurements after each class."""
    X_train, X_test, y_train, y_test = split
    gdm = GrowingDualMemory(random_state=seed, **params)
    seen = np.zeros((N_CLASSES, len(MEMORIES)))
    matrix = np.zeros((len(MEMORIES), N_CLASSES, N_CLASSES))  # after class i, on class j
    neurons = np.zeros((N_CLASSES, len(MEMORIES)), np.int64)
    train_s = 0.0
    for c in range(N_CLASSES):
        Xc = X_train[y_train == c]
        t0 = time.perf_counter()
        for start in range(0, len(Xc), EPISODE):
            X_ep = Xc[start : start + EPISODE]
            gdm.partial_fit(X_ep, np.full(len(X_ep), c), epochs=EPOCHS)
            if replay:
                gdm.replay()
        train_s += time.perf_counter() - t0
        seen[c] = seen_accuracy(gdm, X_test, y_test, c + 1)
        matrix[:, c] = per_class_accuracy(gdm, X_test, y_test)
        neurons[c] = [gdm.episodic.n_neurons_, gdm.semantic.n_neurons_]
    # GDM-S queried with the test inputs themselves instead of GDM-E's winners
    semantic_raw = gdm.semantic.score(X_test, y_test)
    return dict(
        seen=seen,
        matrix=matrix,
        neurons=neurons,
        inserted=gdm.episodic.n_inserted_,
        semantic_raw=semantic_raw,
        train_s=train_s,
    )


def run_batch(split, seed: int, n_seen: int, params: dict | None = None) -> dict:
    """All classes 0 .. n_seen - 1 at once: the same episodes of 5, shuffled."""
    X_train, X_test, y_train, y_test = split
    gdm = GrowingDualMemory(random_state=seed, **(params or {}))
    order = np.random.default_rng(seed).permutation(np.flatnonzero(y_train < n_seen))
    t0 = time.perf_counter()
    for start in range(0, len(order), EPISODE):
        ep = order[start : start + EPISODE]
        gdm.partial_fit(X_train[ep], y_train[ep], epochs=EPOCHS)
    train_s = time.perf_counter() - t0
    return dict(
        seen=seen_accuracy(gdm, X_test, y_test, n_seen),
        neurons=np.array([gdm.episodic.n_neurons_, gdm.semantic.n_neurons_]),
        train_s=train_s,
    )


def run_batch_curve(split, seed: int) -> dict:
    """Batch learning of classes 0 .. k, from scratch, for every k."""
    runs = [run_batch(split, seed, k + 1) for k in range(N_CLASSES)]
    return dict(
        seen=np.array([r["seen"] for r in runs]),
        neurons=np.array([r["neurons"] for r in runs]),
        train_s=runs[-1]["train_s"],  # all ten classes at once
    )


def run_all(seed: int) -> dict:
    split = load_split(seed)
    results = {"batch": run_batch_curve(split, seed)}
    for name, (_, params, replay) in INCREMENTAL.items():
        results[name] = run_incremental(split, seed, params, replay)
    return results


# -- figures -------------------------------------------------------------------
def label_of(name: str) -> str:
    return "batch (all seen classes at once)" if name == "batch" else INCREMENTAL[name][0]


def plot_accuracy(results: dict, path: Path) -> None:
    x = np.arange(1, N_CLASSES + 1)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), sharey=True)
    for m, (ax, memory) in enumerate(zip(axes, MEMORIES, strict=True)):
        for name, res in results.items():
            ax.plot(x, res["seen"][:, m], label=label_of(name), lw=1.8, ms=5, **STYLE[name])
            ref = REFERENCE[name].get(memory)
            if ref is not None:
                ax.plot(
                    [N_CLASSES + 0.35],
                    [ref],
                    marker="*",
                    ms=13,
                    ls="none",
                    color=STYLE[name]["color"],
                    markeredgecolor="black",
                )
        if memory == "episodic":  # the curves near 1 overlap: zoom on them
            inset = ax.inset_axes((0.33, 0.43, 0.62, 0.36))
            for name, res in results.items():
                if name != "global":
                    inset.plot(x, res["seen"][:, m], lw=1.5, ms=4, **STYLE[name])
            inset.set_ylim(0.975, 1.002)
            inset.set_xticks(x)
            inset.tick_params(labelsize=7)
            inset.grid(alpha=0.3)
            inset.set_title("zoom: 0.975 - 1", fontsize=8)
        ax.set_title(f"{SHORT[memory]} ({memory} memory)")
        ax.set_xlabel("classes learnt (digits 0 .. k-1)")
        ax.set_xticks(x)
        ax.set_xlim(0.6, N_CLASSES + 0.7)
        ax.set_ylim(-0.02, 1.04)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("test accuracy on all classes seen so far")
    handles, labels = axes[0].get_legend_handles_labels()
    handles.append(
        plt.Line2D([], [], marker="*", ms=12, ls="none", color="grey", markeredgecolor="black")
    )
    labels.append("published GDM code at the end (same colour: same setting)")
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=9, frameon=False)
    fig.suptitle("GrowingDualMemory defaults on sklearn digits: one class at a time vs batch")
    fig.tight_layout(rect=(0, 0.13, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_matrices(results: dict, path: Path) -> None:
    names = ("bmu", "replay", "global")
    titles = {"bmu": "defaults", "replay": "defaults + replay", "global": 'aging="global"'}
    fig, axes = plt.subplots(2, 3, figsize=(13, 8.6), layout="constrained")
    for m, memory in enumerate(MEMORIES):
        for k, name in enumerate(names):
            ax = axes[m, k]
            mat = results[name]["matrix"][m]
            shown = np.where(np.tri(N_CLASSES, dtype=bool), mat, np.nan)  # unseen: blank
            im = ax.imshow(shown, vmin=0, vmax=1, cmap="viridis")
            for i in range(N_CLASSES):
                for j in range(i + 1):
                    v = mat[i, j]
                    ax.text(
                        j,
                        i,
                        f"{100 * v:.0f}",
                        ha="center",
                        va="center",
                        fontsize=7.5,
                        color="black" if v > 0.6 else "white",
                    )
            ax.set_title(f"{SHORT[memory]}, one class at a time, {titles[name]}", fontsize=10.5)
            ax.set_xticks(range(N_CLASSES))
            ax.set_yticks(range(N_CLASSES))
            ax.set_xlabel("test class")
            ax.set_ylabel("after learning class")
    fig.colorbar(im, ax=axes, shrink=0.6, label="accuracy on the test class")
    fig.suptitle("Per-class test accuracy (%) as the digit classes arrive one at a time")
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_neurons(results: dict, path: Path) -> None:
    x = np.arange(1, N_CLASSES + 1)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for m, (ax, memory) in enumerate(zip(axes, MEMORIES, strict=True)):
        for name, res in results.items():
            ax.plot(x, res["neurons"][:, m], label=label_of(name), lw=1.8, ms=5, **STYLE[name])
        ax.set_title(f"{SHORT[memory]}: neurons")
        ax.set_xlabel("classes learnt")
        ax.set_xticks(x)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("live neurons")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# -- the page's numbers --------------------------------------------------------
def fmt(v: float) -> str:
    return f"{v:.3f}"


def table_final(results: dict) -> str:
    rows = [
        "| setting | GDM-E | GDM-S | GDM-E neurons | GDM-S neurons | training time | "
        "published GDM code (E / S) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, res in results.items():
        e, s = res["seen"][-1]
        ne, ns = res["neurons"][-1]
        ref = REFERENCE[name]
        ref_s = " / ".join(fmt(ref[m]) if m in ref else "-" for m in MEMORIES) if ref else ""
        rows.append(
            f"| {label_of(name)} | {fmt(e)} | {fmt(s)} | {ne} | {ns} | "
            f"{res['train_s']:.1f} s | {ref_s} |"
        )
    return "\n".join(rows)


def table_curve(results: dict) -> str:
    names = list(results)
    head = "| classes learnt | " + " | ".join(label_of(n) for n in names) + " |"
    rows = [head, "| ---: |" + " ---: |" * len(names)]
    for k in range(N_CLASSES):
        cells = [
            f"{fmt(results[n]['seen'][k, 0])} / {fmt(results[n]['seen'][k, 1])}" for n in names
        ]
        rows.append(f"| {k + 1} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def table_seeds(per_seed: list[dict]) -> str:
    names = list(per_seed[0])
    rows = [
        "| setting | GDM-E mean (min - max) | GDM-S mean (min - max) |",
        "| --- | --- | --- |",
    ]
    for name in names:
        finals = np.array([r[name]["seen"][-1] for r in per_seed])
        cells = [
            f"{fmt(finals[:, m].mean())} ({fmt(finals[:, m].min())} - {fmt(finals[:, m].max())})"
            for m in range(len(MEMORIES))
        ]
        rows.append(f"| {label_of(name)} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def table_thresholds(seed: int, thresholds=(0.4, 0.3, 0.2, 0.1)) -> str:
    split = load_split(seed)
    rows = [
        "| GDM-E a_T | batch E / S | one class at a time E / S | "
        "GDM-E neurons (batch / one at a time) |",
        "| ---: | --- | --- | --- |",
    ]
    for a_t in thresholds:
        params = {"episodic_activation_threshold": a_t}
        b = run_batch(split, seed, N_CLASSES, params)
        i = run_incremental(split, seed, params, replay=False)
        default = " (default)" if a_t == 0.4 else ""
        rows.append(
            f"| {a_t}{default} | {fmt(b['seen'][0])} / {fmt(b['seen'][1])} | "
            f"{fmt(i['seen'][-1, 0])} / {fmt(i['seen'][-1, 1])} | "
            f"{b['neurons'][0]} / {i['neurons'][-1, 0]} |"
        )
    return "\n".join(rows)


def sample_store(results: dict, seed: int) -> str:
    """How close GDM-E is to a store of the training samples."""
    X_train, X_test, y_train, y_test = load_split(seed)
    nn = NearestNeighbors(n_neighbors=2).fit(X_train)
    d = nn.kneighbors(X_train)[0][:, 1]
    one_nn = KNeighborsClassifier(n_neighbors=1).fit(X_train, y_train).score(X_test, y_test)
    bmu, glob = results["bmu"], results["global"]
    return (
        f"- training samples: {len(y_train)}, test samples: {len(y_test)}; median distance "
        f"from a training sample to its nearest other training sample: {np.median(d):.2f} "
        f"(activation {np.exp(-np.median(d)):.2f}); {np.mean(np.exp(-d) < 0.4):.0%} of the "
        f"training samples are farther than the insertion distance -ln 0.4 = 0.92 from all "
        f"the others;\n"
        f"- GDM-E, one class at a time, defaults: {bmu['inserted']} neurons inserted (besides "
        f"the 2 starting ones), {bmu['neurons'][-1, 0]} alive at the end; with "
        f'`aging="global"`: {glob["inserted"]} inserted, {glob["neurons"][-1, 0]} alive;\n'
        f"- a 1-nearest-neighbour classifier on all the training samples "
        f"(scikit-learn): {fmt(one_nn)};\n"
        f'- GDM-S after `aging="global"`, queried with the test inputs themselves instead '
        f"of GDM-E's winners: {fmt(glob['semantic_raw'])} (through GDM-E, as `predict` does: "
        f"{fmt(glob['seen'][-1, 1])}); GDM-S keeps {glob['neurons'][-1, 1]} neurons, as many "
        f"as with the default ageing ({bmu['neurons'][-1, 1]})."
    )


def table_replay_capacity(results: dict, seed: int, max_ages=(600, 400)) -> str:
    """Global ageing with replay, for smaller GDM-E max_age."""
    split = load_split(seed)
    rows = [
        "| GDM-E max_age | GDM-E, all 10 classes | mean over classes 0-4 | mean over 5-9 | "
        "GDM-E neurons inserted / alive |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    runs = [(1000, results["global_replay"])]
    runs += [
        (a, run_incremental(split, seed, {"aging": "global", "episodic_max_age": a}, True))
        for a in max_ages
    ]
    for max_age, res in runs:
        per_class = res["matrix"][0, -1]
        default = " (default)" if max_age == 1000 else ""
        rows.append(
            f"| {max_age}{default} | {fmt(res['seen'][-1, 0])} | {fmt(per_class[:5].mean())} | "
            f"{fmt(per_class[5:].mean())} | {res['inserted'] + 2} / {res['neurons'][-1, 0]} |"
        )
    return "\n".join(rows)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{datetime.date.today().isoformat()}, {os.cpu_count()} cores ({cpu}), "
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"numba {numba.__version__}, scikit-learn {sklearn.__version__}, gwr {gwr.__version__}"
    )


def write_blocks(blocks: dict[str, str]) -> None:
    """Replace each ``<!-- generated:NAME -->`` block of the page."""
    if not PAGE.exists():
        for name, text in blocks.items():
            print(f"\n[{name}]\n{text}")
        return
    page = PAGE.read_text()
    for name, text in blocks.items():
        pattern = re.compile(
            rf"(<!-- generated:{name} -->\n).*?(<!-- /generated:{name} -->)", re.DOTALL
        )
        page, n = pattern.subn(lambda m, t=text: m.group(1) + t + "\n" + m.group(2), page)
        if n != 1:
            print(f"warning: block {name!r} not found in {PAGE.name}; it reads:\n{text}")
    PAGE.write_text(page)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds for the spread (default 5)")
    args = parser.parse_args(argv)
    FIGURES.mkdir(exist_ok=True)

    # compile (or load from numba's cache) the kernels before timing anything
    warm = GrowingDualMemory(random_state=0).partial_fit(np.eye(8, 64), np.arange(8) % 2)
    warm.replay()
    GrowingDualMemory(aging="global").partial_fit(np.eye(8, 64), np.arange(8) % 2)

    t0 = time.perf_counter()
    per_seed = []
    for seed in range(args.seeds):
        per_seed.append(run_all(seed))
        print(f"seed {seed} done ({time.perf_counter() - t0:.0f} s)", flush=True)
    results = per_seed[0]
    plot_accuracy(results, FIGURES / "continual-accuracy.png")
    plot_matrices(results, FIGURES / "continual-class-matrix.png")
    plot_neurons(results, FIGURES / "continual-neurons.png")
    blocks = {
        "final": table_final(results),
        "curve": table_curve(results),
        "seeds": table_seeds(per_seed),
        "thresholds": table_thresholds(0),
        "store": sample_store(results, 0),
        "capacity": table_replay_capacity(results, 0),
        "machine": f"Generated by `python docs/make_continual_figures.py` on {machine()}; "
        f"the script took {time.perf_counter() - t0:.0f} s.",
    }
    write_blocks(blocks)
    for text in blocks.values():
        print(text, end="\n\n")


if __name__ == "__main__":
    main()
