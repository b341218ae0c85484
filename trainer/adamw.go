package trainer

import (
	"math"
	"strings"

	"mathzero/model"
)

// adamW is Adam with decoupled weight decay (Loshchilov & Hutter), written over the parameters' own
// []float32 so the sampler and the graph see each update in place, and its state is plain slices a
// checkpoint can hold. For each parameter x with gradient g, at step t (from 1):
//
//	m = β1 m + (1-β1) g;  v = β2 v + (1-β2) g²
//	x -= lr (m/(1-β1^t)) / (sqrt(v/(1-β2^t)) + eps) + lr λ x     (λ only on decayed tensors)
type adamW struct {
	beta1, beta2, eps, decay float64
	t                        int
	m, v                     [][]float32
	decayed                  []bool
}

func newAdamW(p *model.Params, beta1, beta2, eps, decay float64) *adamW {
	a := &adamW{beta1: beta1, beta2: beta2, eps: eps, decay: decay}
	for _, t := range p.Tensors {
		a.m = append(a.m, make([]float32, len(t.Data)))
		a.v = append(a.v, make([]float32, len(t.Data)))
		// Decay matrices and embeddings; biases (the attention's relative-position bias among
		// them, though it is 2-D) and LayerNorm gains are not weights to shrink.
		a.decayed = append(a.decayed, len(t.Shape) == 2 && !strings.HasSuffix(t.Name, ".b") && !strings.HasSuffix(t.Name, ".rel_bias"))
	}
	return a
}

// step applies one update with learning rate lr to params from grads (same order and sizes).
func (a *adamW) step(params []*model.Tensor, grads [][]float32, lr float64) {
	a.t++
	c1 := 1 - math.Pow(a.beta1, float64(a.t))
	c2 := 1 - math.Pow(a.beta2, float64(a.t))
	b1, b2 := float32(a.beta1), float32(a.beta2)
	for i, p := range params {
		m, v, g, x := a.m[i], a.v[i], grads[i], p.Data
		shrink := float32(1)
		if a.decayed[i] {
			shrink = float32(1 - lr*a.decay)
		}
		step := float32(lr / c1)
		rc2 := float32(1 / math.Sqrt(c2))
		eps := float32(a.eps)
		for k := range x {
			m[k] = b1*m[k] + (1-b1)*g[k]
			v[k] = b2*v[k] + (1-b2)*g[k]*g[k]
			x[k] = x[k]*shrink - step*m[k]/(float32(math.Sqrt(float64(v[k])))*rc2+eps)
		}
	}
}

// clipGlobalNorm scales grads so their joint L2 norm is at most maxNorm (0: no clipping) and returns
// the norm before clipping.
func clipGlobalNorm(grads [][]float32, maxNorm float64) float64 {
	var ss float64
	for _, g := range grads {
		for _, v := range g {
			ss += float64(v) * float64(v)
		}
	}
	norm := math.Sqrt(ss)
	if maxNorm > 0 && norm > maxNorm {
		s := float32(maxNorm / norm)
		for _, g := range grads {
			for k := range g {
				g[k] *= s
			}
		}
	}
	return norm
}
