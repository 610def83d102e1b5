#!/usr/bin/python3
"""Loads the weights of a model trained by sdbench into the PyTorch model of
resnet_sd_peer.py, ready to evaluate.

    import sdbench_weights                       # baselines/peer on sys.path
    model, saved = sdbench_weights.load("checkpoints/.../stochastic_seed1.weights.pt")
    logits = model(sdbench_weights.normalize(images_uint8, saved))   # [N, 3, 32, 32]

A weights file (`runner --save_weights`, lib/training/model_file.h) is a
dict that torch.load reads: "state_dict" under this model's parameter names,
"model" (JSON: depth, classes, shortcut, test_branch_scale: what each block's
branch is multiplied by at test time, so the paper's rule and inverted
scaling both evaluate as sdbench does), "config" and "run" (JSON: the run's
resolved config and identity), "mean" and "scale" (the input normalisation
of the run's training split). Convolution biases are zeros when the run had
none. The model is returned in evaluation mode.
"""

import json

import torch

from resnet_sd_peer import ResNet

FORMAT = "sdbench-weights"
VERSION = 1


def load(path, map_location="cpu"):
    """Returns (model, saved): the peer ResNet with the file's weights, and
    the file's dict (its "model", "config" and "run" entries parsed)."""
    saved = torch.load(path, map_location=map_location)
    if not isinstance(saved, dict) or saved.get("format") != FORMAT:
        raise ValueError(f"{path}: not an sdbench weights file (no format '{FORMAT}')")
    if saved.get("version") != VERSION:
        raise ValueError(f"{path}: weights file version {saved.get('version')}, "
                         f"this reader knows {VERSION}")
    for key in ("model", "config", "run"):
        saved[key] = json.loads(saved[key])
    info = saved["model"]
    model = ResNet(info["depth"], stochastic=False, variant="a", classes=info["num_classes"])
    model.load_state_dict(saved["state_dict"])
    for block, scale in zip(model.blocks, info["test_branch_scale"]):
        block.survival = scale
        block.subsample = info["shortcut"]
    model.to(map_location)
    model.eval()
    return model, saved


def normalize(images, saved):
    """The model's input for uint8 images [N, 3, 32, 32] (RGB, 0..255), as
    sdbench normalised them: (pixel - mean) * scale."""
    return (images.to(saved["mean"].device, torch.float32) - saved["mean"]) * saved["scale"]
