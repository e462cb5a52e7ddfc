"""The same networks and steps as benches/xray.rs in PyTorch (torch 2.4.0, the libtorch tch 0.17
uses). DenseNet written out as torchvision's (torchvision is not needed): same layers, same
parameter names and the same concatenation per layer."""
import resource

import torch
import torch.nn as nn
import torch.nn.functional as F
from bench_util import best_of


class DenseLayer(nn.Module):
    def __init__(self, c_in, growth, bn_size):
        super().__init__()
        self.norm1 = nn.BatchNorm2d(c_in)
        self.conv1 = nn.Conv2d(c_in, bn_size * growth, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth)
        self.conv2 = nn.Conv2d(bn_size * growth, growth, 3, padding=1, bias=False)

    def forward(self, x):
        y = self.conv1(F.relu(self.norm1(x)))
        y = self.conv2(F.relu(self.norm2(y)))
        return torch.cat([x, y], 1)


class DenseNet(nn.Module):
    def __init__(self, init, growth, bn_size, blocks, classes):
        super().__init__()
        f = nn.Sequential()
        f.add_module("conv0", nn.Conv2d(3, init, 7, stride=2, padding=3, bias=False))
        f.add_module("norm0", nn.BatchNorm2d(init))
        f.add_module("relu0", nn.ReLU())
        f.add_module("pool0", nn.MaxPool2d(3, stride=2, padding=1))
        c = init
        for i, n in enumerate(blocks):
            block = nn.Sequential(*[DenseLayer(c + j * growth, growth, bn_size) for j in range(n)])
            f.add_module(f"denseblock{i + 1}", block)
            c += n * growth
            if i + 1 < len(blocks):
                f.add_module(f"transition{i + 1}", nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, c // 2, 1, bias=False), nn.AvgPool2d(2, 2)))
                c //= 2
        f.add_module("norm5", nn.BatchNorm2d(c))
        self.features = f
        self.classifier = nn.Linear(c, classes)

    def forward(self, x):
        x = F.relu(self.features(x))
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def weighted_bce_with_logits(z, y, wp, wn):
    return -(wp * y * F.logsigmoid(z) + wn * (1 - y) * F.logsigmoid(-z)).mean(0).sum()


def bench(name, net, batch, size, reps):
    torch.manual_seed(0)
    x = torch.randn(batch, 3, size, size)
    y = (torch.rand(batch, 14) > 0.8).float()
    wp, wn = torch.full((14,), 0.8), torch.full((14,), 0.2)

    def infer():
        net.eval()
        with torch.no_grad():
            return net(x)

    infer()
    print(f"{name} inference batch {batch} at {size}: {best_of(reps, infer):.4f} s")
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    def step():
        net.train()
        opt.zero_grad()
        loss = weighted_bce_with_logits(net(x), y, wp, wn)
        loss.backward()
        opt.step()
        return loss

    step()
    print(f"{name} training step batch {batch} at {size}: {best_of(reps, step):.4f} s")
    print(f"{name} peak resident memory after {size}: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def bench_grad_cam():
    """Grad-CAM as the course computes it (activations of the last dense block, gradient of
    one class score, channel weights, ReLU, bilinear resize, normalisation)."""
    torch.manual_seed(0)
    net = DenseNet(64, 32, 4, [6, 12, 24, 16], 14).eval()
    x = torch.randn(1, 3, 224, 224)

    def run():
        a = x
        for name, m in net.features.named_children():
            a = m(a)
            if name == "denseblock4":
                act = a
        logits = net.classifier(torch.flatten(F.adaptive_avg_pool2d(F.relu(a), 1), 1))
        (g,) = torch.autograd.grad(logits[0, 3], act)
        cam = F.relu((g.mean(dim=(2, 3), keepdim=True) * act.detach()).sum(1, keepdim=True))
        cam = F.interpolate(cam, size=(224, 224), mode="bilinear", align_corners=False)[0, 0].double()
        return cam / cam.max()

    run()
    print(f"densenet121 grad-cam one image at 224: {best_of(5, run):.4f} s")


print(f"libtorch threads: {torch.get_num_threads()}")
bench_grad_cam()
bench("small densenet", DenseNet(24, 12, 4, [4, 4, 4], 14), 32, 96, 5)
bench("densenet121", DenseNet(64, 32, 4, [6, 12, 24, 16], 14), 4, 224, 3)
bench("densenet121", DenseNet(64, 32, 4, [6, 12, 24, 16], 14), 4, 320, 3)
