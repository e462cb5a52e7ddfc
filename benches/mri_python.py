"""The Python side of benches/mri.rs.

Run with the project's venv (torch 2.4.0, the libtorch tch 0.17 uses) for the U-Net; the Dice
(numpy, the course's formulas) and NIfTI (nibabel 5.4.2) parts run in $REF_PYTHON (a venv with
numpy and nibabel), called from here as a subprocess.
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

REF = r'''
import os, sys
sys.path.insert(0, HERE)
import numpy as np, nibabel as nib
from bench_util import best_of
rng = np.random.default_rng(0)
p = rng.random((3, 240, 240, 155), dtype=np.float32)
q = (rng.random((3, 240, 240, 155)) < 0.1).astype(np.float32)
def dice(y_true, y_pred, axis=(1, 2, 3), eps=1e-5):
    return np.mean((2 * np.sum(y_true * y_pred, axis=axis) + eps) / (np.sum(y_true, axis=axis) + np.sum(y_pred, axis=axis) + eps))
def soft(y_true, y_pred, axis=(1, 2, 3), eps=1e-5):
    return 1 - np.mean((2 * np.sum(y_true * y_pred, axis=axis) + eps) / (np.sum(y_true ** 2, axis=axis) + np.sum(y_pred ** 2, axis=axis) + eps))
print(f"one memory pass over prediction and label (3x240x240x155): {best_of(7, lambda: p.sum(dtype=np.float64) + q.sum(dtype=np.float64)):.4f} s")
print(f"dice coefficient (3x240x240x155): {best_of(7, lambda: dice(q, p)):.4f} s")
print(f"soft dice loss (3x240x240x155): {best_of(7, lambda: soft(q, p)):.4f} s")
d = os.path.join(TMP, "ai4med-bench-mri")
for ext in [".nii.gz", ".nii"]:
    path = os.path.join(d, "case" + ext)
    if not os.path.exists(path):
        continue
    # mmap=False: read the voxels now (an uncompressed file is otherwise memory-mapped and
    # get_fdata returns before reading anything).
    t64 = best_of(5, lambda: nib.load(path, mmap=False).get_fdata())
    t32 = best_of(5, lambda: nib.load(path, mmap=False).get_fdata(dtype=np.float32))
    print(f"nifti load 240x240x155x4 float32 {ext}: {t32:.4f} s")
    print(f"nibabel get_fdata() as float64 {ext}: {t64:.4f} s")
'''

ref = os.environ.get("REF_PYTHON", os.path.expanduser("~/.cache/ai4med/ref-venv/bin/python"))
code = f"HERE = {HERE!r}\nTMP = {tempfile.gettempdir()!r}\n" + REF
sys.stdout.write(subprocess.run([ref, "-c", code], capture_output=True, text=True, check=True).stdout)

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, HERE)
from bench_util import best_of

torch.set_num_threads(os.cpu_count())


class Block(nn.Module):
    def __init__(self, cin, cout, bn):
        super().__init__()
        self.conv = nn.Conv3d(cin, cout, 3, padding=1)
        self.bn = nn.BatchNorm3d(cout) if bn else None

    def forward(self, x):
        x = self.conv(x)
        if self.bn is not None:
            x = self.bn(x)
        return F.relu(x)


class UNet3d(nn.Module):
    """The course's unet_model_3d, as ai4med::nn::UNet3d builds it."""

    def __init__(self, cin=4, labels=3, depth=4, base=32, bn=False):
        super().__init__()
        self.down = nn.ModuleList()
        second = []
        c = cin
        for l in range(depth):
            f = base << l
            self.down.append(nn.ModuleList([Block(c, f, bn), Block(f, 2 * f, bn)]))
            second.append(2 * f)
            c = 2 * f
        self.up = nn.ModuleList()
        for l in reversed(range(depth - 1)):
            s = second[l]
            self.up.append(nn.ModuleList([Block(c + s, s, bn), Block(s, s, bn)]))
            c = s
        self.final = nn.Conv3d(c, labels, 1)

    def forward(self, x):
        skips = []
        for i, (a, b) in enumerate(self.down):
            x = b(a(x))
            if i + 1 < len(self.down):
                skips.append(x)
                x = F.max_pool3d(x, 2)
        for a, b in self.up:
            s = skips.pop()
            x = F.interpolate(x, size=s.shape[2:], mode="nearest")
            x = b(a(torch.cat([x, s], 1)))
        return self.final(x)


def soft_dice(p, y, eps=1e-5):
    dims = [0] + list(range(2, p.dim()))
    num = 2 * (p * y).sum(dims) + eps
    den = (p * p).sum(dims) + (y * y).sum(dims) + eps
    return 1 - (num / den).mean()


def bench(name, depth, base, bn, batch, patch, reps):
    torch.manual_seed(0)
    net = UNet3d(depth=depth, base=base, bn=bn)
    x = torch.randn(batch, 4, *patch)
    y = (torch.rand(batch, 3, *patch) > 0.8).float()
    net.eval()

    def infer():
        with torch.no_grad():
            return torch.sigmoid(net(x))

    infer()
    print(f"{name} inference batch {batch} at {list(patch)}: {best_of(reps, infer):.4f} s")
    net.train()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        loss = soft_dice(torch.sigmoid(net(x)), y)
        loss.backward()
        opt.step()
        return loss

    step()
    print(f"{name} training step batch {batch} at {list(patch)}: {best_of(reps, step):.4f} s")


bench("course U-Net", 4, 32, False, 1, (64, 64, 32), 5)
bench("small U-Net", 3, 8, True, 4, (32, 32, 32), 5)
