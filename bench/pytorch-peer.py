# PyTorch peer for bench/train.mjs: the reference VAE (784-400-20-400-784 ReLU, Bernoulli on
# logits, Adam 1e-3, batch 128), trained on MNIST from the same IDX files. Prints one JSON line:
# samples/s over a timed epoch after a warm-up epoch, for the given thread count.
# It loads the training AND the test set before training, as PyTorch's VAE example does. That
# matters for speed: freeing the large temporaries of the loads raises glibc's mmap threshold, so
# the step's tensors of a few hundred kB come from the heap instead of fresh mmaps (loading the
# training set alone ran about 2.5x slower on one thread here: the slow path no user of the
# example gets).
# With "interleave" after ROWS it prints a line when it has loaded and run its warm-up epoch, then
# trains one timed epoch per line read from stdin and prints its JSON line at once (bench/train.mjs
# alternates them with wasm-vae's epochs, so that both see the same machine state).
# Usage: /usr/bin/python3 bench/pytorch-peer.py DATA_DIR THREADS [ROWS] [interleave]
import gzip, json, sys, time
import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

data_dir, threads = sys.argv[1], int(sys.argv[2])
rows = int(sys.argv[3]) if len(sys.argv) > 3 else 60000
interleave = len(sys.argv) > 4 and sys.argv[4] == "interleave"
torch.set_num_threads(threads)
torch.manual_seed(1)
def images(name):
    with gzip.open(f"{data_dir}/{name}-images-idx3-ubyte.gz", "rb") as f:
        raw = f.read()
    return torch.from_numpy(np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255)

x = images("train")[:rows]
x_test = images("t10k")  # loaded as the example loads it (its test loop is not timed here)

class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc21, self.fc22 = nn.Linear(784, 400), nn.Linear(400, 20), nn.Linear(400, 20)
        self.fc3, self.fc4 = nn.Linear(20, 400), nn.Linear(400, 784)
    def forward(self, v):
        h = F.relu(self.fc1(v))
        mu, logvar = self.fc21(h), self.fc22(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.fc4(F.relu(self.fc3(z))), mu, logvar

model = VAE()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)

def epoch():
    order = torch.randperm(x.shape[0])
    for i in range(0, x.shape[0], 128):
        b = x[order[i:i + 128]]
        logits, mu, logvar = model(b)
        loss = F.binary_cross_entropy_with_logits(logits, b, reduction="sum") \
            - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        opt.zero_grad()
        loss.backward()
        opt.step()

def timed():
    t = time.perf_counter()
    epoch()
    return {"threads": threads, "samplesPerSecond": x.shape[0] / (time.perf_counter() - t), "torch": torch.__version__}

epoch()
if interleave:
    print(json.dumps({"ready": True}), flush=True)
    while sys.stdin.readline():
        print(json.dumps(timed()), flush=True)
else:
    print(json.dumps(timed()))
