#!/usr/bin/env python3
"""Exports the policies `robot bundle import` is tested with, using the real exporters.

Run from the repository root (needs Debian's python3-torch and python3-onnx):

    python3 src/test-models/export_policies.py [--out DIR]   (default: next to this script)

Every valid model computes a wheel-speed tracking controller for the reference robot (65 mm
wheels, 150 mm track) at 100 Hz from the observation the import spec `tracking-spec.yaml` names:
[v, omega, v_target, omega_target, wheel_left, wheel_right, battery_volts, prev_left, prev_right].
Most compute exactly the shipped incremental integral controller (bundles/tracking-integral):
    duty_L = prev_left  + K ((v* - w* b/2)/r - wheel_left)
    duty_R = prev_right + K ((v* + w* b/2)/r - wheel_right)
A tanh squash cannot pass the previous duty through exactly (an integral controller turns any
static error into a steady-state offset), so the squashed actors compute a proportional law with
feed-forward instead. The invalid models are the ones a user meets: an LSTM that keeps its state
inside the call, and an operator from a custom domain.

The body-velocity policies (spec `import-spec-velocity.yaml`) read [v, omega, v_target,
omega_target] and command (v, omega), as a navigation policy does; the runtime's wheel-speed loop
turns the command into duties. They correct the target by the odometry's error:
    v_cmd = v* + KV (v* - v),   omega_cmd = w* + KW (w* - omega)
once exactly (ReLU network) and once squashed and scaled to the command range, as Stable-Baselines3
does for a bounded action (tanh, then a Mul by the half-range).
"""
import os
import sys

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
if "--out" in sys.argv:
    HERE = os.path.abspath(sys.argv[sys.argv.index("--out") + 1])
    os.makedirs(HERE, exist_ok=True)
R, B, K = 0.0325, 0.150, 0.0022
OBS = 9
VEL_OBS = 4
KV, KW = 0.5, 0.3
V_MAX, W_MAX = 0.5, 2.0


def integral_matrix():
    """The integral controller as a [2, 9] matrix (torch's Linear layout: out x in)."""
    w = np.zeros((2, OBS), dtype=np.float32)
    w[0, 2], w[0, 3], w[0, 4], w[0, 7] = K / R, -K * B / 2 / R, -K, 1.0
    w[1, 2], w[1, 3], w[1, 5], w[1, 8] = K / R, K * B / 2 / R, -K, 1.0
    return w


def proportional_matrix(kp=0.03, ff=0.031):
    """Duty = ff * wheel target + kp * (wheel target - wheel speed), per wheel."""
    w = np.zeros((2, OBS), dtype=np.float32)
    for i, sign in ((0, -1.0), (1, 1.0)):
        w[i, 2] = (ff + kp) / R
        w[i, 3] = sign * (ff + kp) * B / 2 / R
        w[i, 4 + i] = -kp
    return w


def velocity_matrix():
    """The body-velocity law as a [2, 4] matrix over [v, omega, v_target, omega_target]."""
    w = np.zeros((2, VEL_OBS), dtype=np.float32)
    w[0, 0], w[0, 2] = -KV, 1 + KV
    w[1, 1], w[1, 3] = -KW, 1 + KW
    return w


def exact_relu_mlp(w):
    """Two Linear layers with a ReLU between them that compute x -> w x exactly:
    relu(w x) - relu(-w x) = w x."""
    first = nn.Linear(w.shape[1], 4)
    second = nn.Linear(4, 2)
    with torch.no_grad():
        first.weight.copy_(torch.tensor(np.vstack([w, -w])))
        first.bias.zero_()
        second.weight.copy_(torch.tensor([[1, 0, -1, 0], [0, 1, 0, -1]], dtype=torch.float32))
        second.bias.zero_()
    return nn.Sequential(first, nn.ReLU(), second)


class MatMulAdd(nn.Module):
    """x @ W + b with W stored [in, out]: exported as MatMul and Add, not Gemm."""

    def __init__(self, w):
        super().__init__()
        self.weight = nn.Parameter(torch.tensor(w.T.copy()))
        self.bias = nn.Parameter(torch.zeros(2))

    def forward(self, obs):
        return torch.matmul(obs, self.weight) + self.bias


class NormalisedTanhClip(nn.Module):
    """In-graph normalisation (x - mean) / std, a tanh network, a Clip to the duty range."""

    def __init__(self, w):
        super().__init__()
        self.register_buffer("mean", torch.tensor([0, 0, 0.2, 0, 5, 5, 7.4, 0, 0], dtype=torch.float32))
        self.register_buffer("std", torch.tensor([1, 1, 0.5, 2, 10, 10, 1, 1, 1], dtype=torch.float32))
        # in the normalised coordinates the law is w * std, plus w * mean as a bias; a tanh layer
        # run at 1/20 of its input range is linear to within 0.1 %, the next layer undoes the scale
        scale = 20.0
        self.hidden = nn.Linear(OBS, 2)
        self.out = nn.Linear(2, 2)
        with torch.no_grad():
            ws = w * self.std.numpy()[None, :]
            self.hidden.weight.copy_(torch.tensor(ws / scale))
            self.hidden.bias.copy_(torch.tensor(w @ self.mean.numpy() / scale))
            self.out.weight.copy_(torch.eye(2) * scale)
            self.out.bias.zero_()

    def forward(self, obs):
        x = (obs - self.mean) / self.std
        return torch.clamp(self.out(torch.tanh(self.hidden(x))), -1.0, 1.0)


