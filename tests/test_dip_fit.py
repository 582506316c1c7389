"""Tests of fscnn_lib.dip_fit: the deep image prior's fit loop, its records and its files.

Oracles: the first step rebuilt by hand from the documented seeds (network seed, input seed,
perturbation generator seeded with seed + 1) with PSNR written as -10 log10(MSE); Adam's
coupled weight decay against the explicit penalty lambda/2 ||theta||^2; a TV denoising run
repeated outside the grid search; JSON files read back.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

import fscnn_lib as fl
from fscnn_lib.dip_fit import _Guard

TINY = dict(scales=2, channels=8, skip_channels=2, input_channels=4)


@pytest.fixture(scope="module")
def data():
    clean = fl.dip_image("astronaut", 32)
    return clean, fl.corrupt(clean, seed=0)


@pytest.fixture(scope="module")
def run(data):
    return fl.fit_dip(*data, steps=30, metrics_every=5, snapshot_steps=[10], snapshot_every=20, **TINY)


def test_the_run_is_deterministic_on_the_cpu(data, run):
    again = fl.fit_dip(*data, steps=30, metrics_every=5, snapshot_steps=[10], snapshot_every=20, **TINY)
    np.testing.assert_equal(again.curves, run.curves)
    assert again.loss == run.loss
    assert all(np.array_equal(again.snapshots[k], v) for k, v in run.snapshots.items())
    other = fl.fit_dip(*data, steps=30, metrics_every=5, seed=1, **TINY)
    assert other.loss != run.loss


def test_records_steps_snapshots_and_loss(run):
    assert run.steps == [0, 5, 10, 15, 20, 25, 29]
    assert set(run.snapshots) == {"0", "10", "20", "best_psnr", "best_ssim", "final", "average"}
    assert run.snapshots["10"].shape == (32, 32, 3) and run.snapshots["10"].dtype == np.uint8
    assert len(run.loss) == 30 and run.loss[-1] < run.loss[0]
    for name in fl.CURVES:
        assert len(run.curves[name]) == len(run.steps)
    assert run.curves["wnorm"][0] == 1.0 and run.curves["wnorm_conv"][0] == 1.0
    # the loss and PSNR to the noisy image are the same number, -10 log10(MSE)
    assert_allclose(run.curves["loss"], [run.loss[k] for k in run.steps], rtol=1e-6)
    assert_allclose(run.curves["psnr_noisy"], [-10 * math.log10(v) for v in run.curves["loss"]], rtol=1e-12)
    best = run.best_step("psnr")
    assert run.at(best, "psnr") == max(run.curves["psnr"])
    assert run.info["parameters"] == fl.parameter_count(run.net).total


def test_the_first_step_rebuilt_by_hand(data):
    clean, noisy = data
    r = fl.fit_dip(clean, noisy, steps=1, **TINY)
    net = fl.SkipNet(4, 3, scales=2, channels=8, skip_channels=2, seed=0)
    z = fl.dip_input("noise", (32, 32), channels=4, seed=0)
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        x = net(z + torch.randn(z.shape, generator=gen) / 30)[0].double().numpy()
    mse_clean = float(np.mean((x - clean) ** 2))
    assert_allclose(r.curves["psnr"][0], 10 * math.log10(1 / mse_clean), rtol=1e-5)
    assert_allclose(r.loss[0], np.mean((x - noisy) ** 2), rtol=1e-5)
    assert_allclose(r.curves["tv"][0], fl.channel_tv(x), rtol=1e-5)
    edge = fl.EdgeSpec(*r.config["edge"])
    assert edge == fl.find_edge(clean)
    assert np.array_equal(r.snapshots["final"], np.round(np.clip(x, 0, 1) * 255).astype(np.uint8).transpose(1, 2, 0))


def test_adam_weight_decay_is_the_gradient_of_half_lambda_norm_squared():
    lam = 0.05
    z = fl.dip_input("noise", (16, 16), channels=3, seed=0)
    f = torch.rand(1, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    nets = [fl.SkipNet(3, 3, scales=2, channels=4, seed=2) for _ in range(2)]
    coupled = torch.optim.Adam(nets[0].parameters(), lr=0.01, weight_decay=lam)
    explicit = torch.optim.Adam(nets[1].parameters(), lr=0.01)
    for _ in range(3):
        for net, opt, pen in ((nets[0], coupled, 0.0), (nets[1], explicit, lam)):
            opt.zero_grad()
            loss = torch.mean((net(z) - f) ** 2) + pen / 2 * sum((p ** 2).sum() for p in net.parameters())
            loss.backward()
            opt.step()
    for p, q in zip(nets[0].parameters(), nets[1].parameters()):
        assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_weight_decay_bounds_the_weight_norm(data, run):
    decayed = fl.fit_dip(*data, steps=30, metrics_every=5, weight_decay=0.1, **TINY)
    assert decayed.curves["wnorm"][-1] < 0.8 < run.curves["wnorm"][-1]
    assert decayed.config["weight_decay"] == 0.1


def test_the_guard_restores_after_a_forced_blow_up(data):
    r = fl.fit_dip(*data, steps=12, lr=50.0, metrics_every=1, **TINY)
    assert r.restores, "a learning rate of 50 must make the PSNR to the noisy image collapse"
    pn = r.curves["psnr_noisy"]
    assert all(p >= max(pn[: i + 1]) - 5.0 for i, p in enumerate(pn))
    assert all(torch.isfinite(p).all() for p in r.net.parameters())
    off = fl.fit_dip(*data, steps=12, lr=50.0, metrics_every=1, guard_drop=None, **TINY)
    assert off.restores == [] and min(off.curves["psnr_noisy"]) < max(off.curves["psnr_noisy"]) - 5.0


def test_guard_restore_is_exact():
    net = fl.SkipNet(2, 3, scales=2, channels=4)
    opt = torch.optim.Adam(net.parameters(), lr=0.1)
    z = fl.dip_input("meshgrid", (16, 16))
    avg = torch.zeros(1, 3, 16, 16)

    def step():
        opt.zero_grad()
        net(z).mean().backward()
        opt.step()
        avg.add_(1.0)

    def state():
        return ([p.detach().clone() for p in net.parameters()],
                [v.clone() for s in opt.state.values() for v in s.values()], avg.clone())

    g = _Guard(5.0)
    for saves in range(2):               # the second save writes into the first one's buffers
        step()
        g.save(20.0, net, opt, avg)
        kept = state()
        step()
        step()
        assert not torch.equal(kept[0][0], next(net.parameters()))
        g.restore(net, opt, avg)
        now = state()
        for a, b in zip(kept[0] + kept[1] + [kept[2]], now[0] + now[1] + [now[2]]):
            assert torch.equal(a, b)
    assert g.ok(15.0) and not g.ok(14.9) and not g.ok(math.nan)
    assert _Guard(None).ok(-100.0)


def test_json_round_trip_is_exact(tmp_path, run):
    path = tmp_path / "run.json"
    run.save(str(path))
    back = fl.DipResult.load(str(path))
    assert json.dumps(back.to_dict()) == json.dumps(run.to_dict())
    np.testing.assert_equal(back.curves, run.curves)       # NaN (no edge yet) equals NaN here
    assert back.loss == run.loss and back.steps == run.steps
    assert back.config == run.config and back.info == run.info
    for k, v in run.snapshots.items():
        assert np.array_equal(back.snapshots[k], v) and back.snapshots[k].dtype == np.uint8
    small = run.downscaled(16, keep=["10", "final"])
    assert set(small.snapshots) == {"10", "final"} and small.snapshots["10"].shape == (16, 16, 3)
    assert_allclose(small.snapshots["10"][0, 0], run.snapshots["10"][:2, :2].reshape(4, 3).mean(axis=0), atol=0.51)


def test_tv_reference_picks_the_best_weight(data):
    from skimage.metrics import peak_signal_noise_ratio
    from skimage.restoration import denoise_tv_chambolle

    clean, noisy = data
    r = fl.tv_reference(clean, noisy, weights=[0.01, 0.05, 0.2, 1.0])
    i = int(np.argmax(r.psnr))
    assert r.weight == [0.01, 0.05, 0.2, 1.0][i] and r.best_psnr == max(r.psnr)
    assert r.weight_ssim == [0.01, 0.05, 0.2, 1.0][int(np.argmax(r.ssim))]
    x = denoise_tv_chambolle(noisy, weight=r.weight, channel_axis=0)
    assert_allclose(r.best_psnr, peak_signal_noise_ratio(clean, x, data_range=1.0), rtol=1e-12)
    assert_allclose(r.measures["tv"], fl.channel_tv(x), rtol=1e-12)
    assert r.best_psnr > peak_signal_noise_ratio(clean, noisy, data_range=1.0) + 1.0
    assert r.image.shape == (32, 32, 3)


def _fake(norms: list[float]) -> fl.DipResult:
    curves = {k: [0.0] * len(norms) for k in fl.CURVES}
    curves["wnorm"] = list(norms)
    return fl.DipResult({}, [10 * i for i in range(len(norms))], curves, [], {}, [], {})


def test_matched_steps_pairs_equal_norms():
    a, b = _fake([1.0, 1.45, 2.0, 3.0]), _fake([1.0, 1.2, 1.4, 1.6, 2.1, 2.4])
    m = fl.matched_steps(a, b, [10, 19, 30])
    assert [(x.step_a, x.step_b) for x in m] == [(10, 20), (20, 40), (30, 50)]
    assert m[2].norm_a == 3.0 and m[2].norm_b == 2.4


def test_experiment_set_runs_and_round_trips(tmp_path):
    sizes = dict(image="astronaut", size=32, noise_level=0.1, seed=0, scales=2, channels=8,
                 skip_channels=2, metrics_every=5, tv_weights=[0.05, 0.1],
                 runs={"noise": {"kind": "noise", "steps": 6, "input_channels": 4},
                       "meshgrid": {"kind": "meshgrid", "steps": 6, "snapshot_steps": [3]}})
    exp = fl.run_dip_experiments(sizes, progress=True)
    assert set(exp.runs) == {"noise", "meshgrid"} and exp.runs["meshgrid"].config["input_channels"] == 2
    assert exp.edge == fl.find_edge(exp.clean)
    exp.provenance = {"command": "test"}
    path = tmp_path / "exp.json"
    fl.save_experiment(str(path), exp, side=16)
    back = fl.load_experiment(str(path))
    assert np.array_equal(back.clean, exp.clean) and np.array_equal(back.noisy, exp.noisy)
    np.testing.assert_equal(back.runs["noise"].curves, exp.runs["noise"].curves)
    assert back.runs["meshgrid"].snapshots["3"].shape == (16, 16, 3)
    assert back.tv.psnr == exp.tv.psnr and back.tv.image.shape == (16, 16, 3)
    assert back.provenance == {"command": "test"} and back.edge == exp.edge
    only = fl.run_dip_experiments(sizes, runs=["meshgrid"])
    assert list(only.runs) == ["meshgrid"]


def test_validation(data, run):
    clean, noisy = data
    with pytest.raises(TypeError, match="clean must be a numpy.ndarray"):
        fl.fit_dip(torch.tensor(clean), noisy)
    with pytest.raises(ValueError, match="noisy must be a finite float image"):
        fl.fit_dip(clean, noisy[0])
    with pytest.raises(ValueError, match="clean and noisy must have the same shape"):
        fl.fit_dip(clean, noisy[:, :16])
    with pytest.raises(ValueError, match="kind must be one of"):
        fl.fit_dip(clean, noisy, kind="grid")
    with pytest.raises(ValueError, match="steps must be >= 1"):
        fl.fit_dip(clean, noisy, steps=0)
    with pytest.raises(ValueError, match="lr must be positive"):
        fl.fit_dip(clean, noisy, lr=0.0)
    with pytest.raises(ValueError, match="ema must lie in"):
        fl.fit_dip(clean, noisy, ema=1.0)
    with pytest.raises(ValueError, match="weight_decay must be >= 0"):
        fl.fit_dip(clean, noisy, weight_decay=-1.0)
    with pytest.raises(TypeError, match="metrics_every must be an int"):
        fl.fit_dip(clean, noisy, metrics_every=2.5)
    with pytest.raises(TypeError, match="snapshot_steps must be a list"):
        fl.fit_dip(clean, noisy, snapshot_steps=5)
    with pytest.raises(ValueError, match="guard_drop must be positive"):
        fl.fit_dip(clean, noisy, guard_drop=0.0)
    with pytest.raises(TypeError, match="progress must be a bool"):
        fl.fit_dip(clean, noisy, progress=1)
    with pytest.raises(TypeError, match="dtype must be torch.float32"):
        fl.fit_dip(clean, noisy, dtype=np.float32)
    with pytest.raises(ValueError, match="name must be one of"):
        run.curve("psnr_clean")
    with pytest.raises(TypeError, match="a and b must be DipResult"):
        fl.matched_steps(run, {}, [1])
    with pytest.raises(ValueError, match="norm must be one of"):
        fl.matched_steps(run, run, [1], norm="l1")
    with pytest.raises(ValueError, match="weights must hold at least one"):
        fl.tv_reference(clean, noisy, weights=[])
    with pytest.raises(TypeError, match="weights must be a list"):
        fl.tv_reference(clean, noisy, weights=0.1)
    with pytest.raises(ValueError, match="weights must be positive"):
        fl.tv_reference(clean, noisy, weights=[-0.1])
    with pytest.raises(ValueError, match="clean and noisy must have one shape"):
        fl.tv_reference(clean, noisy[0])
    with pytest.raises(ValueError, match="runs must be one of"):
        fl.run_dip_experiments(dict(fl.budget_sizes("quick")["dip"]), runs=["other"])
    with pytest.raises(TypeError, match="exp must be a DipExperiment"):
        fl.save_experiment("x.json", run)


def test_gpu_script_runs_tiny_on_the_cpu(tmp_path):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "scripts" / "gpu_experiments.py"
    spec = importlib.util.spec_from_file_location("gpu_experiments", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    args = ["--tiny", "--no-bench", "--noise-steps", "8", "--meshgrid-steps", "10", "--out", str(tmp_path)]
    assert module.main(args) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dip_curves.png", "dip_full.json", "dip_gallery.png", "log.txt"]
    exp = fl.load_experiment(str(tmp_path / "dip_full.json"))
    assert exp.runs["noise"].info["steps_done"] == 8 and exp.runs["meshgrid"].config["steps"] == 10
    assert exp.provenance["seed"] == 0 and "gpu_experiments.py" in exp.provenance["command"]
    assert "TV reference" in (tmp_path / "log.txt").read_text()
