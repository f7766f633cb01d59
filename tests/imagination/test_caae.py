"""The CAAE keras.Model: training, schedules, callbacks, saving, the imagination API, bad input,
MirroredStrategy and determinism, on a tiny 32x32 config."""

import csv
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from imagination import CAAE, ClassifierWeightSchedule, WarmupSchedule, load
from imagination.callbacks import with_schedules

ADVERSARIAL = ("loss_img_g", "loss_img_d", "loss_z_e", "loss_z_d", "loss_cls", "loss_cls_g")


def small_identity_network(size=32):
    """A frozen-able stand-in for VGG-Face: two conv blocks, their maps as a list."""
    images = keras.Input((size, size, 3))
    a = keras.layers.Conv2D(4, 3, strides=2, activation="relu", name="block1")(images)
    b = keras.layers.Conv2D(8, 3, strides=2, activation="relu", name="block2")(a)
    return keras.Model(images, [a, b], name="identity")


def weights_of(model):
    return [keras.ops.convert_to_numpy(w) for w in model.weights]


# ----------------------------------------------------------------------------- training


def test_warmup_reduces_reconstruction_loss(tiny_cfg, faces):
    images, labels = faces
    keras.utils.set_random_seed(0)  # fit's shuffling: without it the run depends on test order
    model = CAAE(tiny_cfg.replace(warmup_epochs=100))
    model.compile()
    history = model.fit(images, labels, epochs=20, batch_size=8, verbose=0).history
    assert history["loss_rec"][-1] < 0.8 * history["loss_rec"][0]
    mean_image_error = np.abs(images - images.mean(axis=0)).mean()
    assert history["loss_rec"][-1] < mean_image_error
    assert not model.adversarial
    assert all(v == 0 for key in ADVERSARIAL for v in history[key])


def test_warmup_then_adversarial(trained, tiny_cfg):
    """Epoch 0 is the auto-encoder alone; from epoch 1 the adversarial metrics appear."""
    model, history = trained
    assert model.adversarial
    for key in ADVERSARIAL:
        assert history[key][0] == 0, key
        assert history[key][1] > 0 and np.isfinite(history[key][1]), key
    assert history["loss_rec"][1] > 0
    # the classifier's weight on generated images in the last epoch (epoch 1, the first
    # after the one-epoch warm-up): w * exp(-0)
    assert float(model.cls_gen_weight) == pytest.approx(tiny_cfg.cls_weight, 1e-6)


def test_identity_network_is_frozen_and_used(tiny_cfg, faces):
    images, labels = faces
    net = small_identity_network()
    before = weights_of(net)
    model = CAAE(tiny_cfg, identity_network=net)
    model.compile()
    history = model.fit(images[:16], labels[:16], epochs=2, batch_size=8, verbose=0).history
    assert not net.trainable
    assert all(v > 0 for v in history["loss_id"])
    for a, b in zip(before, weights_of(net), strict=True):
        np.testing.assert_array_equal(a, b)


def test_tf_data_dicts_uint8_and_standard_callbacks(tiny_cfg, faces, tmp_path):
    """fit on a tf.data pipeline of dict batches of uint8 images, with ModelCheckpoint,
    CSVLogger and EarlyStopping on the validation loss."""
    images, labels = faces
    raw = np.round((images + 1) * 127.5).astype(np.uint8)
    train = tf.data.Dataset.from_tensor_slices({"images": raw, "labels": labels}).batch(8)
    val = tf.data.Dataset.from_tensor_slices((images[:16], labels[:16])).batch(8)
    model = CAAE(tiny_cfg)
    model.compile()
    csv_path, ckpt = tmp_path / "log.csv", tmp_path / "ckpt.keras"
    callbacks = [
        keras.callbacks.ModelCheckpoint(ckpt, monitor="val_loss"),
        keras.callbacks.CSVLogger(csv_path),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=5),
    ]
    model.fit(train, validation_data=val, epochs=2, callbacks=callbacks, verbose=0)
    rows = list(csv.DictReader(csv_path.open()))
    assert len(rows) == 2 and {"loss_img_d", "val_loss", "val_loss_rec"} <= set(rows[0])
    assert float(rows[0]["loss_img_d"]) == 0 and float(rows[1]["loss_img_d"]) > 0
    assert ckpt.is_file() and not list(tmp_path.glob(".ckpt*"))  # no temporary file left
    loaded = load(ckpt)
    np.testing.assert_allclose(loaded.encode(images[:4]), model.encode(images[:4]), atol=1e-6)


