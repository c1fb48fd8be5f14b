"""Attention against PyTorch: scaled_dot_product_attention, MultiheadAttention, TransformerEncoder(Layer)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import shenjing as sj
import shenjing.nn.functional as F

TOL = {"float32": dict(atol=2e-5, rtol=2e-4), "float64": dict(atol=1e-10, rtol=1e-8)}


class Const:
    def __init__(self, a):
        self.const_array = a


# ----------------------------------------------------------------- scaled_dot_product_attention
def _qkv(rng, dtype, lead=(2, 3), L=4, S=6, E=5, Ev=7):
    return tuple(rng.standard_normal(s).astype(dtype) for s in ((*lead, L, E), (*lead, S, E), (*lead, S, Ev)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kw", [{}, {"is_causal": True}, {"scale": 0.25}, {"is_causal": True, "scale": 1.5}], ids=str)
@pytest.mark.parametrize("lead", [(), (3,), (2, 3)], ids=str)
def test_sdpa_parity(parity, rng, dtype, kw, lead):
    parity(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **kw),
           lambda q, k, v: torch.nn.functional.scaled_dot_product_attention(q, k, v, **kw),
           *_qkv(rng, dtype, lead), **TOL[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mshape", [(4, 6), (2, 1, 4, 6), (2, 3, 4, 6), (1, 6)], ids=str)
def test_sdpa_bool_mask_parity(parity, rng, dtype, mshape):
    m = rng.random(mshape) > 0.4
    m[..., 0] = True
    parity(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
           lambda q, k, v, m: torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m),
           *_qkv(rng, dtype), Const(m), **TOL[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mshape", [(4, 6), (2, 1, 4, 6), (2, 3, 4, 6)], ids=str)
def test_sdpa_float_mask_parity_with_mask_grad(parity, rng, dtype, mshape):
    m = rng.standard_normal(mshape).astype(dtype)
    parity(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
           lambda q, k, v, m: torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m),
           *_qkv(rng, dtype), m, **TOL[dtype])


def test_sdpa_float32_mask_on_float64_query(parity, rng):
    m = rng.standard_normal((4, 6)).astype(np.float32)
    parity(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
           lambda q, k, v, m: torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m),
           *_qkv(rng, "float64"), Const(m), atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("kind", ["bool", "float"])
def test_sdpa_fully_masked_rows_match_torch(parity, rng, kind):
    """PyTorch 2.13 gives 0 (output and gradients) for a query row with no key left, not NaN."""
    m = rng.random((4, 6)) > 0.3
    m[1] = False
    m[2, 0] = True
    mask = m if kind == "bool" else np.where(m, 0.0, -np.inf)
    out = parity(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
                 lambda q, k, v, m: torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m),
                 *_qkv(rng, "float64"), Const(mask))[0]
    assert np.all(out.detach().numpy()[..., 1, :] == 0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sdpa_gqa_parity(parity, rng, dtype):
    q = rng.standard_normal((2, 6, 3, 4)).astype(dtype)
    k, v = rng.standard_normal((2, 2, 5, 4)).astype(dtype), rng.standard_normal((2, 2, 5, 3)).astype(dtype)
    parity(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, enable_gqa=True),
           lambda q, k, v: torch.nn.functional.scaled_dot_product_attention(q, k, v, enable_gqa=True),
           q, k, v, **TOL[dtype])


def test_sdpa_broadcast_batch_parity(parity, rng):
    q = rng.standard_normal((2, 3, 4, 5))
    k, v = rng.standard_normal((1, 3, 6, 5)), rng.standard_normal((2, 1, 6, 2))
    parity(lambda q, k, v: F.scaled_dot_product_attention(q, k, v),
           lambda q, k, v: torch.nn.functional.scaled_dot_product_attention(q, k, v), q, k, v)


def test_sdpa_defaults_match_torch():
    import inspect

    ours = inspect.signature(F.scaled_dot_product_attention).parameters
    assert list(ours) == ["query", "key", "value", "attn_mask", "dropout_p", "is_causal", "scale", "enable_gqa"]
    assert [p.default for p in ours.values()][3:] == [None, 0.0, False, None, False]


def _raises_like_torch(fn_sj, fn_th, match):
    with pytest.raises(Exception) as th:
        fn_th()
    with pytest.raises(type(th.value), match=match):
        fn_sj()


@pytest.mark.parametrize("case", ["causal_and_mask", "int_mask", "f64_mask_f32_q", "mixed_dtype", "dropout",
                                  "1d", "gqa_heads"])
def test_sdpa_errors_like_torch(rng, case):
    q, k, v = _qkv(rng, "float32")
    m = None
    kw = {}
    match = "scaled_dot_product_attention|attn_mask|dtype|dropout|heads|dimensional"
    if case == "causal_and_mask":
        kw = {"attn_mask": np.ones((4, 6), bool), "is_causal": True}
        match = "is_causal"
    elif case == "int_mask":
        kw = {"attn_mask": np.zeros((4, 6), np.int64)}
        match = "attn_mask dtype"
    elif case == "f64_mask_f32_q":
        kw = {"attn_mask": np.zeros((4, 6), np.float64)}
        match = "attn_mask dtype"
    elif case == "mixed_dtype":
        k = k.astype(np.float64)
        match = "same dtype"
    elif case == "dropout":
        kw = {"dropout_p": 1.5}
        match = "dropout probability .* 1.5"
    elif case == "1d":
        q = q[0, 0, 0]
        match = "at least 2"
    elif case == "gqa_heads":
        k, v = k[:, :2], v[:, :2]
        kw = {"enable_gqa": True}
        match = "heads"
    del m
    conv = {"attn_mask": lambda a, mod: mod.tensor(a)}

    def call(mod, fn):
        args = {n: conv[n](a, mod) if n in conv else a for n, a in kw.items()}
        return fn(mod.tensor(q), mod.tensor(k), mod.tensor(v), **args)

    _raises_like_torch(lambda: call(sj, F.scaled_dot_product_attention),
                       lambda: call(torch, torch.nn.functional.scaled_dot_product_attention), match)


# ----------------------------------------------------------------- MultiheadAttention
def _load(sj_mod, th_mod):
    sj_mod.load_state_dict({k: sj.tensor(v.detach().numpy()) for k, v in th_mod.state_dict().items()})


def _compare_grads(sj_mod, th_mod, tol):
    sp = dict(sj_mod.named_parameters())
    tp = dict(th_mod.named_parameters())
    assert list(sp) == list(tp)
    for name, t in tp.items():
        s = sp[name]
        assert s.grad is not None, f"{name}: no gradient"
        np.testing.assert_allclose(s.grad.numpy(), t.grad.numpy(), err_msg=f"gradient of {name}", **tol)


def _pair_mha(dtype, **kw):
    torch.manual_seed(0)
    tdt = getattr(torch, dtype)
    th = torch.nn.MultiheadAttention(**kw, dtype=tdt)
    s = sj.nn.MultiheadAttention(**kw, dtype=getattr(sj, dtype))
    _load(s, th)
    return s, th


def _run_mha(s, th, q, k, v, tol, self_attn=False, **fkw):
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    sq, sk, sv = (sj.tensor(a, requires_grad=True) for a in (q, k, v))
    if self_attn:
        tk = tv = tq
        sk = sv = sq
    tkw = {n: torch.tensor(a) if isinstance(a, np.ndarray) else a for n, a in fkw.items()}
    skw = {n: sj.tensor(a) if isinstance(a, np.ndarray) else a for n, a in fkw.items()}
    to, tw = th(tq, tk, tv, **tkw)
    so, sw = s(sq, sk, sv, **skw)
    assert tuple(so.shape) == tuple(to.shape)
    assert so.dtype.name == str(to.dtype).removeprefix("torch.")
    np.testing.assert_allclose(so.detach().numpy(), to.detach().numpy(), **tol)
    if tw is None:
        assert sw is None
    else:
        assert tuple(sw.shape) == tuple(tw.shape)
        np.testing.assert_allclose(sw.detach().numpy(), tw.detach().numpy(), **tol)
    rng = np.random.default_rng(1)
    g = rng.standard_normal(tuple(to.shape))
    tl, sl = (to * torch.tensor(g, dtype=to.dtype)).sum(), (so * sj.tensor(g, dtype=so.dtype)).sum()
    if tw is not None:
        gw = rng.standard_normal(tuple(tw.shape))
        tl = tl + (tw * torch.tensor(gw, dtype=tw.dtype)).sum()
        sl = sl + (sw * sj.tensor(gw, dtype=sw.dtype)).sum()
    tl.backward()
    sl.backward()
    _compare_grads(s, th, tol)
    for a, b in ((sq, tq), (sk, tk), (sv, tv)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **tol)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("self_attn", [False, True])
def test_mha_parity(rng, dtype, batch_first, need_weights, average, self_attn):
    s, th = _pair_mha(dtype, embed_dim=8, num_heads=2, batch_first=batch_first)
    L, S, N = 4, (4 if self_attn else 5), 3
    shape = (lambda n: (N, n, 8)) if batch_first else (lambda n: (n, N, 8))
    q, k, v = (rng.standard_normal(shape(n)).astype(dtype) for n in (L, S, S))
    _run_mha(s, th, q, k, v, TOL[dtype], self_attn=self_attn, need_weights=need_weights,
             average_attn_weights=average)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", ["bool", "float"])
@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("masks", ["kpm", "attn2d", "attn3d", "both"])
def test_mha_masks_parity(rng, dtype, kind, need_weights, masks):
    s, th = _pair_mha(dtype, embed_dim=6, num_heads=3)
    L, S, N, H = 4, 5, 2, 3
    q, k, v = (rng.standard_normal((n, N, 6)).astype(dtype) for n in (L, S, S))
    fkw = {"need_weights": need_weights}

    def mk(shape):
        m = rng.random(shape) > 0.6
        m[..., 0] = False  # True = masked out here; keep one key per row
        return m if kind == "bool" else np.where(m, -np.inf, rng.standard_normal(shape)).astype(dtype)

    if masks in ("kpm", "both"):
        fkw["key_padding_mask"] = mk((N, S))
    if masks in ("attn2d", "both"):
        fkw["attn_mask"] = mk((L, S))
    if masks == "attn3d":
        fkw["attn_mask"] = mk((N * H, L, S))
    _run_mha(s, th, q, k, v, TOL[dtype], **fkw)


def test_mha_causal_hint(rng):
    s, th = _pair_mha("float64", embed_dim=4, num_heads=2)
    x = rng.standard_normal((5, 2, 4))
    mask = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64).numpy()
    _run_mha(s, th, x, x, x, TOL["float64"], self_attn=True, attn_mask=mask, is_causal=True, need_weights=False)
    _raises_like_torch(lambda: s(sj.tensor(x), sj.tensor(x), sj.tensor(x), is_causal=True),
                       lambda: th(torch.tensor(x), torch.tensor(x), torch.tensor(x), is_causal=True),
                       "Need attn_mask")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_mha_kdim_vdim_parity(rng, dtype, batch_first):
    s, th = _pair_mha(dtype, embed_dim=6, num_heads=2, kdim=4, vdim=3, batch_first=batch_first)
    assert s.in_proj_weight is None and tuple(s.k_proj_weight.shape) == (6, 4)
    L, S, N = 3, 5, 2
    shape = (lambda n, e: (N, n, e)) if batch_first else (lambda n, e: (n, N, e))
    q = rng.standard_normal(shape(L, 6)).astype(dtype)
    k = rng.standard_normal(shape(S, 4)).astype(dtype)
    v = rng.standard_normal(shape(S, 3)).astype(dtype)
    kpm = rng.random((N, S)) > 0.7
    kpm[:, 0] = False
    _run_mha(s, th, q, k, v, TOL[dtype], key_padding_mask=kpm)


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_unbatched_parity(rng, need_weights):
    s, th = _pair_mha("float64", embed_dim=4, num_heads=2, batch_first=True)
    q, k, v = rng.standard_normal((3, 4)), rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    kpm = np.array([False, True, False, False, True])
    _run_mha(s, th, q, k, v, TOL["float64"], key_padding_mask=kpm, need_weights=need_weights)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("add_bias_kv", [False, True])
@pytest.mark.parametrize("add_zero_attn", [False, True])
def test_mha_options_parity(rng, bias, add_bias_kv, add_zero_attn):
    s, th = _pair_mha("float64", embed_dim=4, num_heads=2, bias=bias, add_bias_kv=add_bias_kv,
                      add_zero_attn=add_zero_attn)
    q, k, v = rng.standard_normal((3, 2, 4)), rng.standard_normal((5, 2, 4)), rng.standard_normal((5, 2, 4))
    kpm = np.zeros((2, 5), bool)
    kpm[1, 3:] = True
    am = rng.random((3, 5)) > 0.7
    am[:, 0] = False
    for nw in (True, False):
        s.zero_grad()
        th.zero_grad()
        _run_mha(s, th, q, k, v, TOL["float64"], key_padding_mask=kpm, attn_mask=am, need_weights=nw)


def test_mha_state_dict_names_and_init():
    torch.manual_seed(0)
    for kw in ({}, {"kdim": 3, "vdim": 5}, {"bias": False}, {"add_bias_kv": True}):
        th = torch.nn.MultiheadAttention(6, 2, **kw)
        s = sj.nn.MultiheadAttention(6, 2, **kw)
        assert list(s.state_dict()) == list(th.state_dict())
        for (n, a), b in zip(s.state_dict().items(), th.state_dict().values()):
            assert tuple(a.shape) == tuple(b.shape), n
        th.load_state_dict({k: torch.tensor(v.numpy()) for k, v in s.state_dict().items()})  # and back
        assert repr(s) == repr(th)
    sj.manual_seed(0)
    m = sj.nn.MultiheadAttention(64, 4)
    a = np.sqrt(6 / (64 + 192))
    w = m.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= a and np.abs(w).max() > 0.9 * a
    assert not m.in_proj_bias.detach().numpy().any() and not m.out_proj.bias.detach().numpy().any()
    assert type(m.out_proj).__name__ == "NonDynamicallyQuantizableLinear" and isinstance(m.out_proj, sj.nn.Linear)
    assert (m.embed_dim, m.num_heads, m.head_dim, m.batch_first, m.dropout) == (64, 4, 16, False, 0.0)


def test_mha_errors_like_torch():
    with pytest.raises(AssertionError, match="divisible"):
        sj.nn.MultiheadAttention(6, 4)
    with pytest.raises(AssertionError):
        torch.nn.MultiheadAttention(6, 4)
    th, s = torch.nn.MultiheadAttention(4, 2), sj.nn.MultiheadAttention(4, 2)
    x = np.zeros((3, 2, 4), np.float32)
    _raises_like_torch(lambda: s(sj.tensor(x), sj.tensor(x), sj.tensor(x), attn_mask=sj.zeros(2, 3)),
                       lambda: th(torch.tensor(x), torch.tensor(x), torch.tensor(x), attn_mask=torch.zeros(2, 3)),
                       "2D attn_mask")
    x5 = np.zeros((3, 2, 5), np.float32)
    _raises_like_torch(lambda: s(sj.tensor(x5), sj.tensor(x5), sj.tensor(x5)),
                       lambda: th(torch.tensor(x5), torch.tensor(x5), torch.tensor(x5)), "embedding dimension")


def test_mha_dropout_in_training_only(rng):
    sj.manual_seed(0)
    m = sj.nn.MultiheadAttention(4, 2, dropout=0.5).double()
    x = sj.tensor(rng.standard_normal((6, 2, 4)))
    a, wa = m(x, x, x)
    b, wb = m(x, x, x)
    assert not np.allclose(wa.detach().numpy(), wb.detach().numpy())
    m.eval()
    c, _ = m(x, x, x)
    d, _ = m(x, x, x)
    np.testing.assert_array_equal(c.detach().numpy(), d.detach().numpy())


# ----------------------------------------------------------------- Transformer encoder
def _pair_layer(dtype, **kw):
    torch.manual_seed(0)
    th = torch.nn.TransformerEncoderLayer(**kw, dtype=getattr(torch, dtype)).eval()
    s = sj.nn.TransformerEncoderLayer(**kw, dtype=getattr(sj, dtype)).eval()
    _load(s, th)
    return s, th


def _run_encoder(s, th, x, tol, **fkw):
    tx, sx = torch.tensor(x, requires_grad=True), sj.tensor(x, requires_grad=True)
    tkw = {n: torch.tensor(a) if isinstance(a, np.ndarray) else a for n, a in fkw.items()}
    skw = {n: sj.tensor(a) if isinstance(a, np.ndarray) else a for n, a in fkw.items()}
    to, so = th(tx, **tkw), s(sx, **skw)
    assert tuple(so.shape) == tuple(to.shape)
    assert so.dtype.name == str(to.dtype).removeprefix("torch.")
    np.testing.assert_allclose(so.detach().numpy(), to.detach().numpy(), **tol)
    g = np.random.default_rng(2).standard_normal(tuple(to.shape))
    (to * torch.tensor(g, dtype=to.dtype)).sum().backward()
    (so * sj.tensor(g, dtype=so.dtype)).sum().backward()
    _compare_grads(s, th, tol)
    np.testing.assert_allclose(sx.grad.numpy(), tx.grad.numpy(), **tol)


def _enc_masks(rng, kind, L, N, dtype):
    out = {}
    if kind in ("kpm", "both"):
        kpm = np.zeros((N, L), bool)
        kpm[1, -2:] = True
        out["src_key_padding_mask"] = kpm
    if kind == "causal":
        out["mask"] = np.triu(np.full((L, L), -np.inf), 1).astype(dtype)
    if kind == "both":
        out["src_mask"] = np.triu(np.ones((L, L), bool), 1)
    return out


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("masks", ["none", "kpm", "both"])
def test_encoder_layer_parity(rng, dtype, norm_first, activation, batch_first, masks):
    s, th = _pair_layer(dtype, d_model=8, nhead=2, dim_feedforward=16, activation=activation,
                        batch_first=batch_first, norm_first=norm_first)
    L, N = 5, 2
    x = rng.standard_normal((N, L, 8) if batch_first else (L, N, 8)).astype(dtype)
    _run_encoder(s, th, x, TOL[dtype], **_enc_masks(rng, masks, L, N, dtype))


def test_encoder_layer_callable_activation_and_no_bias(rng):
    s, th = _pair_layer("float64", d_model=4, nhead=2, dim_feedforward=6, bias=False, layer_norm_eps=1e-3)
    s.activation, th.activation = sj.tanh, torch.tanh
    _run_encoder(s, th, rng.standard_normal((3, 2, 4)), TOL["float64"])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("with_norm", [False, True])
@pytest.mark.parametrize("masks", ["none", "kpm", "causal"])
def test_encoder_parity(rng, dtype, norm_first, with_norm, masks):
    torch.manual_seed(0)
    tdt, sdt = getattr(torch, dtype), getattr(sj, dtype)
    tl = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, activation="gelu", norm_first=norm_first,
                                          batch_first=True, dtype=tdt)
    sl = sj.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, activation="gelu", norm_first=norm_first,
                                       batch_first=True, dtype=sdt)
    th = torch.nn.TransformerEncoder(tl, 2, norm=torch.nn.LayerNorm(8, dtype=tdt) if with_norm else None,
                                     enable_nested_tensor=False).eval()
    s = sj.nn.TransformerEncoder(sl, 2, norm=sj.nn.LayerNorm(8, dtype=sdt) if with_norm else None).eval()
    assert list(s.state_dict()) == list(th.state_dict())
    # the clones are independent copies
    assert s.layers[0].self_attn.in_proj_weight is not s.layers[1].self_attn.in_proj_weight
    assert s.layers[0].self_attn.in_proj_weight is not sl.self_attn.in_proj_weight
    with torch.no_grad():  # the clones start equal (deep copies, as in torch): make the layers differ
        for p in th.parameters():
            p.add_(0.1 * torch.randn_like(p))
    _load(s, th)
    L, N = 5, 3
    kw = _enc_masks(rng, masks, L, N, dtype)
    if masks == "causal":
        kw["is_causal"] = True
    _run_encoder(s, th, rng.standard_normal((N, L, 8)).astype(dtype), TOL[dtype], **kw)


def test_encoder_state_dict_round_trip_and_repr():
    torch.manual_seed(0)
    for kw in ({}, {"norm_first": True, "activation": "gelu", "bias": False}, {"activation": torch.nn.GELU()}):
        skw = dict(kw)
        if "activation" in kw and not isinstance(kw["activation"], str):
            skw["activation"] = sj.nn.GELU()
        tl, sl = torch.nn.TransformerEncoderLayer(8, 2, 16, **kw), sj.nn.TransformerEncoderLayer(8, 2, 16, **skw)
        assert repr(sl) == repr(tl)
        assert list(sl.state_dict()) == list(tl.state_dict())
        th = torch.nn.TransformerEncoder(tl, 3, norm=torch.nn.LayerNorm(8), enable_nested_tensor=False)
        s = sj.nn.TransformerEncoder(sl, 3, norm=sj.nn.LayerNorm(8))
        assert repr(s) == repr(th)
        assert "layers.0.self_attn.in_proj_weight" in s.state_dict()
        th.load_state_dict({k: torch.tensor(v.numpy()) for k, v in s.state_dict().items()})
        s.load_state_dict({k: sj.tensor(v.numpy()) for k, v in th.state_dict().items()})


def test_encoder_layer_defaults_and_errors():
    layer = sj.nn.TransformerEncoderLayer(8, 2)
    assert tuple(layer.linear1.weight.shape) == (2048, 8)
    assert layer.dropout.p == 0.1 and layer.norm1.eps == 1e-5 and not layer.norm_first
    assert layer.activation is F.relu
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        sj.nn.TransformerEncoderLayer(8, 2, activation="tanh")
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        torch.nn.TransformerEncoderLayer(8, 2, activation="tanh")


def test_encoder_layer_dropout_in_training(rng):
    sj.manual_seed(0)
    layer = sj.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5).double()
    x = sj.tensor(rng.standard_normal((4, 2, 8)))
    assert not np.allclose(layer(x).detach().numpy(), layer(x).detach().numpy())
    layer.eval()
    np.testing.assert_array_equal(layer(x).detach().numpy(), layer(x).detach().numpy())
