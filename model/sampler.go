package model

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
)

// Sampler runs the model forward in plain Go with a KV cache, for rollouts (Generate) and
// teacher-forced scoring (LogProbs). It reads its Params' slices at every call, so after an
// optimizer updates them in place the next call samples from the new policy.
//
// Every call pushes the rows it has to compute (all prompt tokens first, then one row per active
// sequence and step) through the network in chunks, one matrix product per weight and chunk via
// the kernel Sgemm; attention reads the cached keys and values of each row's own sequence. Each row
// carries its own position, so prompts of different lengths are prefilled together in one pass.
// GELU and attention are split across GOMAXPROCS goroutines on large chunks. The KV cache holds
// 2·Layers·len(prompts)·Ctx·DModel floats (33 MB for 512 prompts of the default config).
//
// A Sampler reuses its buffers between calls and is not safe for concurrent use: give each
// goroutine its own (they may share Params, as long as nobody writes them meanwhile).
type Sampler struct {
	p *Params

	kc, vc [][]float32 // per layer: keys and values, [slot][pos][D]

	// Scratch, sized for maxChunk rows.
	x, h, qkv, att, ff []float32
	hf, logits         []float32
	probs              []float64
	rowsA, rowsB       []row
	sel                []int
}

// row is one token to push through the network: the token tok at position pos of sequence slot.
// out >= 0 asks for the logits at this row, reported under that id.
type row struct {
	slot, pos, tok, out int
}

// maxChunk is the most rows one forward pass computes at once; it bounds the scratch memory
// (about maxChunk·(5D+F) floats) while keeping matrix products large.
const maxChunk = 2048

// NewSampler returns a sampler over p. p is checked at every call rather than here, so that a
// Sampler can be built before its parameters are loaded.
func NewSampler(p *Params) *Sampler {
	return &Sampler{p: p}
}

// Sample is one generated continuation.
type Sample struct {
	Tokens []int     // generated tokens, including the stop token if it was emitted
	Logp   []float32 // Logp[k] = log π(Tokens[k] | prompt, Tokens[:k]) under the sampling distribution
}

// Generate continues each prompt (prompts may differ in length; the output is in input order) for
// at most maxNew tokens, until it emits stop, or until prompt and continuation fill Ctx, whichever
// comes first. stop < 0 disables stopping.
//
// temperature > 0 samples from softmax(logits/temperature), drawing one rng.Float64 per token
// (in order of sequence, step by step), and Logp is under that distribution. temperature == 0
// decodes greedily (argmax; ties go to the lowest id), needs no rng, and reports Logp under
// temperature 1.
func (s *Sampler) Generate(prompts [][]int, maxNew int, temperature float64, stop int, rng *rand.Rand) ([]Sample, error) {
	if err := s.p.Check(); err != nil {
		return nil, err
	}
	cfg := s.p.Config
	if maxNew < 0 {
		return nil, fmt.Errorf("model: Generate: maxNew %d is negative", maxNew)
	}
	if stop >= cfg.Vocab {
		return nil, fmt.Errorf("model: Generate: stop token %d out of range [0, %d) (negative disables it)", stop, cfg.Vocab)
	}
	greedy := temperature == 0
	tau, err := checkTemperature(temperature)
	if err != nil {
		return nil, fmt.Errorf("model: Generate: %w", err)
	}
	if !greedy && rng == nil {
		return nil, errors.New("model: Generate: sampling at temperature > 0 needs a random source, got nil")
	}
	total := 0
	for i, pr := range prompts {
		if err := s.checkTokens(pr, cfg.Ctx); err != nil {
			return nil, fmt.Errorf("model: Generate: prompt %d: %w", i, err)
		}
		total += min(maxNew, cfg.Ctx-len(pr))
	}

	// The samples' slices are carved from two backing arrays: two allocations per call.
	out := make([]Sample, len(prompts))
	toks, logps := make([]int, total), make([]float32, total)
	off := 0
	for i, pr := range prompts {
		n := min(maxNew, cfg.Ctx-len(pr))
		out[i].Tokens = toks[off : off : off+n]
		out[i].Logp = logps[off : off : off+n]
		off += n
	}
	if total == 0 {
		return out, nil
	}
	s.reserve(len(prompts))

	// Prefill: every prompt token, with logits at each prompt's last token.
	rows := s.rowsA[:0]
	for i, pr := range prompts {
		for t, tok := range pr {
			o := -1
			if t == len(pr)-1 && cap(out[i].Tokens) > 0 {
				o = i
			}
			rows = append(rows, row{slot: i, pos: t, tok: tok, out: o})
		}
	}
	next := s.rowsB[:0]
	emit := func(i int, logits []float32) {
		var tok int
		var lp float32
		if greedy {
			tok = argmax(logits)
			lp = s.logSoftmaxAt(logits, 1, tok)
		} else {
			tok, lp = s.sample(logits, 1/tau, rng)
		}
		smp := &out[i]
		smp.Tokens = append(smp.Tokens, tok)
		smp.Logp = append(smp.Logp, lp)
		if tok != stop && len(smp.Tokens) < cap(smp.Tokens) {
			pos := len(prompts[i]) + len(smp.Tokens) - 1
			next = append(next, row{slot: i, pos: pos, tok: tok, out: i})
		}
	}
	for len(rows) > 0 {
		next = next[:0]
		s.run(rows, emit)
		rows, next = next, rows
	}
	s.rowsA, s.rowsB = rows[:0], next[:0]
	return out, nil
}

