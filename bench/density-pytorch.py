# PyTorch peer for bench/density.mjs: the density papers' one-stochastic-layer VAE on dynamically
# binarised MNIST (Burda et al. 2015, section 5): 784-200-200-50 tanh encoder, mirror decoder,
# Bernoulli on logits, output bias at the logit of the training mean (clipped to [0.001, 0.999]),
# Adam lr 1e-3 eps 1e-4, batch 100, the per-example mean loss; trained on the same IDX files with
# a fresh binarisation every epoch, then evaluated on the test rows wasm-vae binarised (read from
# a file, so both libraries see the same bits): -ELBO (one sample) and NLL (k importance samples).
# Prints one JSON line. Usage:
#   /usr/bin/python3 bench/density-pytorch.py DATA_DIR TEST_BIN EPOCHS THREADS NLL_ROWS NLL_SAMPLES
import gzip, json, math, sys, time
import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

data_dir, test_path = sys.argv[1], sys.argv[2]
epochs, threads, nll_rows, nll_samples = (int(v) for v in sys.argv[3:7])
torch.set_num_threads(threads)
torch.manual_seed(1)
with gzip.open(f"{data_dir}/train-images-idx3-ubyte.gz", "rb") as f:
    x = torch.from_numpy(np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255)
test = torch.from_numpy(np.fromfile(test_path, dtype=np.uint8).reshape(-1, 784).astype(np.float32) / 255)

class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(784, 200), nn.Tanh(), nn.Linear(200, 200), nn.Tanh(), nn.Linear(200, 100))
        self.decoder = nn.Sequential(nn.Linear(50, 200), nn.Tanh(), nn.Linear(200, 200), nn.Tanh(), nn.Linear(200, 784))
    def forward(self, v):
        mu, logvar = self.encoder(v).chunk(2, dim=1)
        eps = torch.randn_like(mu)
        z = mu + torch.exp(0.5 * logvar) * eps
        return self.decoder(z), mu, logvar, z, eps

model = VAE()
with torch.no_grad():
    mean = x.mean(0).clamp(0.001, 0.999)
    model.decoder[-1].bias.copy_(torch.log(mean / (1 - mean)))
opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-4)

def neg_elbo(b):
    logits, mu, logvar, _, _ = model(b)
    return (F.binary_cross_entropy_with_logits(logits, b, reduction="sum")
            - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())) / b.shape[0]

t0 = time.perf_counter()
for epoch in range(epochs):
    order = torch.randperm(x.shape[0])
    for i in range(0, x.shape[0], 100):
        b = torch.bernoulli(x[order[i:i + 100]])
        loss = neg_elbo(b)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"pytorch epoch {epoch + 1}: train -ELBO {loss.item():.2f}", file=sys.stderr, flush=True)
seconds = time.perf_counter() - t0

with torch.no_grad():
    elbo = sum(neg_elbo(test[i:i + 1000]).item() * test[i:i + 1000].shape[0] for i in range(0, test.shape[0], 1000)) / test.shape[0]
    t1 = time.perf_counter()
    rows = test[:nll_rows]
    log_px = []
    for r in range(rows.shape[0]):
        xr = rows[r:r + 1]
        mu, logvar = model.encoder(xr).chunk(2, dim=1)
        weights = []
        for s0 in range(0, nll_samples, 1000):
            m = min(1000, nll_samples - s0)
            eps = torch.randn(m, 50)
            z = mu + torch.exp(0.5 * logvar) * eps
            logits = model.decoder(z)
            log_pxz = -F.binary_cross_entropy_with_logits(logits, xr.expand(m, -1), reduction="none").sum(1)
            log_ratio = (-0.5 * z.pow(2) + 0.5 * eps.pow(2) + 0.5 * logvar).sum(1)  # log p(z) - log q(z|x)
            weights.append(log_pxz + log_ratio)
        w = torch.cat(weights).double()
        log_px.append((torch.logsumexp(w, 0) - math.log(nll_samples)).item())
    nll_seconds = time.perf_counter() - t1
print(json.dumps({"torch": torch.__version__, "threads": threads, "epochs": epochs, "samplesPerSecond": epochs * x.shape[0] / seconds,
                  "testElbo": elbo, "nll": -sum(log_px) / len(log_px), "nllRows": len(log_px), "nllSeconds": nll_seconds}))
