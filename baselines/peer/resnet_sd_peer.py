#!/usr/bin/python3
"""The peer sdbench is timed against: CIFAR ResNet with stochastic depth as a
typical PyTorch (Python) port writes it, on Debian's python3-torch (the same
LibTorch 1.13.1 backend as sdbench). Run it with /usr/bin/python3.

Two variants of the residual block:
  a  "skip":     a dropped block's branch is not run (the original Lua code).
  b  "multiply": the branch always runs and is multiplied by its 0/1 gate, a
                 tensor drawn on the device (torchvision's / timm's
                 StochasticDepth "batch" mode); no host read, so it also
                 compiles: --compile=default|reduce-overhead runs it through
                 torch.compile (variant a would recompile for every new gate
                 pattern, so it is not compiled).

Same architecture and optimiser as sdbench's defaults: 6N+2 layers, option-A
shortcut (stride subsampling + zero channels), conv bias, BN gamma U(0,1),
linear survival decay to p_L = 0.5, SGD with Nesterov momentum 0.9 and weight
decay 1e-4, cross-entropy, batch 128 of random 32x32 images.

It is a worker driven by //experiments:speed over stdin/stdout, one command
per line, one JSON answer per line:
  {"cmd": "steps", "n": N}   -> {"step_s": [...], "active_blocks": [...]}
  {"cmd": "rss"}             -> {"peak_rss_bytes": B}
  {"cmd": "quit"}
Startup arguments: --variant=a|b --depth=D --mode=constant|stochastic
--threads=T --batch=B --seed=S --device=cpu|cuda --compile=none|default|reduce-overhead.
On CUDA every timed step ends with torch.cuda.synchronize(), and "rss" also
answers the peak device memory.
"""

import argparse
import json
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, cin, cout, stride, survival, variant):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=True)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=True)
        self.bn2 = nn.BatchNorm2d(cout)
        self.stride = stride
        self.pad = cout - cin
        self.survival = survival
        self.variant = variant
        self.last_active = True
        # How a transition halves the resolution: "stride" (the paper) or
        # "avg2x2" (sdbench's model.shortcut option; sdbench_weights.py sets it).
        self.subsample = "stride"

    def shortcut(self, x):
        if self.stride != 1 and self.subsample == "avg2x2":
            x = F.avg_pool2d(x, self.stride, self.stride)
        elif self.stride != 1:
            x = x[:, :, ::self.stride, ::self.stride]
        if self.pad:
            x = F.pad(x, (0, 0, 0, 0, 0, self.pad))
        return x

    def branch(self, x):
        return self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))

    def forward(self, x):
        if not self.training:
            return F.relu(self.shortcut(x) + self.survival * self.branch(x))
        if self.variant == "a":
            gate = float(torch.rand(1).item() < self.survival)
            self.last_active = gate > 0
            if not gate:
                return self.shortcut(x)
            return F.relu(self.shortcut(x) + self.branch(x))
        gate = (torch.rand(1, device=x.device) < self.survival).to(x.dtype)
        self.last_active = gate
        return F.relu(self.shortcut(x) + gate * self.branch(x))


class ResNet(nn.Module):
    def __init__(self, depth, stochastic, variant, classes=10, p_last=0.5):
        super().__init__()
        n = (depth - 2) // 6
        total = 3 * n
        self.conv = nn.Conv2d(3, 16, 3, 1, 1, bias=True)
        self.bn = nn.BatchNorm2d(16)
        blocks = []
        cin = 16
        for stage, cout in enumerate((16, 32, 64)):
            for i in range(n):
                index = len(blocks) + 1
                p = 1.0 - index / total * (1.0 - p_last) if stochastic else 1.0
                stride = 2 if stage > 0 and i == 0 else 1
                blocks.append(Block(cin, cout, stride, p, variant))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(64, classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                fan_in = m.in_channels * 9
                nn.init.normal_(m.weight, 0.0, (2.0 / fan_in) ** 0.5)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.uniform_(m.weight, 0.0, 1.0)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = F.relu(self.bn(self.conv(x)))
        x = self.blocks(x)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--variant", choices=("a", "b"), required=True)
    parser.add_argument("--depth", type=int, default=110)
    parser.add_argument("--mode", choices=("constant", "stochastic"),
                        required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--compile", choices=("none", "default", "reduce-overhead"),
                        default="none")
    args = parser.parse_args()
    if args.depth < 8 or (args.depth - 2) % 6:
        parser.error(f"--depth={args.depth} is not 6N+2")

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    cuda = device.type == "cuda"
    if cuda:
        # The same kernel choices as sdbench's defaults.
        torch.backends.cudnn.benchmark = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cuda.matmul.allow_tf32 = False
    model = ResNet(args.depth, args.mode == "stochastic", args.variant).to(device)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9,
                                weight_decay=1e-4, nesterov=True)
    images = torch.randn(args.batch, 3, 32, 32, device=device)
    labels = torch.randint(0, 10, (args.batch,), device=device)
    step_model = model
    if args.compile != "none":
        if args.variant != "b" or not hasattr(torch, "compile"):
            print(json.dumps({"error": "torch.compile needs variant b and torch >= 2.0 "
                              f"(this is {torch.__version__})"}), flush=True)
            sys.exit(2)
        step_model = torch.compile(model, mode=args.compile)

    print(json.dumps({"ready": True, "torch": torch.__version__, "device": str(device),
                      "compile": args.compile, "threads": torch.get_num_threads()}),
          flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        if command["cmd"] == "steps":
            times, host, active = [], [], []
            for _ in range(int(command["n"])):
                start = time.perf_counter()
                optimizer.zero_grad()
                loss = F.cross_entropy(step_model(images), labels)
                loss.backward()
                optimizer.step()
                if cuda:
                    host.append(time.perf_counter() - start)
                    torch.cuda.synchronize(device)
                times.append(time.perf_counter() - start)
                active.append(float(sum(b.last_active for b in model.blocks)))
            answer = {"step_s": times, "active_blocks": active, "loss": float(loss)}
            if cuda:
                answer["host_s"] = host
            print(json.dumps(answer), flush=True)
        elif command["cmd"] == "rss":
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            device_peak = torch.cuda.max_memory_reserved(device) if cuda else 0
            print(json.dumps({"peak_rss_bytes": peak, "peak_device_bytes": device_peak}),
                  flush=True)
        elif command["cmd"] == "quit":
            return
        else:
            print(json.dumps({"error": f"unknown command {command['cmd']}"}),
                  flush=True)
            sys.exit(2)


if __name__ == "__main__":
    main()