def test_evaluate_reports_reconstruction(trained, faces):
    model, _ = trained
    images, labels = faces
    result = model.evaluate(images, labels, batch_size=8, verbose=0, return_dict=True)
    assert set(result) == {"loss", "loss_rec", "loss_id", "loss_tv", "loss_cls", "acc_cls"}
    assert 0 < result["loss_rec"] < 2 and 0 <= result["acc_cls"] <= 1


# ----------------------------------------------------------------------------- schedules


def test_schedule_callbacks(tiny_cfg):
    model = CAAE(tiny_cfg.replace(warmup_epochs=2, cls_weight_min=0.0))
    cls_schedule, warmup = ClassifierWeightSchedule(), WarmupSchedule()
    for cb in (cls_schedule, warmup):
        cb.set_model(model)
    for epoch in (0, 1, 2, 3, 5):  # the decay starts with the adversarial epochs (2)
        cls_schedule.on_epoch_begin(epoch)
        assert float(model.cls_gen_weight) == pytest.approx(
            tiny_cfg.cls_weight * np.exp(-max(0, epoch - 2)), 1e-6
        )
        warmup.on_epoch_begin(epoch)
        assert model.adversarial == (epoch >= 2)
    custom = ClassifierWeightSchedule(weight=2.0, start=0)  # the paper: from epoch 0
    custom.set_model(model)
    custom.on_epoch_begin(1)
    assert float(model.cls_gen_weight) == pytest.approx(2 * np.exp(-1), 1e-6)
    floored = ClassifierWeightSchedule(weight=2.0, start=0, minimum=0.5)
    floored.set_model(model)
    for epoch, expected in ((0, 2.0), (1, 2 * np.exp(-1)), (2, 0.5), (9, 0.5)):
        floored.on_epoch_begin(epoch)
        assert float(model.cls_gen_weight) == pytest.approx(expected, 1e-6)
    model.config = model.config.replace(cls_weight_min=0.03)  # the config's floor by default
    cls_schedule.on_epoch_begin(9)
    assert float(model.cls_gen_weight) == pytest.approx(0.03, 1e-6)
    mine = WarmupSchedule(5)
    added = with_schedules([mine])
    assert mine in added and sum(isinstance(c, WarmupSchedule) for c in added) == 1
    assert sum(isinstance(c, ClassifierWeightSchedule) for c in added) == 1
    with pytest.raises(ValueError, match="warmup_epochs"):
        WarmupSchedule(-1)


def test_no_warmup_starts_adversarial(tiny_cfg):
    assert CAAE(tiny_cfg.replace(warmup_epochs=0)).adversarial


def test_compile_refuses_jit_on_cpu_and_foreign_arguments(tiny_cfg):
    model = CAAE(tiny_cfg)
    if not tf.config.list_physical_devices("GPU"):
        with pytest.raises(ValueError, match="jit_compile"):
            model.compile(jit_compile=True)
    with pytest.raises(TypeError, match="no 'loss'"):
        model.compile(loss="mse")
    model.compile(eg_optimizer=keras.optimizers.SGD(0.1))
    assert model.optimizer is model.eg_optimizer and not model.jit_compile
    assert isinstance(model.d_img_optimizer, keras.optimizers.Adam)
    assert float(model.d_img_optimizer.learning_rate) == pytest.approx(tiny_cfg.learning_rate)


# ----------------------------------------------------------------------------- saving


