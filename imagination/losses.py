"""The CAAE's loss terms (docs/algorithms.md, Imagination), each a few lines of ``keras.ops``.

Every function returns a scalar: the mean over the batch. Discriminator and
classifier outputs are logits, so the cross-entropies use ``from_logits=True``
(stable where a sigmoid followed by a log is not).
"""

from __future__ import annotations

from keras import ops


def reconstruction_loss(images, generated):
    """L_rec: mean absolute error between the inputs and their reconstructions (L1)."""
    return ops.mean(ops.abs(images - generated))


def total_variation_loss(images):
    """L_tv: total variation of generated images, as in the reference CAAE code.

    Half the sum of squared differences between vertical and between horizontal
    neighbours, divided by the image side, averaged over the batch. With the
    paper's weight 8.5e-5 it smooths without blurring.
    """
    side = ops.cast(ops.shape(images)[1], images.dtype)
    dv = ops.sum(ops.square(images[:, 1:, :, :] - images[:, :-1, :, :]), axis=(1, 2, 3))
    dh = ops.sum(ops.square(images[:, :, 1:, :] - images[:, :, :-1, :]), axis=(1, 2, 3))
    return ops.mean((dv + dh) / 2.0) / side


def identity_loss(identity_network, images, generated):
    """L_ID: sum over the identity network's feature maps of mean |f(x) - f(G(E(x), y))|.

    ``identity_network`` maps images in [-1, 1] to a list of feature maps (a single
    tensor counts as a list of one). Features of the real images carry no gradient.
    """
    real = _as_list(identity_network(images, training=False))
    fake = _as_list(identity_network(generated, training=False))
    if len(real) != len(fake):
        raise ValueError("the identity network returned different numbers of feature maps")
    total = 0.0
    for r, f in zip(real, fake, strict=True):
        total = total + ops.mean(ops.abs(ops.stop_gradient(r) - f))
    return total


def _as_list(outputs) -> list:
    """A model's outputs as a list (a dict's values in key order; one tensor as [tensor])."""
    if isinstance(outputs, dict):
        return [outputs[k] for k in sorted(outputs)]
    if isinstance(outputs, (list, tuple)):
        return list(outputs)
    return [outputs]


def _bce(target: float, logits):
    """Mean binary cross-entropy of ``logits`` against a constant ``target`` (0 or 1)."""
    targets = ops.full_like(logits, target)
    return ops.mean(ops.binary_crossentropy(targets, logits, from_logits=True))


def discriminator_loss(real_logits, fake_logits):
    """A discriminator's loss: BCE(1, D(real)) + BCE(0, D(fake))."""
    return _bce(1.0, real_logits) + _bce(0.0, fake_logits)


def adversarial_loss(fake_logits):
    """The loss of the model being judged (G for D_img, E for D_z): BCE(1, D(fake))."""
    return _bce(1.0, fake_logits)


def classifier_loss(labels, logits):
    """L_C: mean sparse categorical cross-entropy of class logits against integer labels."""
    return ops.mean(
        ops.sparse_categorical_crossentropy(ops.cast(labels, "int32"), logits, from_logits=True)
    )


def accuracy(labels, logits):
    """Fraction of rows whose arg-max logit is the label."""
    predicted = ops.cast(ops.argmax(logits, axis=-1), "int32")
    return ops.mean(ops.cast(ops.equal(predicted, ops.cast(labels, "int32")), "float32"))


def contrastive_loss(z, z_pair, same, margin: float):
    """L_feat: codes of one person's frames pulled together when they show the same class
    and pushed at least ``margin`` apart when they do not (Hadsell et al., 2006).

    ``mean(same * d^2 + (1 - same) * max(0, margin - d)^2)`` with ``d = ||z - z_pair||``.
    """
    d2 = ops.sum(ops.square(z - z_pair), axis=-1)
    d = ops.sqrt(d2 + 1e-12)
    same = ops.cast(same, z.dtype)
    return ops.mean(same * d2 + (1.0 - same) * ops.square(ops.relu(margin - d)))