class Sb3StyleActor(nn.Module):
    """Stable-Baselines3's deterministic actor, written in torch: a feature extractor (Flatten),
    latent_pi (Linear + ReLU twice), action_net, and the tanh squash of SAC/TD3."""

    def __init__(self, w):
        super().__init__()
        self.features_extractor = nn.Flatten()
        self.latent_pi = nn.Sequential(nn.Linear(OBS, 4), nn.ReLU(), nn.Linear(4, 4), nn.ReLU())
        self.action_net = nn.Linear(4, 2)
        with torch.no_grad():
            self.latent_pi[0].weight.copy_(torch.tensor(np.vstack([w, -w])))
            self.latent_pi[0].bias.zero_()
            self.latent_pi[2].weight.copy_(torch.eye(4))
            self.latent_pi[2].bias.zero_()
            self.action_net.weight.copy_(torch.tensor([[1, 0, -1, 0], [0, 1, 0, -1]], dtype=torch.float32))
            self.action_net.bias.zero_()

    def forward(self, obs):
        return torch.tanh(self.action_net(self.latent_pi(self.features_extractor(obs))))


class ScaledTanhVelocity(nn.Module):
    """A bounded body-velocity actor: tanh squash, then scaled to the command range."""

    def __init__(self, w):
        super().__init__()
        self.register_buffer("scale", torch.tensor([V_MAX, W_MAX], dtype=torch.float32))
        self.net = exact_relu_mlp(w / np.array([[V_MAX], [W_MAX]], dtype=np.float32))

    def forward(self, obs):
        return torch.tanh(self.net(obs)) * self.scale


class GaussianPolicy(nn.Module):
    """A Gaussian policy: mean network and a state-independent log std; exported for deployment
    with its mean only (the deterministic action)."""

    def __init__(self, w):
        super().__init__()
        self.mu = exact_relu_mlp(w)
        self.log_std = nn.Parameter(torch.full((2,), -1.0))

    def forward(self, obs):
        return self.mu(obs)


class LstmPolicy(nn.Module):
    """A recurrent policy whose state starts at zero inside every call (no state in or out)."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(OBS, 8, batch_first=True)
        self.head = nn.Linear(8, 2)

    def forward(self, obs):
        out, _ = self.lstm(obs.unsqueeze(1))
        return self.head(out[:, -1, :])


def export(module, name, input_name="obs", output_name="act", dynamic=False, inputs=OBS):
    module.eval()
    path = os.path.join(HERE, name)
    kwargs = {}
    if dynamic:
        kwargs["dynamic_axes"] = {input_name: {0: "batch"}, output_name: {0: "batch"}}
    torch.onnx.export(
        module,
        torch.zeros(1, inputs),
        path,
        input_names=[input_name],
        output_names=[output_name],
        opset_version=13,
        **kwargs,
    )
    onnx.checker.check_model(onnx.load(path))
    return path


def custom_domain_model():
    """A graph with an operator from a domain ONNX Runtime does not know."""
    w = numpy_helper.from_array(integral_matrix().T.copy(), "W")
    nodes = [
        helper.make_node("MatMul", ["obs", "W"], ["y"], name="policy_matmul"),
        helper.make_node("SafetyFilter", ["y"], ["act"], name="vendor_filter", domain="com.example.robotics"),
    ]
    graph = helper.make_graph(
        nodes,
        "vendor_policy",
        [helper.make_tensor_value_info("obs", TensorProto.FLOAT, [1, OBS])],
        [helper.make_tensor_value_info("act", TensorProto.FLOAT, [1, 2])],
        [w],
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("com.example.robotics", 1)]
    )
    path = os.path.join(HERE, "custom-op.onnx")
    onnx.save(model, path)
    return path


def main():
    torch.manual_seed(0)
    w = integral_matrix()
    made = [
        export(exact_relu_mlp(w), "mlp-fixed-batch.onnx"),
        export(exact_relu_mlp(w), "mlp-dynamic-batch.onnx", "observation", "duties", dynamic=True),
        export(NormalisedTanhClip(w), "tanh-normalised-clip.onnx"),
        export(Sb3StyleActor(proportional_matrix()), "sb3-actor.onnx", "observation", "actions"),
        export(GaussianPolicy(w), "gaussian-mean.onnx", "obs", "mean_actions"),
        export(MatMulAdd(w), "matmul-add.onnx", "x", "y", dynamic=True),
        export(LstmPolicy(), "lstm.onnx"),
        export(exact_relu_mlp(velocity_matrix()), "velocity-mlp.onnx", "state", "cmd_vel", dynamic=True, inputs=VEL_OBS),
        export(ScaledTanhVelocity(velocity_matrix()), "velocity-tanh-scaled.onnx", "obs", "action", inputs=VEL_OBS),
        custom_domain_model(),
    ]
    for p in made:
        m = onnx.load(p)
        ops = sorted({n.op_type for n in m.graph.node})
        print(f"{os.path.basename(p):28s} {os.path.getsize(p):6d} bytes  ops {ops}")
    print("torch", torch.__version__, "onnx", onnx.__version__, file=sys.stderr)


if __name__ == "__main__":
    main()
