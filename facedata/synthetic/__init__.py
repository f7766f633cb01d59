"""Synthetic expressive faces: the project's embedded default data.

Procedural RGB faces of any number of persons, drawn with OpenCV, showing the
project's six classes (:data:`~facedata.dataset.CLASSES`: neutral, happy,
surprise, anger, fear, sad) at any intensity, as single images
(:func:`render_face`), as clips that go neutral -> apex -> neutral with head
motion, lighting changes and noise (:func:`render_clip`), as a video corpus in
the RAVDESS layout (:func:`write_ravdess_corpus`) and as a ready
:class:`~facedata.dataset.FaceDataset` (:func:`make_dataset`).

Its modules have one job each:

- :mod:`facedata.synthetic.persons`: the persons (:class:`SyntheticPerson`, from
  :func:`sample_persons`) and the action units they express with;
- :mod:`facedata.synthetic.drawing`: a person's face from action units, drawn with OpenCV;
- :mod:`facedata.synthetic.rendering`: single faces (with a :class:`Jitter` of pose,
  light and noise), expression sheets and clips;
- :mod:`facedata.synthetic.corpus`: RAVDESS-named videos on disk and face datasets.

Persons
-------
Each person (:class:`SyntheticPerson`, from :func:`sample_persons`) has its own
head shape (width, chin length, jaw taper), skin tone, hair (colour, style,
volume, hairline, parting), eyes (spacing, height, size, openness, tilt, iris
colour), brows (height, length, arch, thickness, colour), nose (length,
width) and mouth (height, width, lip thickness and colour).

Expressions from action units
-----------------------------
An expression is a vector of action-unit (AU) activations in [0, ~1.3]; the
renderer moves the face parts accordingly:

====  =====================  =================================================
AU    name                   drawn as
====  =====================  =================================================
1     inner brow raiser      inner brow ends up, forehead lines
2     outer brow raiser      outer brow ends up, forehead lines
4     brow lowerer           brows down and together, a vertical furrow, upper
                             lids slightly lowered
5     upper lid raiser       upper lids up: white shows above the iris
6     cheek raiser           lower lids pushed up (squint), crow's feet,
                             deeper nasolabial folds
12    lip corner puller      corners up and out, lips part a little, folds
15    lip corner depressor   corners down
20    lip stretcher          corners sideways, lips part a little
23    lip tightener          mouth narrower, lips thinner
24    lip pressor            lips pressed thin
26    jaw drop               lower lip and chin down: an open mouth, teeth
====  =====================  =================================================

The classes combine them as in Ekman's prototypes (values at full, "high",
intensity; "low" intensity scales them by :data:`INTENSITIES` ``["low"]``):

========  ===================================================
class     action units (:data:`PROTOTYPES`)
========  ===================================================
neutral   none
happy     6 + 12
surprise  1 + 2 + 5 + 26
anger     4 + 5 + 23 + 24 (24 weaker)
fear      1 + 2 + 4 + 5 + 20 + 26
sad       1 + 4 + 15
========  ===================================================

Individual differences
----------------------
So that a model personalised to a person beats one trained on others, every
person also differs in *how* it expresses:

- expressivity: a gain on all its action units (0.6 to 1.25);
- asymmetry: one side of the face moves more than the other (up to 35 %);
- a resting-face offset: some persons look a little sad, smiling, frowning,
  wide-eyed or tight-lipped at rest (added to every expression, neutral too);
- idiosyncratic variants of classes (:data:`VARIANTS`), e.g. a smile without
  cheek raise, a surprise without jaw drop, an anger with an open mouth;
- its own weights on each action unit of each class (0.75 to 1.25).

Nothing here is random at render time except through explicit seeds: the same
arguments give identical arrays.
"""

from .corpus import RAVDESS_EMOTIONS, make_dataset, ravdess_name, write_ravdess_corpus, write_video
from .persons import (
    ACTION_UNITS,
    INTENSITIES,
    PROTOTYPES,
    RESTING_FACES,
    VARIANTS,
    SyntheticPerson,
    sample_persons,
)
from .rendering import (
    BACKGROUND,
    Jitter,
    envelope,
    expression_sheet,
    face_box_in,
    render_clip,
    render_face,
)

__all__ = [
    "ACTION_UNITS",
    "BACKGROUND",
    "INTENSITIES",
    "PROTOTYPES",
    "RAVDESS_EMOTIONS",
    "RESTING_FACES",
    "VARIANTS",
    "Jitter",
    "SyntheticPerson",
    "envelope",
    "expression_sheet",
    "face_box_in",
    "make_dataset",
    "ravdess_name",
    "render_clip",
    "render_face",
    "sample_persons",
    "write_ravdess_corpus",
    "write_video",
]