def test_save_load_round_trip(trained, faces, tmp_path):
    model, _ = trained
    images, labels = faces
    path = tmp_path / "caae.keras"
    model.save(path)
    loaded = load(path)
    assert isinstance(loaded, CAAE) and loaded.config == model.config
    z = model.encode(images[:6])
    np.testing.assert_array_equal(loaded.encode(images[:6]), z)
    np.testing.assert_array_equal(loaded.generate(z, labels[:6]), model.generate(z, labels[:6]))
    assert float(loaded.cls_gen_weight) == pytest.approx(float(model.cls_gen_weight))
    # optimisers and their state come back, so training can resume
    assert loaded.compiled
    assert int(loaded.d_img_optimizer.iterations) == int(model.d_img_optimizer.iterations) > 0
    np.testing.assert_array_equal(
        loaded.eg_optimizer.variables[-1].numpy(), model.eg_optimizer.variables[-1].numpy()
    )


def test_save_load_with_identity_network(tiny_cfg, faces, tmp_path):
    images, _ = faces
    model = CAAE(tiny_cfg, identity_network=small_identity_network())
    model.save(tmp_path / "m.keras")
    loaded = load(tmp_path / "m.keras")
    assert loaded.identity_network is not None and not loaded.identity_network.trainable
    for a, b in zip(
        loaded.identity_network(images[:2]), model.identity_network(images[:2]), strict=True
    ):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_load_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no CAAE model file"):
        load(tmp_path / "missing.keras")
    text = tmp_path / "notes.keras"
    text.write_text("not a model")
    with pytest.raises(ValueError, match=r"not a \.keras model archive"):
        load(text)
    inputs = keras.Input((3,))
    other = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    other.save(tmp_path / "other.keras")
    with pytest.raises(TypeError, match="not an imagination CAAE"):
        load(tmp_path / "other.keras")


def test_save_needs_keras_suffix(tiny_cfg, tmp_path):
    with pytest.raises(ValueError, match=r"\.keras"):
        CAAE(tiny_cfg).save(tmp_path / "model.h5")


# ----------------------------------------------------------------------------- API


def test_api_shapes_and_ranges(trained, faces):
    model, _ = trained
    images, labels = faces
    cfg = model.config
    s = cfg.image_size
    z = model.encode(images[:10], batch_size=4)
    assert z.shape == (10, cfg.latent_dim) and z.dtype == np.float32 and np.abs(z).max() <= 1
    g = model.generate(z, labels[:10])
    assert g.shape == (10, s, s, 3) and np.abs(g).max() <= 1
    assert model.generate(z[0], 3).shape == (1, s, s, 3)  # one code, one label
    imagined = model.imagine(z[:3])
    assert imagined.shape == (3, 6, s, s, 3) and np.abs(imagined).max() <= 1
    two = model.imagine(z[:3], classes=[5, 1])
    np.testing.assert_allclose(two[:, 0], model.generate(z[:3], 5), atol=1e-5)
    np.testing.assert_allclose(two[:, 1], imagined[:, 1], atol=1e-5)
    rec = model.reconstruct(images[:10], labels[:10])
    assert rec.shape == images[:10].shape and np.abs(rec).max() <= 1
    np.testing.assert_allclose(rec, model.generate(z, labels[:10]), atol=1e-5)
    # uint8 input is converted by x / 127.5 - 1
    raw = np.round((images[:4] + 1) * 127.5).astype(np.uint8)
    np.testing.assert_allclose(model.encode(raw), model.encode(raw / 127.5 - 1), atol=1e-4)
    np.testing.assert_allclose(np.asarray(model((images[:2], labels[:2]))), rec[:2], atol=1e-5)


# ----------------------------------------------------------------------------- bad input

S = 32


@pytest.mark.parametrize(
    ("images", "error", "match"),
    [
        (np.zeros((2, 48, 48, 3), np.float32), ValueError, r"\(n, 32, 32, 3\).*48x48"),
        (np.zeros((2, S, S, 1), np.float32), ValueError, "1 channels; RGB has 3"),
        (np.zeros((2, 3, S, S), np.float32), ValueError, "channels first"),
        (np.zeros((S, S, 3), np.float32), ValueError, "one image"),
        (np.zeros((0, S, S, 3), np.float32), ValueError, "empty"),
        (np.full((2, S, S, 3), 200.0, np.float32), ValueError, r"\[-1, 1\].*x / 127.5 - 1"),
        (np.full((2, S, S, 3), np.nan, np.float32), ValueError, "NaN"),
        (np.zeros((2, S, S, 3), np.int64), TypeError, "uint8"),
        (np.array([["a"]]), TypeError, "numeric"),
    ],
)
def test_bad_images(trained, images, error, match):
    model, _ = trained
    with pytest.raises(error, match=match):
        model.encode(images)


