"""Floating-point operation counts of the CAAE, for the performance checks in ``bench/``.

Counts are of multiply-adds in convolutions, transposed convolutions and dense
layers (2 FLOPs each), the operations that dominate the cost; biases,
activations, normalisation and the losses are left out, as is usual. A
training step is counted as three times the forward FLOPs of every sub-model
pass it makes (the backward pass of a layer costs about twice its forward pass:
one product for the input gradient, one for the weight gradient), the
convention behind "model FLOPs utilisation".
"""

from __future__ import annotations

import math

import keras


def layer_flops(layer: keras.layers.Layer) -> int:
    """Forward FLOPs of one layer for one input example (0 for layers without products)."""
    if isinstance(layer, keras.layers.Conv2DTranspose):
        # every input pixel scatters a k x k x c_out patch
        _, h, w, c_in = layer.input.shape
        kh, kw = layer.kernel_size
        return 2 * h * w * kh * kw * c_in * layer.filters
    if isinstance(layer, keras.layers.Conv2D):
        # every output pixel gathers a k x k x c_in patch
        _, h, w, c_out = layer.output.shape
        kh, kw = layer.kernel_size
        c_in = layer.input.shape[-1]
        return 2 * h * w * kh * kw * c_in * c_out
    if isinstance(layer, keras.layers.Dense):
        rows = math.prod(layer.input.shape[1:-1])
        return 2 * rows * layer.input.shape[-1] * layer.units
    if isinstance(layer, keras.Model):
        return forward_flops(layer)
    return 0


def forward_flops(model: keras.Model) -> int:
    """Forward FLOPs of a functional or sequential model for one input example."""
    return sum(layer_flops(layer) for layer in model.layers)


def training_step_flops(model, batch_size: int, *, adversarial: bool = True) -> int:
    """FLOPs of one :class:`~imagination.caae.CAAE` training step on ``batch_size`` images.

    The adversarial step runs E once and G, D_img, D_z, C twice each (on real and
    on generated data); the warm-up step runs E once and G once, or twice with
    paired translation. An identity network adds two passes.
    """
    e, g = forward_flops(model.encoder), forward_flops(model.generator)
    pairs = model.config.pair_weight > 0
    if adversarial:
        passes = (
            e
            + 2 * g
            + 2 * forward_flops(model.image_discriminator)
            + 2 * forward_flops(model.latent_discriminator)
            + 2 * forward_flops(model.classifier)
        )
    else:
        passes = e + (2 if pairs else 1) * g
    if model.identity_network is not None:
        passes += 2 * forward_flops(model.identity_network)
    return 3 * passes * batch_size


def inference_flops(model, *, classes: int = 0) -> int:
    """FLOPs of encoding one image and generating it under ``classes`` labels."""
    return forward_flops(model.encoder) + classes * forward_flops(model.generator)
