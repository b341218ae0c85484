package model

import (
	"fmt"
	"math"
	"slices"
)

// The slow, obvious model: float64, naive loops, no cache, every position recomputed from the
// embeddings. The sampler and the graph are both held to it.

// refGet returns tensor name of p in float64.
func refGet(p *Params, name string) []float64 {
	t := p.Lookup(name)
	out := make([]float64, len(t.Data))
	for i, v := range t.Data {
		out[i] = float64(v)
	}
	return out
}

// refMatmul is x @ w + bias for rows x of width in and w [in, out].
func refMatmul(x [][]float64, w []float64, bias []float64, in, out int) [][]float64 {
	y := make([][]float64, len(x))
	for i := range x {
		y[i] = make([]float64, out)
		for j := 0; j < out; j++ {
			s := bias[j]
			for k := 0; k < in; k++ {
				s += x[i][k] * w[k*out+j]
			}
			y[i][j] = s
		}
	}
	return y
}

// refFFN is GELU(x @ fc.w + fc.b) @ out.w + out.b for the MLP whose tensors start with prefix.
func refFFN(p *Params, prefix string, x [][]float64, D, F int) [][]float64 {
	f := refMatmul(x, refGet(p, prefix+"fc.w"), refGet(p, prefix+"fc.b"), D, F)
	for t := range f {
		for j, u := range f[t] {
			f[t][j] = 0.5 * u * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(u+0.044715*u*u*u)))
		}
	}
	return refMatmul(f, refGet(p, prefix+"out.w"), refGet(p, prefix+"out.b"), F, D)
}

// refMoE is block l's mixture of experts applied to the rows of h, as the package comment of
// moe.go writes it. If routes is not nil, the experts each row selects are appended to it, in
// order of selection.
func refMoE(p *Params, l int, h [][]float64, routes *[]int) [][]float64 {
	c := p.Config
	D, E, F := c.DModel, c.Experts, c.ExpertDFF
	pre := fmt.Sprintf("blocks.%d.moe.", l)
	out := make([][]float64, len(h))
	for t := range out {
		out[t] = make([]float64, D)
	}
	for k := 0; k < c.SharedExperts; k++ {
		y := refFFN(p, fmt.Sprintf("%sshared.%d.", pre, k), h, D, F)
		for t := range out {
			for j := range out[t] {
				out[t][j] += y[t][j]
			}
		}
	}
	z := refMatmul(h, refGet(p, pre+"router.w"), make([]float64, E), D, E)
	bias := refGet(p, pre+"router.bias")
	for t := range h {
		s := make([]float64, E)
		for i := range s {
			s[i] = 1 / (1 + math.Exp(-z[t][i]))
		}
		var chosen []int
		sum := 0.0
		for len(chosen) < c.TopK {
			best := -1
			for i := range s {
				if slices.Contains(chosen, i) {
					continue
				}
				if best < 0 || s[i]+bias[i] > s[best]+bias[best] {
					best = i
				}
			}
			chosen = append(chosen, best)
			sum += s[best]
		}
		if routes != nil {
			*routes = append(*routes, chosen...)
		}
		for _, i := range chosen {
			y := refFFN(p, fmt.Sprintf("%sexpert.%d.", pre, i), h[t:t+1], D, F)[0]
			for j := range out[t] {
				out[t][j] += c.routedScale() * s[i] / sum * y[j]
			}
		}
	}
	return out
}

// refLogits returns the logits (len(seq) × Vocab) of every position of seq, at temperature 1.
func refLogits(p *Params, seq []int) [][]float64 { return refForward(p, seq, nil) }

