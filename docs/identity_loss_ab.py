"""Does an identity loss help the ``real`` model keep the person? One measured A/B.

The ``real`` preset trains without an identity loss (no VGG-Face; FER2013 has no
persons to train an identity network on). The alternative measured here: an identity
network trained on a public identity-labelled set (Labeled Faces in the Wild: the
persons with 10 to 29 photos), used as the identity loss while the trained model is
fine-tuned, against the same fine-tuning without it; identity is then judged on the LFW
persons with 30 photos or more (never seen by the identity network), expressions and
reconstruction on FER2013's validation split.

    python docs/identity_loss_ab.py --fer FER_ROOT --lfw-train LFW/images_10_29 \
        --lfw-judge LFW/images_30_plus [--model imagination/weights/real.keras] [--steps 300]

Prints one Markdown table; writes nothing into the repository.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def fine_tuned(trained, faces, steps: int, identity_network=None, id_weight: float = 0.0):
    """A copy of ``trained`` fine-tuned ``steps`` adversarial steps on ``faces``, with the
    identity loss of ``identity_network`` at ``id_weight`` (none when None)."""
    from imagination import CAAE
    from imagination.data import to_tf_dataset

    cfg = trained.config.replace(warmup_epochs=0, id_weight=id_weight)
    model = CAAE(cfg, identity_network=identity_network)
    model.copy_weights_from(trained)
    model.compile()
    data = to_tf_dataset(faces, cfg.batch_size, seed=7)
    model.fit(data.take(steps), epochs=1, verbose=0)
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fer", type=Path, required=True)
    parser.add_argument(
        "--lfw-train",
        type=Path,
        required=True,
        help="<person>/<photos> of the identity network's persons",
    )
    parser.add_argument(
        "--lfw-judge",
        type=Path,
        required=True,
        help="<person>/<photos> of the judged persons (30 photos or more)",
    )
    parser.add_argument("--model", type=Path)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--id-weight", type=float, default=0.33)
    args = parser.parse_args()

    from facedata import load as load_faces
    from imagination import load, load_pretrained
    from imagination.evaluate import ExpressionEvaluator
    from imagination.identity_keeping import IdentityEvaluator, person_photos
    from imagination.identity_network import train_identity_network
    from imagination.preprocess import to_grey

    trained = load(args.model, compile=False) if args.model else load_pretrained("real")
    size = trained.config.image_size
    faces, _ = load_faces("fer2013", args.fer, image_size=size, progress=False)
    expressions = ExpressionEvaluator(
        faces.for_split("train"),
        faces.for_split("validation"),
        inputs_per_class=50,
        source="FER2013 validation",
    )
    train = faces.for_split("train")
    images, persons, _ = person_photos(args.lfw_judge, size, progress=False)
    identity = IdentityEvaluator(images, persons, source="LFW, 30+ photos")
    id_images, id_persons, _ = person_photos(args.lfw_train, size, min_photos=10, progress=False)
    start = time.perf_counter()
    network = train_identity_network(to_grey(id_images), id_persons, size, epochs=30)
    report = network.training_report
    print(
        f"identity network: {len(set(id_persons))} LFW persons, held-out accuracy "
        f"{report['accuracy']:.3f} (chance {report['chance']:.4f}), "
        f"{time.perf_counter() - start:.0f} s"
    )
    arms = {
        "as shipped": trained,
        f"+{args.steps} steps, no identity loss": fine_tuned(trained, train, args.steps),
        f"+{args.steps} steps, identity loss {args.id_weight}": fine_tuned(
            trained, train, args.steps, network, args.id_weight
        ),
    }
    print(
        "\n| model | identity kept (LFW) | expression ratio (FER val) | reconstruction L1 |"
        "\n| --- | --- | --- | --- |"
    )
    for name, model in arms.items():
        kept, quality = identity(model), expressions(model)
        print(
            f"| {name} | {kept.identity_kept:.3f} (judge {kept.judge_accuracy:.3f}) | "
            f"{quality.expression_ratio:.2f} | {quality.reconstruction_l1:.4f} "
            f"(mean {quality.mean_image_l1:.4f}) |"
        )


if __name__ == "__main__":
    main()
