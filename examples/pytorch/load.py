import json, struct, sys, torch
raw = open(sys.argv[1] if len(sys.argv) > 1 else "runs/mnist/model.safetensors", "rb").read(); n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n]); cfg = json.loads(header.pop("__metadata__")["wasm_vae.config"])
state = {k: torch.frombuffer(bytearray(raw[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]]), dtype=torch.float32).reshape(v["shape"]) for k, v in header.items()}
def mlp(dims): return torch.nn.Sequential(*[m for i in range(len(dims) - 1) for m in (torch.nn.Linear(dims[i], dims[i + 1]), torch.nn.ReLU())][:-1])
model = torch.nn.ModuleDict({"encoder": mlp([cfg["inputDim"], *cfg["hidden"], 2 * cfg["latentDim"]]), "decoder": mlp([cfg["latentDim"], *cfg["decoderHidden"], cfg["inputDim"]])})
model.load_state_dict(state)                                   # names and [out, in] layouts match
z = torch.tensor([[0.5, -1.0] + [0.0] * (cfg["latentDim"] - 2)])
print(json.dumps(torch.sigmoid(model["decoder"](z))[0, :8].tolist()))  # Bernoulli means of the decoded image