// LogProbs scores completions teacher-forced: out[i][k] = log π(completions[i][k] | prompts[i],
// completions[i][:k]) under softmax(logits/temperature); temperature 0 means 1, as for the
// log-probs Generate reports when decoding greedily. Each prompt must be non-empty, and prompt and
// completion together at most Ctx tokens.
func (s *Sampler) LogProbs(prompts, completions [][]int, temperature float64) ([][]float32, error) {
	if err := s.p.Check(); err != nil {
		return nil, err
	}
	if len(prompts) != len(completions) {
		return nil, fmt.Errorf("model: LogProbs: %d prompts but %d completions", len(prompts), len(completions))
	}
	tau, err := checkTemperature(temperature)
	if err != nil {
		return nil, fmt.Errorf("model: LogProbs: %w", err)
	}
	if err := s.checkTeacher(prompts, completions); err != nil {
		return nil, fmt.Errorf("model: LogProbs: %w", err)
	}
	total := 0
	for i := range prompts {
		c := completions[i]
		total += len(c)
	}

	out := make([][]float32, len(prompts))
	flat := make([]float32, total)
	targets := make([]int, total)
	off := 0
	for i, c := range completions {
		out[i] = flat[off : off+len(c) : off+len(c)]
		copy(targets[off:], c)
		off += len(c)
	}
	if total == 0 {
		return out, nil
	}
	s.reserve(len(prompts))

	rows := teacherRows(s.rowsA[:0], prompts, completions)
	s.run(rows, func(o int, logits []float32) {
		flat[o] = s.logSoftmaxAt(logits, 1/tau, targets[o])
	})
	s.rowsA = rows[:0]
	return out, nil
}

// checkTokens validates a prompt.
func (s *Sampler) checkTokens(pr []int, ctx int) error {
	if len(pr) == 0 {
		return errors.New("empty prompt")
	}
	if len(pr) > ctx {
		return fmt.Errorf("%d tokens, more than Ctx %d", len(pr), ctx)
	}
	for t, tok := range pr {
		if tok < 0 || tok >= s.p.Config.Vocab {
			return fmt.Errorf("token %d at %d out of range [0, %d)", tok, t, s.p.Config.Vocab)
		}
	}
	return nil
}