@pytest.mark.parametrize(
    ("labels", "error", "match"),
    [
        (np.array([0, 1, 2]), ValueError, "got 3 labels for 4 images"),
        (np.array([0, 1, 2, 6]), ValueError, r"class ids in 0..5; got values in \[0, 6\]"),
        (np.array([0, 1, -1, 2]), ValueError, "class ids in 0..5"),
        (np.array([0.5, 1, 2, 3]), TypeError, "integer"),
        (np.zeros((4, 6)), ValueError, "1-D"),
    ],
)
def test_bad_labels(trained, faces, labels, error, match):
    model, _ = trained
    images, _ = faces
    with pytest.raises(error, match=match):
        model.reconstruct(images[:4], labels)
    with pytest.raises(error, match=match):
        model.fit(images[:4], labels, epochs=1, verbose=0)


def test_bad_fit_inputs(tiny_cfg, faces):
    images, labels = faces
    model = CAAE(tiny_cfg)
    model.compile()
    with pytest.raises(ValueError, match="needs labels"):
        model.fit(images, epochs=1, verbose=0)
    bad = images[:8].copy()
    bad[0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.fit(bad, labels[:8], epochs=1, verbose=0)
    wrong = tf.data.Dataset.from_tensor_slices(
        (np.zeros((8, 48, 48, 3), np.float32), labels[:8])
    ).batch(4)
    with pytest.raises(ValueError, match=r"\(n, 32, 32, 3\)"):
        model.fit(wrong, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"z must have shape \(n, 50\)"):
        model.generate(np.zeros((2, 7)), 0)
    with pytest.raises(TypeError, match="config"):
        CAAE("paper")
    with pytest.raises(TypeError, match="identity_network"):
        CAAE(tiny_cfg, identity_network=lambda x: x)


# ----------------------------------------------------------------------------- determinism


def test_same_seed_same_weights_after_training(tiny_cfg, faces):
    """Same config (seed) and data -> identical weights after warm-up and adversarial steps."""
    images, labels = faces

    def run():
        keras.utils.set_random_seed(0)
        model = CAAE(tiny_cfg)
        model.compile()
        model.fit(images[:16], labels[:16], epochs=2, batch_size=8, shuffle=False, verbose=0)
        return weights_of(model)

    first, second = run(), run()
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------------------- distribution

MIRRORED = textwrap.dedent(
    """
    import os, sys
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    import numpy as np
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from imagination import CAAE, preset

    cfg = preset("cpu", image_size=32, width=0.125, batch_size=8, warmup_epochs=1, seed=3)
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    assert strategy.num_replicas_in_sync == 2
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (32, 32, 32, 3)).astype("float32")
    y = rng.integers(0, 6, 32)
    with strategy.scope():
        model = CAAE(cfg)
        model.compile()
    before = [w.numpy() for w in model.generator.weights]
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0).history
    after = [w.numpy() for w in model.generator.weights]
    assert all(np.isfinite(v).all() for v in history.values())
    assert history["loss_img_d"][0] == 0 and history["loss_img_d"][1] > 0
    assert any(not np.array_equal(a, b) for a, b in zip(before, after))
    assert model.encode(x[:3]).shape == (3, 50)
    print("MIRRORED-OK", {k: round(v[-1], 4) for k, v in history.items()})
    """
)


def test_mirrored_strategy_on_two_logical_cpus(tmp_path):
    """fit under MirroredStrategy over 2 logical CPU devices (in a fresh interpreter, because
    logical devices must be set before TensorFlow initialises them)."""
    script = tmp_path / "mirrored.py"
    script.write_text(MIRRORED)
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "PYTHONPATH": str(root)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "MIRRORED-OK" in result.stdout


# ----------------------------------------------------------------------------- paired translation


def paired_batch(faces, n=8):
    """One batch whose pairs are the same subject's frames of the next class (hand-made)."""
    images, labels = faces  # 4 subjects x 6 classes x 2 frames, in that order
    src = np.arange(0, 2 * n, 2)
    dst = np.array([(i // 12) * 12 + ((labels[i] + 1) % 6) * 2 + 1 for i in src])
    return {
        "images": images[src],
        "labels": labels[src],
        "pair_images": images[dst],
        "pair_labels": labels[dst],
    }


@pytest.mark.parametrize("adversarial", [False, True])
def test_paired_translation_loss(tiny_cfg, faces, adversarial):
    """The reported loss_pair is L1(pair image, G(E(x), pair label)) before the update,
    and the update uses it (E and G move differently with pair_weight 0)."""
    batch = paired_batch(faces)
    data = tf.data.Dataset.from_tensors(batch)
    moved = {}
    for weight in (1.0, 0.0):
        model = CAAE(tiny_cfg.replace(pair_weight=weight, warmup_epochs=0 if adversarial else 5))
        model.compile()
        expected = np.mean(
            np.abs(model.reconstruct(batch["images"], batch["pair_labels"]) - batch["pair_images"])
        )
        logs = model.fit(data, epochs=1, verbose=0).history
        moved[weight] = model.encoder.get_weights()[0]
        if weight:
            assert logs["loss_pair"][0] == pytest.approx(expected, rel=1e-5)
        else:
            assert logs["loss_pair"][0] == 0.0
    assert not np.allclose(moved[1.0], moved[0.0])


@pytest.mark.parametrize("adversarial", [False, True])
def test_feature_loss(tiny_cfg, faces, adversarial):
    """The reported loss_feat is the contrastive loss of E(x) and E(pair) before the update
    (no pair in this batch shows the input's class), and it is 0 without a feature_weight."""
    batch = paired_batch(faces)
    data = tf.data.Dataset.from_tensors(batch)
    for weight in (0.5, 0.0):
        cfg = tiny_cfg.replace(
            pair_weight=1.0,
            feature_weight=weight,
            feature_margin=2.5,
            feature_loss="contrastive",
            expression_dims=0,
            warmup_epochs=0 if adversarial else 5,
        )
        model = CAAE(cfg)
        model.compile()
        d = np.linalg.norm(
            model.encode(batch["images"]) - model.encode(batch["pair_images"]), axis=1
        )
        logs = model.fit(data, epochs=1, verbose=0).history
        expected = np.mean(np.maximum(0, 2.5 - d) ** 2) if weight else 0.0
        assert logs["loss_feat"][0] == pytest.approx(expected, rel=1e-4, abs=1e-7)


def test_expression_part_of_z(tiny_cfg, faces, tmp_path):
    """With expression_dims, G and D_z ignore the last entries of z, the feature loss is
    measured on them alone, and the split survives saving."""
    k = 6
    cfg = tiny_cfg.replace(
        pair_weight=1.0,
        feature_weight=0.5,
        feature_margin=2.5,
        feature_loss="contrastive",
        expression_dims=k,
        warmup_epochs=5,
    )
    model = CAAE(cfg)
    model.compile()
    batch = paired_batch(faces)
    z = model.encode(batch["images"])
    other = z.copy()
    other[:, -k:] = np.random.default_rng(0).uniform(-1, 1, (len(z), k))
    labels = batch["labels"]
    np.testing.assert_array_equal(model.generate(z, labels), model.generate(other, labels))
    assert not np.allclose(model.generate(z, labels), model.generate(np.roll(z, 1, axis=1), labels))
    d_z = model.latent_discriminator
    np.testing.assert_array_equal(np.asarray(d_z(z)), np.asarray(d_z(other)))
    zp = model.encode(batch["pair_images"])
    d = np.linalg.norm(z[:, -k:] - zp[:, -k:], axis=1)
    logs = model.fit(tf.data.Dataset.from_tensors(batch), epochs=1, verbose=0).history
    assert logs["loss_feat"][0] == pytest.approx(
        np.mean(np.maximum(0, 2.5 - d) ** 2), rel=1e-4, abs=1e-7
    )
    # the two parts come from separate branches of E: changing one's weights leaves the
    # other part as it was (so G's losses never train the expression part, nor the
    # feature loss the person part)
    encoder = model.encoder
    before = model.encode(batch["images"])
    for layer, changed, kept in (
        ("conv1", slice(None, -k), slice(-k, None)),
        ("expression_conv1", slice(-k, None), slice(None, -k)),
    ):
        weights = encoder.get_layer(layer).get_weights()
        encoder.get_layer(layer).set_weights([w * 1.5 + 0.01 for w in weights])
        after = model.encode(batch["images"])
        np.testing.assert_array_equal(after[:, kept], before[:, kept])
        assert not np.allclose(after[:, changed], before[:, changed])
        encoder.get_layer(layer).set_weights(weights)
    model.save(tmp_path / "split.keras")
    loaded = load(tmp_path / "split.keras")
    assert loaded.config.expression_dims == k
    z = loaded.encode(batch["images"])
    np.testing.assert_array_equal(loaded.generate(z, labels), model.generate(z, labels))


@pytest.mark.parametrize("adversarial", [False, True])
def test_classify_feature_loss(tiny_cfg, faces, tmp_path, adversarial):
    """feature_loss "classify": the reported loss_feat is the cross-entropy of the expression
    head on the expression part of E(x) before the update (no pairs needed); the update
    trains the head; the head survives saving and inference_copy."""
    k = 6
    cfg = tiny_cfg.replace(
        feature_weight=0.5,
        feature_loss="classify",
        expression_dims=k,
        warmup_epochs=0 if adversarial else 5,
    )
    model = CAAE(cfg)
    model.compile()
    images, labels = faces
    head = model.expression_head
    logits = np.asarray(head(model.encode(images)[:, -k:]), np.float64)
    log_p = (
        logits
        - np.log(np.exp(logits - logits.max(1, keepdims=True)).sum(1, keepdims=True))
        - logits.max(1, keepdims=True)
    )
    expected = -np.mean(log_p[np.arange(len(labels)), labels])
    before = [w.copy() for w in head.get_weights()]
    logs = model.fit(images, labels, batch_size=len(images), epochs=1, verbose=0).history
    assert logs["loss_feat"][0] == pytest.approx(expected, rel=1e-4)
    assert not np.allclose(head.get_weights()[0], before[0])
    model.save(tmp_path / "head.keras")
    loaded = load(tmp_path / "head.keras")
    for a, b in zip(loaded.expression_head.get_weights(), head.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    copy = model.inference_copy()
    np.testing.assert_array_equal(copy.expression_head.get_weights()[0], head.get_weights()[0])
    with pytest.raises(ValueError, match="feature_loss"):
        tiny_cfg.replace(feature_loss="triplet")


def test_pairs_need_both_keys(tiny_cfg, faces):
    batch = paired_batch(faces)
    del batch["pair_labels"]
    model = CAAE(tiny_cfg)
    model.compile()
    with pytest.raises(ValueError, match="pair_images' and 'pair_labels"):
        model.fit(tf.data.Dataset.from_tensors(batch), epochs=1, verbose=0)


def test_inference_copy_is_smaller_and_imagines_the_same(trained, faces, tmp_path):
    model, _ = trained
    images, _ = faces
    model.save(tmp_path / "full.keras")
    copy = model.inference_copy()
    copy.save(tmp_path / "small.keras")
    loaded = load(tmp_path / "small.keras", compile=False)
    z = model.encode(images[:4])
    np.testing.assert_array_equal(loaded.encode(images[:4]), z)
    np.testing.assert_array_equal(loaded.imagine(z), model.imagine(z))
    assert loaded.identity_network is None and not loaded.compiled
    small, full = ((tmp_path / f).stat().st_size for f in ("small.keras", "full.keras"))
    assert small < 0.6 * full


def test_pretrained_errors_name_the_way_out():
    from imagination.pretrained import pretrained_path

    with pytest.raises(FileNotFoundError, match=r"python -m imagination\.train --preset nope"):
        pretrained_path("nope")
