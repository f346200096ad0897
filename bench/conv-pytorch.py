# PyTorch peer for bench/conv.mjs: the "dcgan28" VAE of issue 15 — Conv(1→32, 4, s2, p1) ReLU →
# Conv(32→64, 4, s2, p1) ReLU → Flatten → Linear(3136, 2·latent); decoder Linear(latent, 3136) ReLU →
# Unflatten(64, 7, 7) → ConvTranspose(64→32, 4, s2, p1) ReLU → ConvTranspose(32→1, 4, s2, p1) —
# Bernoulli on logits, grey-level MNIST, Adam 1e-3, batch 128, per-example mean loss; trained from
# the same IDX files (train and test loaded as PyTorch's example loads them). Prints one JSON line
# with each epoch's test loss (one z per image) and samples/s.
# With "interleave" after LATENT it prints a line when it is ready, then trains one epoch per line
# read from stdin and prints each epoch's JSON line at once (bench/conv.mjs alternates it with wasm-vae's epochs).
# Usage: /usr/bin/python3 bench/conv-pytorch.py DATA_DIR EPOCHS THREADS [LATENT=20] [interleave]
import gzip, json, sys, time
import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

data_dir, epochs, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
latent = int(sys.argv[4]) if len(sys.argv) > 4 else 20
interleave = len(sys.argv) > 5 and sys.argv[5] == "interleave"
torch.set_num_threads(threads)
torch.manual_seed(1)
def images(name):
    with gzip.open(f"{data_dir}/{name}-images-idx3-ubyte.gz", "rb") as f:
        return torch.from_numpy(np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 1, 28, 28).astype(np.float32) / 255)
x, x_test = images("train"), images("t10k")
encoder = nn.Sequential(nn.Conv2d(1, 32, 4, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 4, 2, 1), nn.ReLU(), nn.Flatten(), nn.Linear(3136, 2 * latent))
decoder = nn.Sequential(nn.Linear(latent, 3136), nn.ReLU(), nn.Unflatten(1, (64, 7, 7)), nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(),
                        nn.ConvTranspose2d(32, 1, 4, 2, 1))
params = list(encoder.parameters()) + list(decoder.parameters())
opt = torch.optim.Adam(params, lr=1e-3)

def loss_sum(b):
    mu, logvar = encoder(b).chunk(2, dim=1)
    z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
    return F.binary_cross_entropy_with_logits(decoder(z), b, reduction="sum") - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())

log = []
if interleave:
    print(json.dumps({"ready": True}), flush=True)  # loaded and built: the first epoch's line may come
for epoch in range(epochs):
    if interleave and not sys.stdin.readline():
        break
    t = time.perf_counter()
    order = torch.randperm(x.shape[0])
    for i in range(0, x.shape[0], 128):
        b = x[order[i:i + 128]]
        loss = loss_sum(b) / b.shape[0]
        opt.zero_grad()
        loss.backward()
        opt.step()
    seconds = time.perf_counter() - t
    with torch.no_grad():
        test = sum(loss_sum(x_test[i:i + 1000]).item() for i in range(0, 10000, 1000)) / 10000
    log.append({"epoch": epoch + 1, "testLoss": test, "samplesPerSecond": x.shape[0] / seconds})
    print(f"pytorch epoch {epoch + 1}: test {test:.2f}, {x.shape[0] / seconds:.0f} samples/s", file=sys.stderr, flush=True)
    if interleave:
        print(json.dumps(log[-1]), flush=True)
print(json.dumps({"torch": torch.__version__, "threads": threads, "epochs": log}))