// reserve sizes the KV cache for n sequences and the scratch buffers for the current config.
func (s *Sampler) reserve(n int) {
	c := s.p.Config
	D, F := c.DModel, c.DFF
	if need := n * c.Ctx * D; len(s.kc) != c.Layers || len(s.kc[0]) < need {
		s.kc = make([][]float32, c.Layers)
		s.vc = make([][]float32, c.Layers)
		for l := range s.kc {
			s.kc[l] = make([]float32, need)
			s.vc[l] = make([]float32, need)
		}
	}
	grow := func(b []float32, n int) []float32 {
		if len(b) < n {
			return make([]float32, n)
		}
		return b
	}
	s.x = grow(s.x, maxChunk*D)
	s.h = grow(s.h, maxChunk*D)
	s.qkv = grow(s.qkv, maxChunk*3*D)
	s.att = grow(s.att, maxChunk*D)
	s.ff = grow(s.ff, maxChunk*F)
	s.hf = grow(s.hf, maxChunk*D)
	s.logits = grow(s.logits, maxChunk*c.Vocab)
	if len(s.probs) < c.Vocab {
		s.probs = make([]float64, c.Vocab)
	}
}

// run pushes rows through the network in chunks of at most maxChunk, in order, and calls emit
// with the logits of every row that asks for them, in row order. Rows of one sequence must come
// in order of position, each after (or in the same call as) all earlier positions of its sequence.
func (s *Sampler) run(rows []row, emit func(out int, logits []float32)) {
	V := s.p.Config.Vocab
	for len(rows) > 0 {
		chunk := rows[:min(len(rows), maxChunk)]
		rows = rows[len(chunk):]
		s.sel = s.sel[:0]
		for i, r := range chunk {
			if r.out >= 0 {
				s.sel = append(s.sel, i)
			}
		}
		s.forward(chunk, s.sel)
		for k, i := range s.sel {
			emit(chunk[i].out, s.logits[k*V:(k+1)*V])
		}
	}
}

// forward computes one chunk: it writes every row's keys and values into the cache and the
// logits of rows sel[k] into s.logits[k·V : (k+1)·V].
func (s *Sampler) forward(rows []row, sel []int) {
	c := s.p.Config
	T := s.p.Tensors
	n, D, F, V := len(rows), c.DModel, c.DFF, c.Vocab

	x := s.x[:n*D]
	tok, pos := T[idxTokEmb].Data, T[idxPosEmb].Data
	for i, r := range rows {
		xi := x[i*D : (i+1)*D]
		te, pe := tok[r.tok*D:(r.tok+1)*D], pos[r.pos*D:(r.pos+1)*D]
		for j := range xi {
			xi[j] = te[j] + pe[j]
		}
	}

	h, qkv, att, ff := s.h[:n*D], s.qkv[:n*3*D], s.att[:n*D], s.ff[:n*F]
	for l := 0; l < c.Layers; l++ {
		b := T[idxFirstBlock+l*perBlock : idxFirstBlock+(l+1)*perBlock]
		layerNorm(h, x, D, b[offLn1G].Data, b[offLn1B].Data)
		linear(qkv, h, n, D, 3*D, b[offQKVW].Data, b[offQKVB].Data, false)
		s.attention(att, qkv, rows, l)
		linear(x, att, n, D, D, b[offProjW].Data, b[offProjB].Data, true)
		layerNorm(h, x, D, b[offLn2G].Data, b[offLn2B].Data)
		linear(ff, h, n, D, F, b[offFcW].Data, b[offFcB].Data, false)
		parallel(len(ff), grainElems, func(lo, hi int) { gelu(ff[lo:hi]) })
		linear(x, ff, n, F, D, b[offOutW].Data, b[offOutB].Data, true)
	}

	m := len(sel)
	if m == 0 {
		return
	}
	hf := s.hf[:m*D]
	for k, i := range sel {
		copy(hf[k*D:(k+1)*D], x[i*D:(i+1)*D])
	}
	nf := len(T) - 4
	layerNorm(hf, hf, D, T[nf].Data, T[nf+1].Data)
	linear(s.logits[:m*V], hf, m, D, V, T[nf+2].Data, T[nf+3].Data, false)
}

