"""PyTorch (CPU) side of the policy timing: the same Gaussian policy as ours (4-64-64-1, tanh,
state-independent log-std) and value network, forward + backward of sum(w * log pi(a|s)) at
batch 1..4096, and one PPO update (2048 samples, 10 epochs, minibatch 64, clip 0.2, Adam, gradient
norm clipped at 0.5, as Stable-Baselines3 runs it). Prints one JSON object."""
import json
import math
import sys
import time

import torch

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else torch.get_num_threads())
torch.manual_seed(1)
dtype = torch.float64 if (len(sys.argv) > 2 and sys.argv[2] == "float64") else torch.float32
OBS, ACT, H = 4, 1, 64


def mlp(out):
    return torch.nn.Sequential(
        torch.nn.Linear(OBS, H), torch.nn.Tanh(), torch.nn.Linear(H, H), torch.nn.Tanh(),
        torch.nn.Linear(H, out)).to(dtype)


policy = mlp(ACT)
log_std = torch.nn.Parameter(torch.zeros(ACT, dtype=dtype))
value = mlp(1)


def log_prob(obs, act):
    mu = policy(obs)
    return (-0.5 * ((act - mu) / log_std.exp()) ** 2 - log_std - 0.5 * math.log(2 * math.pi)).sum(-1)


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter_ns()
        fn()
        times.append(time.perf_counter_ns() - t0)
    times.sort()
    return times[len(times) // 2] / 1e3, times[int(0.99 * (len(times) - 1))] / 1e3


result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "dtype": str(dtype),
          "forward_backward_us": {}}
for batch in (1, 16, 256, 4096):
    obs = torch.randn(batch, OBS, dtype=dtype)
    act = torch.randn(batch, ACT, dtype=dtype)
    w = torch.randn(batch, dtype=dtype)

    def step():
        policy.zero_grad()
        log_std.grad = None
        loss = -(w * log_prob(obs, act)).mean()
        loss.backward()

    for _ in range(50):
        step()
    repeats = 2000 if batch <= 256 else 300
    result["forward_backward_us"][str(batch)] = timed(step, repeats)

N, EPOCHS, MB = 2048, 10, 64
obs = torch.randn(N, OBS, dtype=dtype)
act = torch.randn(N, ACT, dtype=dtype)
adv = torch.randn(N, dtype=dtype)
ret = torch.randn(N, dtype=dtype)
with torch.no_grad():
    old_logp = log_prob(obs, act)
params = list(policy.parameters()) + [log_std] + list(value.parameters())
opt = torch.optim.Adam(params, lr=3e-4, eps=1e-5)


def ppo_update():
    for _ in range(EPOCHS):
        perm = torch.randperm(N)
        for start in range(0, N, MB):
            idx = perm[start:start + MB]
            a = adv[idx]
            a = (a - a.mean()) / (a.std() + 1e-8)
            ratio = (log_prob(obs[idx], act[idx]) - old_logp[idx]).exp()
            pg = -torch.min(ratio * a, ratio.clamp(0.8, 1.2) * a).mean()
            vl = ((value(obs[idx]).squeeze(-1) - ret[idx]) ** 2).mean()
            loss = pg + 0.5 * vl
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 0.5)
            opt.step()


ppo_update()
result["ppo_update_ms"] = [t / 1e3 for t in timed(ppo_update, 15)]
print(json.dumps(result))