// refForward is refLogits, appending each MoE block's selections to routes if it is not nil.
func refForward(p *Params, seq []int, routes *[]int) [][]float64 {
	c := p.Config
	D, H, F, V := c.DModel, c.Heads, c.DFF, c.Vocab
	d := D / H
	get := func(name string) []float64 { return refGet(p, name) }
	matmul := refMatmul
	ln := func(x [][]float64, g, b []float64) [][]float64 {
		y := make([][]float64, len(x))
		for i, row := range x {
			mean := 0.0
			for _, v := range row {
				mean += v
			}
			mean /= float64(len(row))
			vr := 0.0
			for _, v := range row {
				vr += (v - mean) * (v - mean)
			}
			vr /= float64(len(row))
			y[i] = make([]float64, len(row))
			for j, v := range row {
				y[i][j] = g[j]*(v-mean)/math.Sqrt(vr+1e-5) + b[j]
			}
		}
		return y
	}
	T := len(seq)
	tok := get("tok_emb")
	x := make([][]float64, T)
	for t, id := range seq {
		x[t] = make([]float64, D)
		for j := 0; j < D; j++ {
			x[t][j] = tok[id*D+j]
		}
	}
	if !c.RoPE && !c.RelBias {
		pos := get("pos_emb")
		for t := range x {
			for j := range x[t] {
				x[t][j] += pos[t*D+j]
			}
		}
	}
	for l := 0; l < c.Layers; l++ {
		pre := fmt.Sprintf("blocks.%d.", l)
		a := ln(x, get(pre+"ln1.g"), get(pre+"ln1.b"))
		qkv := matmul(a, get(pre+"attn.qkv.w"), get(pre+"attn.qkv.b"), D, 3*D)
		if c.RoPE {
			for t := range qkv {
				for h := 0; h < 2*H; h++ { // the heads of q, then those of k
					refRotateBase(qkv[t][h*d:(h+1)*d], t, c.RoPEBase)
				}
			}
		}
		var bias []float64 // [H, Ctx]
		if c.RelBias {
			bias = get(pre + "attn.rel_bias")
		}
		o := make([][]float64, T)
		for t := 0; t < T; t++ {
			o[t] = make([]float64, D)
			for h := 0; h < H; h++ {
				w := make([]float64, t+1)
				mx := math.Inf(-1)
				for s := 0; s <= t; s++ {
					dot := 0.0
					for e := 0; e < d; e++ {
						dot += qkv[t][h*d+e] * qkv[s][D+h*d+e]
					}
					w[s] = dot / math.Sqrt(float64(d))
					if c.RelBias {
						w[s] += bias[h*c.Ctx+t-s]
					}
					mx = math.Max(mx, w[s])
				}
				sum := 0.0
				for s := range w {
					w[s] = math.Exp(w[s] - mx)
					sum += w[s]
				}
				for s := range w {
					for e := 0; e < d; e++ {
						o[t][h*d+e] += w[s] / sum * qkv[s][2*D+h*d+e]
					}
				}
			}
		}
		proj := matmul(o, get(pre+"attn.proj.w"), get(pre+"attn.proj.b"), D, D)
		for t := range x {
			for j := range x[t] {
				x[t][j] += proj[t][j]
			}
		}
		h := ln(x, get(pre+"ln2.g"), get(pre+"ln2.b"))
		var out [][]float64
		if c.MoE() {
			out = refMoE(p, l, h, routes)
		} else {
			out = refFFN(p, pre+"mlp.", h, D, F)
		}
		for t := range x {
			for j := range x[t] {
				x[t][j] += out[t][j]
			}
		}
	}
	return matmul(ln(x, get("ln_f.g"), get("ln_f.b")), get("head.w"), get("head.b"), D, V)
}

// refRotate applies RoPE's R_t to the head vector x in place, as the package comment writes it:
// for i < d/2, θ_i = 10000^(−2i/d), the pair (x[i], x[i+d/2]) turns by the angle tθ_i.
func refRotate(x []float64, t int) { refRotateBase(x, t, 0) }

// refRotateBase is refRotate with θ_i = base^(−2i/d) (10000 if base is 0).
func refRotateBase(x []float64, t int, base float64) {
	if base == 0 {
		base = 10000
	}
	d := len(x)
	half := d / 2
	for i := 0; i < half; i++ {
		a := float64(t) * math.Pow(base, -2*float64(i)/float64(d))
		c, s := math.Cos(a), math.Sin(a)
		x[i], x[i+half] = x[i]*c-x[i+half]*s, x[i+half]*c+x[i]*s
	}
}

// refLogSoftmax returns log softmax(logits/tau).
func refLogSoftmax(logits []float64, tau float64) []float64 {
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = math.Max(mx, v/tau)
	}
	sum := 0.0
	for _, v := range logits {
		sum += math.Exp(v/tau - mx)
	}
	out := make([]float64, len(logits))
	for i, v := range logits {
		out[i] = v/tau - mx - math.Log(sum)
	}
	return out
}

// refLogpEntropy returns, for every position t of seq, log π(targets[t] | seq[:t+1]) and the
// entropy of π(· | seq[:t+1]), at temperature tau.
func refLogpEntropy(p *Params, seq, targets []int, tau float64) (logp, entropy []float64) {
	for t, lg := range refLogits(p, seq) {
		ls := refLogSoftmax(lg, tau)
		logp = append(logp, ls[targets[t]])
		h := 0.0
		for _, v := range ls {
			h -= math.Exp(v) * v
		}
		entropy = append(entropy, h)
	}
	return logp, entropy
}