// attention stores the keys and values of rows (columns [D,3D) of qkv) in layer l's cache, then
// writes each row's causal attention over its own sequence's positions 0..pos into att:
// att_j = softmax_s(q_j·k_{j,s}/sqrt(d)) v_{j,s} for each head j.
func (s *Sampler) attention(att, qkv []float32, rows []row, l int) {
	c := s.p.Config
	D, H, Ctx := c.DModel, c.Heads, c.Ctx
	d := D / H
	kc, vc := s.kc[l], s.vc[l]
	for i, r := range rows {
		base := (r.slot*Ctx + r.pos) * D
		copy(kc[base:base+D], qkv[i*3*D+D:i*3*D+2*D])
		copy(vc[base:base+D], qkv[i*3*D+2*D:i*3*D+3*D])
	}
	scale := float32(1 / math.Sqrt(float64(d)))
	parallel(len(rows), grainRows, func(lo, hi int) {
		sc := make([]float32, Ctx)
		for i := lo; i < hi; i++ {
			r := rows[i]
			seq := r.slot * Ctx * D
			n := r.pos + 1
			sc := sc[:n]
			for j := 0; j < H; j++ {
				q := qkv[i*3*D+j*d : i*3*D+(j+1)*d]
				mx := float32(math.Inf(-1))
				for t := 0; t < n; t++ {
					k := kc[seq+t*D+j*d : seq+t*D+(j+1)*d]
					var dot float32
					for e, qe := range q {
						dot += qe * k[e]
					}
					sc[t] = dot * scale
					mx = max(mx, sc[t])
				}
				var sum float32
				for t := range sc {
					sc[t] = float32(math.Exp(float64(sc[t] - mx)))
					sum += sc[t]
				}
				o := att[i*D+j*d : i*D+(j+1)*d]
				clear(o)
				inv := 1 / sum
				for t, w := range sc {
					w *= inv
					v := vc[seq+t*D+j*d : seq+t*D+(j+1)*d]
					for e := range o {
						o[e] += w * v[e]
					}
				}
			}
		}
	})
}

// linear computes dst = src @ w + b (or dst += src @ w + b when accumulate), for src of n rows
// of width in and w of shape [in, out], through the kernel Sgemm.
func linear(dst, src []float32, n, in, out int, w, b []float32, accumulate bool) {
	beta := float32(1)
	if !accumulate {
		for i := 0; i < n; i++ {
			copy(dst[i*out:(i+1)*out], b)
		}
	}
	gemm.Sgemm(blas.NoTrans, blas.NoTrans, n, out, in, 1, src[:n*in], in, w, out, beta, dst[:n*out], out)
	if accumulate {
		for i := 0; i < n; i++ {
			di := dst[i*out : (i+1)*out]
			for j, bj := range b {
				di[j] += bj
			}
		}
	}
}

// lnEps is LayerNorm's ε, as in PyTorch's default.
const lnEps = 1e-5

// layerNorm writes LN(src) row by row into dst (which may be src): for each row x of width D,
// g ⊙ (x - mean(x)) / sqrt(var(x) + ε) + b, with the biased variance.
func layerNorm(dst, src []float32, D int, g, b []float32) {
	for r := 0; r+D <= len(src); r += D {
		x, y := src[r:r+D], dst[r:r+D]
		var mean float64
		for _, v := range x {
			mean += float64(v)
		}
		mean /= float64(D)
		var vr float64
		for _, v := range x {
			dv := float64(v) - mean
			vr += dv * dv
		}
		vr /= float64(D)
		inv := float32(1 / math.Sqrt(vr+lnEps))
		m := float32(mean)
		for j, v := range x {
			y[j] = (v-m)*inv*g[j] + b[j]
		}
	}
}

// GELU's tanh form constants: sqrt(2/π) and the cubic coefficient.
const (
	geluC = 0.7978845608028654
	geluA = 0.044715
)

// gelu applies GELU(u) = u/2 · (1 + tanh(sqrt(2/π)(u + 0.044715 u³))) in place, computed as
// u · σ(2 sqrt(2/π)(u + 0.044715 u³)) (the same function: (1 + tanh(z/2))/2 = σ(z)) with a float32
// exp: GELU dominates the sampler's time once the matrix products are fast, and this form is
// about three times as fast as math.Tanh while agreeing with it to float32 rounding.
func gelu(x []float32) { geluTo(x, x) }

// geluTo writes GELU(u) into y (which may be u).
func geluTo(y, u []float32) {
	for i, u := range u[:len(y)] {
		z := 2 * geluC * (u + geluA*u*u*u)
		y[i] = u / (1 + exp32(-z))
	}
}

