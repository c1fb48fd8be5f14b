"""TransformerDecoderLayer, TransformerDecoder and Transformer against PyTorch: values, every parameter
gradient and the input gradients in eval mode after loading torch's weights; names, reprs, masks; a copy task."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

import shenjing as sj

TOL = {"float32": dict(atol=3e-5, rtol=3e-4), "float64": dict(atol=1e-10, rtol=1e-8)}


def _load(sj_mod, th_mod):
    sj_mod.load_state_dict({k: sj.tensor(v.detach().numpy()) for k, v in th_mod.state_dict().items()})


def _perturb(th_mod):
    """Clones start equal and biases at zero: make every parameter distinct so that a mixed-up one shows."""
    with torch.no_grad():
        for p in th_mod.parameters():
            p.add_(0.1 * torch.randn_like(p))


def _compare_grads(sj_mod, th_mod, tol):
    sp, tp = dict(sj_mod.named_parameters()), dict(th_mod.named_parameters())
    assert list(sp) == list(tp)
    for name, t in tp.items():
        s = sp[name]
        assert s.grad is not None, f"{name}: no gradient"
        assert t.grad is not None, f"{name}: torch has no gradient"
        np.testing.assert_allclose(s.grad.numpy(), t.grad.numpy(), err_msg=f"gradient of {name}", **tol)


def _run(s, th, inputs, tol, **fkw):
    """Call both modules on the float arrays ``inputs`` (grad required) and masks ``fkw``; compare the output,
    the gradient of every parameter and of every input under one random upstream gradient."""
    tin = [torch.tensor(a, requires_grad=True) for a in inputs]
    sin = [sj.tensor(a, requires_grad=True) for a in inputs]
    tkw = {n: torch.tensor(a) if isinstance(a, np.ndarray) else a for n, a in fkw.items()}
    skw = {n: sj.tensor(a) if isinstance(a, np.ndarray) else a for n, a in fkw.items()}
    to, so = th(*tin, **tkw), s(*sin, **skw)
    assert isinstance(so, sj.Tensor)
    assert tuple(so.shape) == tuple(to.shape)
    assert so.dtype.name == str(to.dtype).removeprefix("torch.")
    np.testing.assert_allclose(so.detach().numpy(), to.detach().numpy(), err_msg="forward values", **tol)
    g = np.random.default_rng(2).standard_normal(tuple(to.shape))
    (to * torch.tensor(g, dtype=to.dtype)).sum().backward()
    (so * sj.tensor(g, dtype=so.dtype)).sum().backward()
    _compare_grads(s, th, tol)
    for i, (a, b) in enumerate(zip(sin, tin)):
        assert a.grad is not None, f"input {i}: no gradient"
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), err_msg=f"gradient of input {i}", **tol)


def _masks(kind, T, S, N, dtype, prefix="tgt"):
    """Masks for a decoder: causal float tgt_mask, bool key padding masks, memory_mask (float or bool)."""
    rng = np.random.default_rng(5)
    out = {}
    if kind in ("causal", "all"):
        out[f"{prefix}_mask"] = np.triu(np.full((T, T), -np.inf), 1).astype(dtype)
    if kind == "causal_bool":
        out[f"{prefix}_mask"] = np.triu(np.ones((T, T), bool), 1)
    if kind in ("kpm", "all", "causal_bool"):
        tk = np.zeros((N, T), bool)
        tk[1, -2:] = True
        mk = np.zeros((N, S), bool)
        mk[0, -1] = True
        mk[-1, 1:3] = True
        out["tgt_key_padding_mask"], out["memory_key_padding_mask"] = tk, mk
    if kind in ("memory", "all"):
        out["memory_mask"] = (0.5 * rng.standard_normal((T, S))).astype(dtype)
    if kind == "causal_bool":
        mm = rng.random((T, S)) > 0.7
        mm[:, 0] = False
        out["memory_mask"] = mm
    return out


MASKS = ["none", "causal", "kpm", "memory", "all", "causal_bool"]


# ----------------------------------------------------------------- TransformerDecoderLayer
def _pair_layer(dtype, **kw):
    torch.manual_seed(0)
    th = torch.nn.TransformerDecoderLayer(**kw, dtype=getattr(torch, dtype)).eval()
    s = sj.nn.TransformerDecoderLayer(**kw, dtype=getattr(sj, dtype)).eval()
    _perturb(th)
    _load(s, th)
    return s, th


def _tgt_mem(rng, dtype, batch_first, T=5, S=6, N=3, E=8):
    shape = (lambda L: (N, L, E)) if batch_first else (lambda L: (L, N, E))
    return rng.standard_normal(shape(T)).astype(dtype), rng.standard_normal(shape(S)).astype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("masks", MASKS)
def test_decoder_layer_parity(rng, dtype, norm_first, activation, batch_first, masks):
    s, th = _pair_layer(dtype, d_model=8, nhead=2, dim_feedforward=16, activation=activation,
                        batch_first=batch_first, norm_first=norm_first)
    tgt, mem = _tgt_mem(rng, dtype, batch_first)
    kw = _masks(masks, 5, 6, 3, dtype)
    if masks == "causal":
        kw["tgt_is_causal"] = True
    _run(s, th, (tgt, mem), TOL[dtype], **kw)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_unbatched_parity(rng, norm_first):
    s, th = _pair_layer("float64", d_model=8, nhead=2, dim_feedforward=16, norm_first=norm_first)
    tgt, mem = rng.standard_normal((4, 8)), rng.standard_normal((6, 8))
    kpm = np.zeros(6, bool)
    kpm[-1] = True
    _run(s, th, (tgt, mem), TOL["float64"], tgt_mask=np.triu(np.full((4, 4), -np.inf), 1),
         memory_key_padding_mask=kpm)


def test_decoder_layer_callable_activation_and_no_bias(rng):
    s, th = _pair_layer("float64", d_model=4, nhead=2, dim_feedforward=6, bias=False, layer_norm_eps=1e-3)
    s.activation, th.activation = sj.tanh, torch.tanh
    _run(s, th, (rng.standard_normal((3, 2, 4)), rng.standard_normal((5, 2, 4))), TOL["float64"])


def test_decoder_layer_defaults_and_errors(rng):
    layer = sj.nn.TransformerDecoderLayer(8, 2)
    assert tuple(layer.linear1.weight.shape) == (2048, 8)
    assert layer.dropout.p == 0.1 and layer.norm3.eps == 1e-5 and not layer.norm_first
    assert layer.activation is sj.nn.functional.relu
    assert not layer.self_attn.batch_first and not layer.multihead_attn.batch_first
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        sj.nn.TransformerDecoderLayer(8, 2, activation="tanh")
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        torch.nn.TransformerDecoderLayer(8, 2, activation="tanh")
    # is_causal without a mask: both refuse
    tgt, mem = rng.standard_normal((3, 2, 8)).astype(np.float32), rng.standard_normal((4, 2, 8)).astype(np.float32)
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        torch.nn.TransformerDecoderLayer(8, 2)(torch.tensor(tgt), torch.tensor(mem), tgt_is_causal=True)
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        layer(sj.tensor(tgt), sj.tensor(mem), tgt_is_causal=True)


def test_decoder_layer_dropout_in_training(rng):
    sj.manual_seed(0)
    layer = sj.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.5).double()
    x, m = sj.tensor(rng.standard_normal((4, 2, 8))), sj.tensor(rng.standard_normal((3, 2, 8)))
    assert not np.allclose(layer(x, m).detach().numpy(), layer(x, m).detach().numpy())
    layer.eval()
    np.testing.assert_array_equal(layer(x, m).detach().numpy(), layer(x, m).detach().numpy())


# ----------------------------------------------------------------- TransformerDecoder
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("with_norm", [False, True])
@pytest.mark.parametrize("masks", ["none", "causal", "all"])
def test_decoder_parity(rng, dtype, norm_first, with_norm, masks):
    torch.manual_seed(0)
    tdt, sdt = getattr(torch, dtype), getattr(sj, dtype)
    tl = torch.nn.TransformerDecoderLayer(8, 2, 16, activation="gelu", norm_first=norm_first, batch_first=True,
                                          dtype=tdt)
    sl = sj.nn.TransformerDecoderLayer(8, 2, 16, activation="gelu", norm_first=norm_first, batch_first=True,
                                       dtype=sdt)
    th = torch.nn.TransformerDecoder(tl, 2, norm=torch.nn.LayerNorm(8, dtype=tdt) if with_norm else None).eval()
    s = sj.nn.TransformerDecoder(sl, 2, norm=sj.nn.LayerNorm(8, dtype=sdt) if with_norm else None).eval()
    assert list(s.state_dict()) == list(th.state_dict())
    assert s.layers[0].multihead_attn.in_proj_weight is not s.layers[1].multihead_attn.in_proj_weight
    assert s.layers[0].linear1.weight is not sl.linear1.weight
    _perturb(th)
    _load(s, th)
    kw = _masks(masks, 5, 6, 3, dtype)
    _run(s, th, _tgt_mem(rng, dtype, True), TOL[dtype], **kw)


def test_decoder_detects_causal_mask():
    from shenjing.nn.transformer import _detect_is_causal_mask

    m = sj.nn.Transformer.generate_square_subsequent_mask(4)
    assert _detect_is_causal_mask(m, None, 4) is True
    assert _detect_is_causal_mask(m, None, 5) is False
    assert _detect_is_causal_mask(m, False, 4) is False
    assert _detect_is_causal_mask(None, None, 4) is False
    assert _detect_is_causal_mask(sj.zeros(4, 4), None, 4) is False


# ----------------------------------------------------------------- Transformer
def _pair_transformer(dtype, **kw):
    torch.manual_seed(0)
    tdt, sdt = getattr(torch, dtype), getattr(sj, dtype)
    th = torch.nn.Transformer(d_model=16, nhead=2, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=32,
                              **kw, dtype=tdt).eval()
    s = sj.nn.Transformer(d_model=16, nhead=2, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=32,
                          **kw, dtype=sdt).eval()
    _perturb(th)
    _load(s, th)
    return s, th


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("masks", ["none", "all"])
def test_transformer_parity(rng, dtype, norm_first, batch_first, masks):
    s, th = _pair_transformer(dtype, norm_first=norm_first, batch_first=batch_first, activation="gelu")
    N, S, T = 3, 6, 5
    shape = (lambda L: (N, L, 16)) if batch_first else (lambda L: (L, N, 16))
    src, tgt = rng.standard_normal(shape(S)).astype(dtype), rng.standard_normal(shape(T)).astype(dtype)
    kw = {}
    if masks == "all":
        kw = _masks("all", T, S, N, dtype)
        sk = np.zeros((N, S), bool)
        sk[2, -2:] = True
        kw["src_key_padding_mask"] = sk
        kw["memory_key_padding_mask"] = sk
        kw["src_mask"] = (0.3 * np.random.default_rng(7).standard_normal((S, S))).astype(dtype)
    _run(s, th, (src, tgt), TOL[dtype], **kw)


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
def test_transformer_unbatched_and_causal_hints(rng):
    s, th = _pair_transformer("float64")
    src, tgt = rng.standard_normal((6, 16)), rng.standard_normal((4, 16))
    _run(s, th, (src, tgt), TOL["float64"], tgt_mask=np.triu(np.full((4, 4), -np.inf), 1), tgt_is_causal=True,
         src_mask=np.triu(np.full((6, 6), -np.inf), 1), src_is_causal=True)


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
def test_transformer_defaults_and_errors():
    m = sj.nn.Transformer(d_model=16, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=8)
    t = torch.nn.Transformer(d_model=16, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=8)
    assert m.d_model == 16 and m.nhead == 2 and m.batch_first is False
    assert m.encoder.num_layers == 1 and m.decoder.num_layers == 1
    assert isinstance(m.encoder.norm, sj.nn.LayerNorm) and isinstance(m.decoder.norm, sj.nn.LayerNorm)
    import inspect

    sig = inspect.signature(sj.nn.Transformer.__init__).parameters
    tsig = inspect.signature(torch.nn.Transformer.__init__).parameters
    assert list(sig) == list(tsig)
    for name in sig:
        if name not in ("self", "activation"):
            assert sig[name].default == tsig[name].default, name
    assert list(inspect.signature(sj.nn.Transformer.forward).parameters) == \
        list(inspect.signature(torch.nn.Transformer.forward).parameters)
    assert list(inspect.signature(sj.nn.TransformerDecoderLayer.forward).parameters) == \
        list(inspect.signature(torch.nn.TransformerDecoderLayer.forward).parameters)
    assert list(inspect.signature(sj.nn.TransformerDecoder.forward).parameters) == \
        list(inspect.signature(torch.nn.TransformerDecoder.forward).parameters)
    cases = [((6, 2, 16), (4, 3, 16), "batch number"), ((6, 2, 16), (4, 2, 8), "feature number"),
             ((6, 2, 8), (4, 2, 16), "feature number")]
    for ss, ts, match in cases:
        with pytest.raises(RuntimeError, match=match):
            t(torch.zeros(ss), torch.zeros(ts))
        with pytest.raises(RuntimeError, match=match):
            m(sj.zeros(*ss), sj.zeros(*ts))
    bf = sj.nn.Transformer(d_model=16, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=8,
                           batch_first=True)
    with pytest.raises(RuntimeError, match="batch number"):
        bf(sj.zeros(2, 6, 16), sj.zeros(3, 4, 16))


def test_transformer_reset_parameters_xavier():
    sj.manual_seed(0)
    m = sj.nn.Transformer(d_model=16, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=32)
    w = m.encoder.layers[0].linear1.weight.detach().numpy()  # (32, 16): xavier bound sqrt(6 / 48)
    bound = np.sqrt(6 / 48)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    w2 = m.decoder.layers[0].multihead_attn.out_proj.weight.detach().numpy()  # (16, 16): sqrt(6 / 32)
    assert np.abs(w2).max() <= np.sqrt(6 / 32) and np.abs(w2).max() > 0.8 * np.sqrt(6 / 32)
    np.testing.assert_array_equal(m.decoder.norm.weight.detach().numpy(), 1.0)
    np.testing.assert_array_equal(m.decoder.layers[0].linear1.bias.detach().numpy() != 0, True)  # 1-D: untouched


@pytest.mark.parametrize("sz", [0, 1, 5])
@pytest.mark.parametrize("dtype", [None, "float64", "float32"])
def test_generate_square_subsequent_mask(sz, dtype):
    t = torch.nn.Transformer.generate_square_subsequent_mask(sz, dtype=None if dtype is None else getattr(torch,
                                                                                                         dtype))
    s = sj.nn.Transformer.generate_square_subsequent_mask(sz, dtype=None if dtype is None else getattr(sj, dtype))
    assert tuple(s.shape) == tuple(t.shape)
    assert s.dtype.name == str(t.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(s.numpy(), t.numpy())
    m = sj.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=8)
    np.testing.assert_array_equal(m.generate_square_subsequent_mask(sz).numpy(), t.float().numpy())


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
def test_reprs_names_and_state_dict_round_trip():
    torch.manual_seed(0)
    for kw in ({}, {"norm_first": True, "activation": "gelu", "bias": False, "batch_first": True}):
        tl = torch.nn.TransformerDecoderLayer(8, 2, 16, **kw)
        sl = sj.nn.TransformerDecoderLayer(8, 2, 16, **kw)
        assert repr(sl) == repr(tl)
        assert list(sl.state_dict()) == list(tl.state_dict())
        assert [tuple(v.shape) for v in sl.state_dict().values()] == [tuple(v.shape) for v in tl.state_dict().values()]
        td = torch.nn.TransformerDecoder(tl, 3, norm=torch.nn.LayerNorm(8))
        sd = sj.nn.TransformerDecoder(sl, 3, norm=sj.nn.LayerNorm(8))
        assert repr(sd) == repr(td)
        assert list(sd.state_dict()) == list(td.state_dict())
        tt = torch.nn.Transformer(16, 2, 2, 3, 32, **kw)
        st = sj.nn.Transformer(16, 2, 2, 3, 32, **kw)
        assert repr(st) == repr(tt)
        assert list(st.state_dict()) == list(tt.state_dict())
        assert [n for n, _ in st.named_parameters()] == [n for n, _ in tt.named_parameters()]
        assert [tuple(v.shape) for v in st.state_dict().values()] == [tuple(v.shape) for v in tt.state_dict().values()]
        # shenjing -> torch -> shenjing
        tt.load_state_dict({k: torch.tensor(v.numpy()) for k, v in st.state_dict().items()})
        for k, v in tt.state_dict().items():
            np.testing.assert_array_equal(v.numpy(), st.state_dict()[k].numpy())
        _perturb(tt)
        st.load_state_dict({k: sj.tensor(v.detach().numpy()) for k, v in tt.state_dict().items()})
        for k, v in st.state_dict().items():
            np.testing.assert_array_equal(v.numpy(), tt.state_dict()[k].numpy())
        td.load_state_dict({k: torch.tensor(v.numpy()) for k, v in sd.state_dict().items()})
        sd.load_state_dict({k: sj.tensor(v.numpy()) for k, v in td.state_dict().items()})


def test_custom_encoder_decoder_and_repr():
    enc = sj.nn.TransformerEncoder(sj.nn.TransformerEncoderLayer(8, 2, 16), 1)
    dec = sj.nn.TransformerDecoder(sj.nn.TransformerDecoderLayer(8, 2, 16), 1)
    m = sj.nn.Transformer(d_model=8, nhead=2, custom_encoder=enc, custom_decoder=dec)
    assert m.encoder is enc and m.decoder is dec
    assert len(list(m.parameters())) == len(list(enc.parameters())) + len(list(dec.parameters()))
    te = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, 16), 1, enable_nested_tensor=False)
    td = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(8, 2, 16), 1)
    assert repr(m) == repr(torch.nn.Transformer(d_model=8, nhead=2, custom_encoder=te, custom_decoder=td))
    out = m(sj.zeros(4, 2, 8), sj.zeros(3, 2, 8))
    assert tuple(out.shape) == (3, 2, 8)


# ----------------------------------------------------------------- training
class _Copier(sj.nn.Module):
    def __init__(self, vocab, d):
        super().__init__()
        self.emb = sj.nn.Embedding(vocab, d)
        self.pos = sj.nn.Parameter(sj.randn(1, 8, d) * 0.1)
        self.tr = sj.nn.Transformer(d_model=d, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                                    dim_feedforward=32, dropout=0.0, batch_first=True)
        self.out = sj.nn.Linear(d, vocab)

    def forward(self, src, tgt_in):
        S, T = src.shape[1], tgt_in.shape[1]
        mask = sj.nn.Transformer.generate_square_subsequent_mask(T)
        h = self.tr(self.emb(src) + self.pos[:, :S], self.emb(tgt_in) + self.pos[:, :T], tgt_mask=mask,
                    tgt_is_causal=True)
        return self.out(h)


def test_tiny_transformer_learns_to_copy():
    sj.manual_seed(0)
    rng = np.random.default_rng(0)
    vocab, L, N, bos = 6, 5, 32, 0
    model = _Copier(vocab, 16)
    opt = sj.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = sj.nn.CrossEntropyLoss()
    losses = []
    start = time.perf_counter()
    for _ in range(120):
        seq = rng.integers(1, vocab, size=(N, L))
        tgt_in = np.concatenate([np.full((N, 1), bos), seq[:, :-1]], axis=1)
        logits = model(sj.tensor(seq), sj.tensor(tgt_in))
        loss = loss_fn(logits.reshape(N * L, vocab), sj.tensor(seq.reshape(-1)))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    elapsed = time.perf_counter() - start
    assert losses[0] > 1.3, losses[0]
    assert np.mean(losses[-5:]) < 0.1 * losses[0], losses
    assert elapsed < 5.0, f"training took {elapsed:.1f}s"
    # the model copies a fresh sequence by greedy decoding
    model.eval()
    seq = rng.integers(1, vocab, size=(8, L))
    out = np.full((8, 1), bos)
    for _ in range(L):
        nxt = model(sj.tensor(seq), sj.tensor(out)).detach().numpy()[:, -1].argmax(-1)
        out = np.concatenate([out, nxt[:, None]], axis=1)
    assert (out[:, 1:] == seq).mean() > 0.95
