# PyTorch peer for bench/conditional.mjs: the same conditional VAE (Sohn et al. 2015) as wasm-vae's
# `conditional: { classes: 10 }` — 784+10 -> 400 -> L (mean, log-variance); L+10 -> 400 -> 784,
# ReLU, Bernoulli on logits, Adam 1e-3, batch 128, β = 1 — trained on MNIST from the same IDX files,
# then the same check: `per` prior samples of every class (the Bernoulli means), each classified by
# 1-nearest-neighbour (Euclidean, pixels in [0, 1]) on the 60,000 training images.
# Prints one JSON line. Usage: /usr/bin/python3 bench/conditional-pytorch.py DATA_DIR EPOCHS PER THREADS [LATENT=20]
import gzip, json, sys, time
import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

data_dir, epochs, per, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
latent = int(sys.argv[5]) if len(sys.argv) > 5 else 20
torch.set_num_threads(threads)
torch.manual_seed(1)
def idx(name, offset):
    with gzip.open(f"{data_dir}/{name}.gz", "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)
x = torch.from_numpy(idx("train-images-idx3-ubyte", 16).reshape(-1, 784).astype(np.float32) / 255)
y = torch.from_numpy(idx("train-labels-idx1-ubyte", 8).astype(np.int64))
x_test = torch.from_numpy(idx("t10k-images-idx3-ubyte", 16).reshape(-1, 784).astype(np.float32) / 255)
y_test = torch.from_numpy(idx("t10k-labels-idx1-ubyte", 8).astype(np.int64))

class CVAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc21, self.fc22 = nn.Linear(794, 400), nn.Linear(400, latent), nn.Linear(400, latent)
        self.fc3, self.fc4 = nn.Linear(latent + 10, 400), nn.Linear(400, 784)
    def decode(self, z, c):
        return self.fc4(F.relu(self.fc3(torch.cat([z, c], 1))))
    def forward(self, v, c):
        h = F.relu(self.fc1(torch.cat([v, c], 1)))
        mu, logvar = self.fc21(h), self.fc22(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decode(z, c), mu, logvar

def loss_sum(model, b, c):
    logits, mu, logvar = model(b, c)
    return F.binary_cross_entropy_with_logits(logits, b, reduction="sum") \
        - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())

model = CVAE()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
t0 = time.perf_counter()
for _ in range(epochs):
    order = torch.randperm(x.shape[0])
    for i in range(0, x.shape[0], 128):
        j = order[i:i + 128]
        loss = loss_sum(model, x[j], F.one_hot(y[j], 10).float())
        opt.zero_grad()
        loss.backward()
        opt.step()
seconds = time.perf_counter() - t0
with torch.no_grad():
    test = sum(loss_sum(model, x_test[i:i + 1000], F.one_hot(y_test[i:i + 1000], 10).float()).item()
               for i in range(0, 10000, 1000)) / 10000
    asked = torch.arange(10).repeat_interleave(per)
    samples = torch.sigmoid(model.decode(torch.randn(10 * per, latent), F.one_hot(asked, 10).float()))
    nearest = torch.cat([torch.cdist(samples[i:i + 100], x).argmin(1) for i in range(0, 10 * per, 100)])
    match = (y[nearest] == asked).float()
print(json.dumps({"torch": torch.__version__, "epochs": epochs, "latent": latent, "seconds": seconds, "testLoss": test,
                  "accuracy": match.mean().item(), "perClass": match.view(10, per).mean(1).tolist()}))
