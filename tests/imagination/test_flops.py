"""FLOP counts, against hand-computed ones."""

import keras

from imagination import CAAE
from imagination.flops import forward_flops, layer_flops, training_step_flops


def test_hand_computed_layers():
    inputs = keras.Input((8, 8, 3))
    conv = keras.layers.Conv2D(4, 5, strides=2, padding="same")
    up = keras.layers.Conv2DTranspose(2, 3, strides=2, padding="same")
    flat = keras.layers.Flatten()
    dense = keras.layers.Dense(7)
    x = conv(inputs)  # 4x4x4 output, each a 5x5x3 patch
    y = up(x)  # 4x4x4 input pixels, each scattering a 3x3x2 patch
    out = dense(flat(y))  # 8*8*2 = 128 inputs
    model = keras.Model(inputs, out)
    assert layer_flops(conv) == 2 * (4 * 4) * (5 * 5 * 3) * 4 == 9600
    assert layer_flops(up) == 2 * (4 * 4 * 4) * (3 * 3) * 2 == 2304
    assert layer_flops(dense) == 2 * 128 * 7
    assert layer_flops(flat) == 0
    assert forward_flops(model) == 9600 + 2304 + 2 * 128 * 7


def test_dense_on_sequences_counts_every_row():
    inputs = keras.Input((5, 3))
    dense = keras.layers.Dense(2)
    keras.Model(inputs, dense(inputs))
    assert layer_flops(dense) == 2 * 5 * 3 * 2


def test_training_step_counts_every_pass(tiny_cfg):
    model = CAAE(tiny_cfg)
    e, g = forward_flops(model.encoder), forward_flops(model.generator)
    d, dz, c = (
        forward_flops(m)
        for m in (model.image_discriminator, model.latent_discriminator, model.classifier)
    )
    assert training_step_flops(model, 10) == 3 * 10 * (e + 2 * g + 2 * d + 2 * dz + 2 * c)
    assert tiny_cfg.pair_weight > 0
    assert training_step_flops(model, 10, adversarial=False) == 3 * 10 * (e + 2 * g)
    assert g > e > 0
