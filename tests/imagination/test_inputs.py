"""The checks of what reaches an imagination model (imagination.inputs), on their own: the
one check of face arrays that the CAAE, the identity network's training and a person's
model share."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis.extra.numpy import arrays

from imagination.inputs import (
    RANGE_TOLERANCE,
    InputTypeError,
    check_images,
    check_labels,
    check_latent,
)


def test_uint8_images_map_to_minus_one_one_by_hand():
    pixels = np.array([0, 51, 255], np.uint8).reshape(1, 1, 3).repeat(4, 0).reshape(1, 2, 2, 3)
    out = check_images(pixels, 2)
    assert out.dtype == np.float32 and out.shape == (1, 2, 2, 3)
    np.testing.assert_allclose(out[0, 0, 0], [-1.0, -0.6, 1.0], atol=1e-7)


@given(arrays(np.uint8, (2, 4, 4, 3)))
def test_uint8_conversion_is_x_over_127_5_minus_1(pixels):
    out = check_images(pixels)
    expected = pixels.astype(np.float64) / 127.5 - 1
    np.testing.assert_allclose(out, expected, atol=1e-6)
    assert out.min() >= -1 and out.max() <= 1


def test_floats_within_the_tolerance_are_clipped_and_beyond_it_refused():
    x = np.zeros((1, 4, 4, 3), np.float32)
    x[0, 0, 0, 0] = 1 + RANGE_TOLERANCE / 2
    x[0, 0, 0, 1] = -1 - RANGE_TOLERANCE / 2
    out = check_images(x, 4)
    assert out[0, 0, 0, 0] == 1.0 and out[0, 0, 0, 1] == -1.0
    x[0, 0, 0, 0] = 1 + 2 * RANGE_TOLERANCE
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        check_images(x, 4)


def test_without_a_size_any_square_side_passes_and_other_shapes_say_what_came():
    assert check_images(np.zeros((3, 40, 40, 3), np.float32)).shape == (3, 40, 40, 3)
    assert check_images(np.zeros((1, 7, 7, 3), np.uint8)).shape == (1, 7, 7, 3)
    with pytest.raises(ValueError, match=r"square RGB face crops.*\(2, 40, 32, 3\).*not square"):
        check_images(np.zeros((2, 40, 32, 3), np.float32))
    with pytest.raises(ValueError, match="1 channels; RGB has 3"):
        check_images(np.zeros((2, 40, 40, 1), np.float32))
    with pytest.raises(ValueError, match=r"images of 40x40; this model takes 32x32"):
        check_images(np.zeros((2, 40, 40, 3), np.float32), 32)


def test_one_image_is_a_batch_of_one_only_when_asked():
    face = np.zeros((16, 16, 3), np.float32)
    with pytest.raises(ValueError, match=r"one image \(16, 16, 3\): use frames\[None\]"):
        check_images(face, name="frames")
    assert check_images(face, 16, single=True).shape == (1, 16, 16, 3)
    with pytest.raises(ValueError, match=r"got \(1, 16, 12, 3\).*not square"):
        check_images(face[:, :12], name="frames", single=True)


def test_no_images_and_wrong_dtypes_name_the_input():
    with pytest.raises(ValueError, match=r"no frames given.*\(0, 8, 8, 3\)"):
        check_images(np.zeros((0, 8, 8, 3), np.float32), name="frames")
    with pytest.raises(InputTypeError, match="floats in \\[-1, 1\\] or uint8") as caught:
        check_images(np.zeros((1, 8, 8, 3), np.int32))
    # a TypeError, and a ValueError for callers that treat all bad input as one
    assert isinstance(caught.value, TypeError) and isinstance(caught.value, ValueError)
    with pytest.raises(TypeError, match="numeric"):
        check_images(np.array([["a"]]))
    with pytest.raises(ValueError, match="2 NaN or infinite"):
        check_images(np.array([[[[np.nan, np.inf, 0]]]], np.float32))


def test_labels_and_codes():
    np.testing.assert_array_equal(check_labels(2, 3, 6), [2, 2, 2])
    np.testing.assert_array_equal(check_labels(np.array([[1.0], [5.0]]), 2, 6), [1, 5])
    assert check_labels([0, 1], 2, 6).dtype == np.int32
    with pytest.raises(ValueError, match=r"class ids in 0..5; got values in \[0, 6\]"):
        check_labels([0, 6], 2, 6)
    with pytest.raises(TypeError, match="non-integer"):
        check_labels([0.5, 1.0], 2, 6)
    assert check_latent(np.zeros(50), 50).shape == (1, 50)
    with pytest.raises(ValueError, match=r"z must have shape \(n, 50\); got \(2, 7\)"):
        check_latent(np.zeros((2, 7)), 50)
    with pytest.raises(ValueError, match="NaN"):
        check_latent(np.full((1, 50), np.nan), 50)
