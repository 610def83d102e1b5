#!/usr/bin/python3
"""The Python half of experiments/weights_python_test.sh.

  make-data DIR              writes a small learnable data set in CIFAR-10's
                             binary format: DIR/data_batch_1.bin (1,000
                             images), DIR/test_batch.bin (500)
  compare TEST_BIN RESULTS CHECKPOINTS
                             for every result file in RESULTS, loads its
                             weights file from CHECKPOINTS into the PyTorch
                             peer (baselines/peer/sdbench_weights.py),
                             evaluates TEST_BIN with the run's test-time rule
                             and compares the test error with sdbench's final
                             one: at most one image of the test set may be
                             classified differently (float sums in another
                             order can flip a near-tie)
"""

import glob
import json
import os
import sys

import numpy as np
import torch

import sdbench_weights

RECORD = 3073


def make_data(directory):
    os.makedirs(directory, exist_ok=True)
    rng = np.random.default_rng(2016)
    # Each class: a coarse 4x4 colour pattern; images are that pattern under
    # heavy noise, so a small net learns it in a few epochs, not perfectly.
    patterns = rng.uniform(0, 255, (10, 3, 4, 4))

    def batch(count):
        labels = rng.integers(0, 10, count)
        base = np.kron(patterns[labels], np.ones((1, 1, 8, 8)))
        noise = rng.uniform(0, 255, (count, 3, 32, 32))
        images = np.clip(0.4 * base + 0.6 * noise, 0, 255).astype(np.uint8)
        records = np.concatenate([labels.astype(np.uint8)[:, None],
                                  images.reshape(count, -1)], axis=1)
        return records.tobytes()

    for name, count in (("data_batch_1.bin", 1000), ("test_batch.bin", 500)):
        with open(os.path.join(directory, name), "wb") as f:
            f.write(batch(count))


def read_cifar10(path):
    raw = np.fromfile(path, dtype=np.uint8).reshape(-1, RECORD)
    labels = torch.from_numpy(raw[:, 0].astype(np.int64))
    images = torch.from_numpy(raw[:, 1:].reshape(-1, 3, 32, 32).copy())
    return images, labels


def compare(test_bin, results, checkpoints):
    images, labels = read_cifar10(test_bin)
    files = sorted(glob.glob(os.path.join(results, "*.json")))
    if not files:
        sys.exit(f"no result files in {results}")
    tolerance = 100.0 / len(labels)  # One image, in percent.
    failed = False
    for result_path in files:
        with open(result_path) as f:
            result = json.load(f)
        name = os.path.basename(result_path)[:-len(".json")]
        model, saved = sdbench_weights.load(os.path.join(checkpoints, name + ".weights.pt"))
        with torch.no_grad():
            logits = model(sdbench_weights.normalize(images, saved))
        python_error = 100.0 * (logits.argmax(1) != labels).double().mean().item()
        sdbench_error = result["summary"]["final_test_error_percent"]
        verdict = "ok" if abs(python_error - sdbench_error) <= tolerance + 1e-9 else "DIFFERS"
        print(f"{name}: sdbench test error {sdbench_error:.2f}%, PyTorch peer "
              f"{python_error:.2f}% ({saved['model']['test_scaling']} test-time rule, "
              f"conv_bias {saved['model']['conv_bias']}, shortcut {saved['model']['shortcut']}; "
              f"tolerance {tolerance:.2f} points): {verdict}")
        # A trained model, not chance (90%): the comparison means something.
        if verdict != "ok" or not 0 < sdbench_error < 50:
            failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "make-data":
        make_data(sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "compare":
        compare(*sys.argv[2:])
    else:
        sys.exit(__doc__)