// exp32 is e^x in float32 to within a few ulp (Cephes' expf): x = n ln 2 + r with |r| ≤ ln2/2,
// e^r by its degree-7 Taylor-like minimax polynomial, times 2^n assembled in the exponent bits.
// Arguments are clamped to [-87.3, 88.3], so the result is finite and positive.
func exp32(x float32) float32 {
	x = min(max(x, -87.33654), 88.37626)
	fx := x*1.442695040888963 + 0.5
	n := int32(fx)
	if float32(n) > fx { // floor for negative fx
		n--
	}
	fn := float32(n)
	r := x - fn*0.693359375 - fn*-2.12194440e-4 // ln 2 in two parts, for an exact reduction
	y := float32(1.9875691500e-4)
	y = y*r + 1.3981999507e-3
	y = y*r + 8.3334519073e-3
	y = y*r + 4.1665795894e-2
	y = y*r + 1.6666665459e-1
	y = y*r + 5.0000001201e-1
	y = y*r*r + r + 1
	return y * math.Float32frombits(uint32(n+127)<<23)
}

// argmax returns the index of the largest value, the lowest on ties.
func argmax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

// logSoftmaxAt returns log softmax(logits·invT)[k], accumulated in float64.
func (s *Sampler) logSoftmaxAt(logits []float32, invT float64, k int) float32 {
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = max(mx, float64(v)*invT)
	}
	var sum float64
	for _, v := range logits {
		sum += math.Exp(float64(v)*invT - mx)
	}
	return float32(float64(logits[k])*invT - mx - math.Log(sum))
}

// sample draws a token from softmax(logits·invT) with one rng.Float64 and returns it with its
// log-probability.
func (s *Sampler) sample(logits []float32, invT float64, rng *rand.Rand) (int, float32) {
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = max(mx, float64(v)*invT)
	}
	p := s.probs[:len(logits)]
	var sum float64
	for i, v := range logits {
		p[i] = math.Exp(float64(v)*invT - mx)
		sum += p[i]
	}
	u := rng.Float64() * sum
	tok := -1
	var acc float64
	for i, pi := range p {
		if pi == 0 {
			continue
		}
		tok = i // the last token of nonzero mass catches rounding at the top
		acc += pi
		if u < acc {
			break
		}
	}
	if tok < 0 { // every probability underflowed: cannot happen for finite logits
		tok = argmax(logits)
	}
	return tok, float32(float64(logits[tok])*invT - mx - math.Log(sum))
}

// teacherRows appends to rows one pass over every prompt token and every completion token but the
// last, teacher-forced: the logits at position len(prompt)-1+k score completion token k, and their
// out index counts completion tokens across all sequences in order.
func teacherRows(rows []row, prompts, completions [][]int) []row {
	off := 0
	for i, pr := range prompts {
		c := completions[i]
		if len(c) == 0 {
			continue
		}
		for t := 0; t < len(pr)+len(c)-1; t++ {
			tok := 0
			if t < len(pr) {
				tok = pr[t]
			} else {
				tok = c[t-len(pr)]
			}
			o := -1
			if t >= len(pr)-1 {
				o = off + t - (len(pr) - 1)
			}
			rows = append(rows, row{slot: i, pos: t, tok: tok, out: o})
		}
		off += len(c)
	}
	return rows
}

// checkTeacher validates teacher-forced input: every prompt valid, every completion token in the
// vocabulary, and prompt plus completion within Ctx.
func (s *Sampler) checkTeacher(prompts, completions [][]int) error {
	cfg := s.p.Config
	for i, pr := range prompts {
		if err := s.checkTokens(pr, cfg.Ctx); err != nil {
			return fmt.Errorf("prompt %d: %w", i, err)
		}
		c := completions[i]
		if len(pr)+len(c) > cfg.Ctx {
			return fmt.Errorf("prompt %d and its completion have %d+%d tokens, more than Ctx %d", i, len(pr), len(c), cfg.Ctx)
		}
		for k, tok := range c {
			if tok < 0 || tok >= cfg.Vocab {
				return fmt.Errorf("completion %d: token %d at %d out of range [0, %d)", i, tok, k, cfg.Vocab)
			}
		}
	}
	return nil
}
