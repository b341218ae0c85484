package model

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas"

	"mathzero/internal/kernel"
)

// Sampler runs the model forward in plain Go with a KV cache, for rollouts (Generate) and
// teacher-forced scoring (LogProbs). It reads its Params' slices at every call, so after an
// optimizer updates them in place the next call samples from the new policy.
//
// Every call pushes the rows it has to compute (all prompt tokens first, then one row per active
// sequence and step) through the network in chunks, one matrix product per weight and chunk via
// the kernel Sgemm; attention reads the cached keys and values of each row's own sequence. Each row
// carries its own position, so prompts of different lengths are prefilled together in one pass;
// Generate prefills a prompt that repeats (G times in a GRPO batch) once and copies its keys and
// values. Large chunks are computed as two halves on two goroutines (see run), with results that
// do not depend on GOMAXPROCS. The KV cache holds 2·Layers·len(prompts)·L·DModel floats, L the
// call's longest prompt plus continuation (11.5 MB for a GRPO step of 512 sequences of up to 11
// tokens under the default config).
//
// With experts, each half routes its rows and gathers those of each expert into one matrix
// product per weight (moe.go); ExpertLoad reports how many rows each expert took in the last call.
//
// With Config.RoPE, each row's queries and keys are rotated to the row's position right after the
// qkv layer, before the keys are cached: the cache holds rotated keys, and a key is rotated once.
// With Config.RelBias, attention adds attn.rel_bias[j][pos−s] to head j's score for the row's
// position pos and key position s.
//
// A Sampler reuses its buffers between calls and is not safe for concurrent use: give each
// goroutine its own (they may share Params, as long as nobody writes them meanwhile).
type Sampler struct {
	p *Params

	kc, vc [][]float32 // per layer: keys and values, [slot][pos][D], stride positions per slot
	stride int         // positions per slot: the longest sequence of the current call
	rope   *ropeTable  // with Config.RoPE: cos and sin for Ctx positions (rope.go)

	parts        [2]pass // scratch of the two halves of a chunk (see run)
	probs        []float64
	rowsA, rowsB []row
	first        []float32 // logits at the last token of each distinct prompt (Generate)
	rep          []int     // rep[i]: the first prompt equal to prompt i (Generate)
	loaded       bool      // parts' load counts the current call's rows
}

// pass is the scratch of one forward computation over some rows: activations sized for the rows
// it has seen (about rows·(5D+F) floats), and the logits of the rows sel asks for.
type pass struct {
	x, h, qkv, att, ff []float32
	hf, logits         []float32
	sc                 []float32 // attention scores, Ctx
	sel                []int
	moe                moeState // the MoE's routing and scratch, layer by layer
	load               [][]int  // per layer and routed expert: rows routed since the call began
}

// row is one token to push through the network: the token tok at position pos of sequence slot.
// out >= 0 asks for the logits at this row, reported under that id.
type row struct {
	slot, pos, tok, out int
}

// maxChunk is the most rows one forward pass computes at once; it bounds the scratch memory
// (about maxChunk·(5D+F) floats) while keeping matrix products large. A chunk of at least
// minSplit rows is computed as two halves, split between sequences, on two goroutines.
const (
	maxChunk = 1024
	minSplit = 64
)

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
	s.loaded = false
	if total == 0 {
		return out, nil
	}
	longest := 0
	for _, pr := range prompts {
		longest = max(longest, len(pr)+min(maxNew, cfg.Ctx-len(pr)))
	}
	s.reserve(len(prompts), longest)

	// Prefill: every token of each distinct prompt (a GRPO batch repeats each prompt G times),
	// keeping the logits at its last token. Prompts equal to an earlier one get a copy of its
	// keys and values.
	s.dedup(prompts)
	V := cfg.Vocab
	rows := s.rowsA[:0]
	for i, pr := range prompts {
		if s.rep[i] != i {
			continue
		}
		for t, tok := range pr {
			o := -1
			if t == len(pr)-1 && cap(out[i].Tokens) > 0 {
				o = i
			}
			rows = append(rows, row{slot: i, pos: t, tok: tok, out: o})
		}
	}
	s.first = growF(s.first, len(prompts)*V)
	s.run(rows, func(i int, logits []float32) { copy(s.first[i*V:(i+1)*V], logits) })
	s.copyPrompts(prompts)

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
	// The first token of every sequence, in order of sequence.
	for i := range prompts {
		if cap(out[i].Tokens) > 0 {
			r := s.rep[i]
			emit(i, s.first[r*V:(r+1)*V])
		}
	}
	rows, next = next, rows[:0]
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
	s.loaded = false
	if total == 0 {
		return out, nil
	}
	s.reserve(len(prompts), longestTeacher(prompts, completions))

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

// reserve sizes the KV cache for n sequences of at most longest positions (the scratch grows as
// rows come, in pass.reserve). Sizing slots by the call's longest sequence rather than Ctx keeps
// the cache at what is used: for a GRPO step of 512 sequences of at most 11 tokens under the
// default config, 11.5 MB instead of 33.
func (s *Sampler) reserve(n, longest int) {
	c := s.p.Config
	s.stride = longest
	if need := n * longest * c.DModel; len(s.kc) != c.Layers || len(s.kc[0]) < need {
		s.kc = make([][]float32, c.Layers)
		s.vc = make([][]float32, c.Layers)
		for l := range s.kc {
			s.kc[l] = make([]float32, need)
			s.vc[l] = make([]float32, need)
		}
	}
	if len(s.probs) < c.Vocab {
		s.probs = make([]float64, c.Vocab)
	}
	if d := c.DModel / c.Heads; c.RoPE && (s.rope == nil || s.rope.n != c.Ctx || s.rope.d != d || s.rope.base != c.RoPEBase) {
		s.rope = newRopeTable(c.Ctx, d, c.RoPEBase)
	}
	for k := range s.parts {
		ps := &s.parts[k]
		if !c.MoE() {
			ps.load = nil
			continue
		}
		if len(ps.load) != c.Layers || len(ps.load[0]) != c.Experts {
			ps.load = make([][]int, c.Layers)
			for l := range ps.load {
				ps.load[l] = make([]int, c.Experts)
			}
		}
		for _, ld := range ps.load {
			clear(ld)
		}
	}
	s.loaded = c.MoE()
}

// ExpertLoad returns, for a model with experts, how many token-slots each routed expert of each
// block received in the last call of Generate or LogProbs (load[l][e] for block l, expert e;
// every row the call computed counts, K slots each, so a prompt that Generate prefills once for
// its G copies counts once). It is nil for a dense model, and zeros before the first call or
// after a call with nothing to compute.
func (s *Sampler) ExpertLoad() [][]int {
	if s.p == nil || !s.p.Config.MoE() || s.p.Config.Validate() != nil {
		return nil
	}
	load := zeroLoad(s.p.Config)
	if !s.loaded {
		return load
	}
	for _, ps := range s.parts {
		for l, ld := range ps.load {
			for e, v := range ld {
				load[l][e] += v
			}
		}
	}
	return load
}

// zeroLoad returns a zero load of the shape of c's experts.
func zeroLoad(c Config) [][]int {
	load := make([][]int, c.Layers)
	for l := range load {
		load[l] = make([]int, c.Experts)
	}
	return load
}

// longestTeacher is the longest prompt plus completion.
func longestTeacher(prompts, completions [][]int) int {
	longest := 0
	for i, pr := range prompts {
		longest = max(longest, len(pr)+len(completions[i]))
	}
	return longest
}

// growF returns b resliced to n floats, or a new slice if b's capacity is short.
func growF(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}

// reserve sizes the pass's scratch for n rows, of which m ask for logits.
func (ps *pass) reserve(c Config, n, m int) {
	D, F := c.DModel, c.DFF
	if c.MoE() {
		F = 0 // the MoE has its own scratch
	}
	ps.x = growF(ps.x, n*D)
	ps.h = growF(ps.h, n*D)
	ps.qkv = growF(ps.qkv, n*3*D)
	ps.att = growF(ps.att, n*D)
	ps.ff = growF(ps.ff, n*F)
	ps.hf = growF(ps.hf, m*D)
	ps.logits = growF(ps.logits, m*c.Vocab)
	ps.sc = growF(ps.sc, c.Ctx)
}

// dedup sets s.rep[i] to the index of the first prompt equal to prompt i.
func (s *Sampler) dedup(prompts [][]int) {
	s.rep = s.rep[:0]
	seen := make(map[string]int, len(prompts))
	var key []byte
	for i, pr := range prompts {
		key = key[:0]
		for _, tok := range pr {
			key = binary.AppendUvarint(key, uint64(tok))
		}
		r, ok := seen[string(key)]
		if !ok {
			r = i
			seen[string(key)] = i
		}
		s.rep = append(s.rep, r)
	}
}

// copyPrompts copies the cached keys and values of each distinct prompt to the slots of the
// prompts equal to it.
func (s *Sampler) copyPrompts(prompts [][]int) {
	c := s.p.Config
	D, Ctx := c.DModel, s.stride
	for i, r := range s.rep {
		if r == i {
			continue
		}
		n := len(prompts[i]) * D
		for l := range s.kc {
			copy(s.kc[l][i*Ctx*D:i*Ctx*D+n], s.kc[l][r*Ctx*D:r*Ctx*D+n])
			copy(s.vc[l][i*Ctx*D:i*Ctx*D+n], s.vc[l][r*Ctx*D:r*Ctx*D+n])
		}
	}
}

// run pushes rows through the network in chunks of at most maxChunk, in order, and calls emit
// with the logits of every row that asks for them, in row order. Rows of one sequence must come
// in order of position, each after (or in the same call as) all earlier positions of its sequence.
//
// A chunk of at least minSplit rows is cut in two at the sequence boundary nearest its middle,
// and the halves are computed on two goroutines (one after the other under GOMAXPROCS 1): a
// decode step has one row per sequence, too few for the matrix products and per-row work to
// split well on their own. Where the cut falls depends only on the rows, never on GOMAXPROCS, so
// the results do not either; emit runs on the calling goroutine, in row order.
func (s *Sampler) run(rows []row, emit func(out int, logits []float32)) {
	V := s.p.Config.Vocab
	for len(rows) > 0 {
		chunk := rows[:min(len(rows), maxChunk)]
		rows = rows[len(chunk):]
		halves := [2][]row{chunk, nil}
		if cut := splitPoint(chunk); cut > 0 {
			halves = [2][]row{chunk[:cut], chunk[cut:]}
		}
		if halves[1] == nil {
			s.parts[0].forward(s, halves[0], true)
		} else if runtime.GOMAXPROCS(0) > 1 {
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.parts[1].forward(s, halves[1], false)
			}()
			s.parts[0].forward(s, halves[0], false)
			wg.Wait()
		} else {
			s.parts[0].forward(s, halves[0], false)
			s.parts[1].forward(s, halves[1], false)
		}
		for k, half := range halves {
			if half == nil {
				break
			}
			ps := &s.parts[k]
			for j, i := range ps.sel {
				emit(half[i].out, ps.logits[j*V:(j+1)*V])
			}
		}
	}
}

// splitPoint returns where to cut a chunk in two: the first row of a sequence nearest the
// middle, or 0 to leave it whole (fewer than minSplit rows, or a single sequence).
func splitPoint(chunk []row) int {
	if len(chunk) < minSplit {
		return 0
	}
	mid := len(chunk) / 2
	for d := 0; d < mid; d++ {
		for _, i := range [2]int{mid + d, mid - d} {
			if i > 0 && i < len(chunk) && chunk[i].slot != chunk[i-1].slot {
				return i
			}
		}
	}
	return 0
}

// forward computes rows: it writes every row's keys and values into the cache and the logits of
// the rows that ask for them (ps.sel lists them) into ps.logits, in row order. With inner set it
// splits element-wise and per-row work across goroutines.
func (ps *pass) forward(s *Sampler, rows []row, inner bool) {
	c := s.p.Config
	T := s.p.Tensors
	n, D, F, V := len(rows), c.DModel, c.DFF, c.Vocab
	ps.sel = ps.sel[:0]
	for i, r := range rows {
		if r.out >= 0 {
			ps.sel = append(ps.sel, i)
		}
	}
	ps.reserve(c, n, len(ps.sel))
	par := parallel
	if !inner {
		par = serial
	}

	x := ps.x[:n*D]
	tok := T[idxTokEmb].Data
	if !c.posEmb() { // positions enter by rotating q and k or by attention's bias below
		for i, r := range rows {
			copy(x[i*D:(i+1)*D], tok[r.tok*D:(r.tok+1)*D])
		}
	} else {
		pos := T[idxPosEmb].Data
		for i, r := range rows {
			xi := x[i*D : (i+1)*D]
			te, pe := tok[r.tok*D:(r.tok+1)*D], pos[r.pos*D:(r.pos+1)*D]
			for j := range xi {
				xi[j] = te[j] + pe[j]
			}
		}
	}

	h, qkv, att := ps.h[:n*D], ps.qkv[:n*3*D], ps.att[:n*D]
	var ff []float32
	if !c.MoE() {
		ff = ps.ff[:n*F]
	}
	for l := 0; l < c.Layers; l++ {
		b := block(c, T, l)
		layerNorm(h, x, D, b[offLn1G].Data, b[offLn1B].Data)
		linear(qkv, h, n, D, 3*D, b[offQKVW].Data, b[offQKVB].Data, false)
		if c.RoPE { // before attention caches the keys, so that the cache holds them rotated
			par(n, grainRows, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					s.rope.rotateQK(qkv[i*3*D:(i+1)*3*D], D, rows[i].pos, false)
				}
			})
		}
		ps.attention(s, att, qkv, rows, l, par)
		linear(x, att, n, D, D, b[offProjW].Data, b[offProjB].Data, true)
		layerNorm(h, x, D, b[c.off(offLn2G)].Data, b[c.off(offLn2B)].Data)
		if c.MoE() {
			ps.moe.forward(c, moeWeightsOf(c, b), x, h, n, par)
			ps.moe.load(ps.load[l])
			continue
		}
		linear(ff, h, n, D, F, b[c.off(offFcW)].Data, b[c.off(offFcB)].Data, false)
		par(len(ff), grainElems, func(lo, hi int) { kernel.GELU(ff[lo:hi], ff[lo:hi]) })
		linear(x, ff, n, F, D, b[c.off(offOutW)].Data, b[c.off(offOutB)].Data, true)
	}

	m := len(ps.sel)
	if m == 0 {
		return
	}
	hf := ps.hf[:m*D]
	for k, i := range ps.sel {
		copy(hf[k*D:(k+1)*D], x[i*D:(i+1)*D])
	}
	nf := len(T) - 4
	layerNorm(hf, hf, D, T[nf].Data, T[nf+1].Data)
	linear(ps.logits[:m*V], hf, m, D, V, T[nf+2].Data, T[nf+3].Data, false)
}

// serial is parallel's one-goroutine form.
func serial(n, _ int, fn func(lo, hi int)) { fn(0, n) }

// attention stores the keys and values of rows (columns [D,3D) of qkv) in layer l's cache, then
// writes each row's causal attention over its own sequence's positions 0..pos into att:
// att_j = softmax_s(q_j·k_{j,s}/sqrt(d)) v_{j,s} for each head j, with b[j][pos−s] added to the
// scores where Config.RelBias gives layer l the relative position bias b = attn.rel_bias.
func (ps *pass) attention(s *Sampler, att, qkv []float32, rows []row, l int, par func(n, grain int, fn func(lo, hi int))) {
	c := s.p.Config
	D, H, Ctx := c.DModel, c.Heads, s.stride
	d := D / H
	kc, vc := s.kc[l], s.vc[l]
	var bias []float32 // [H, c.Ctx]: head j's bias at distance δ is bias[j·c.Ctx+δ]
	if c.RelBias {
		bias = block(c, s.p.Tensors, l)[offRelBias].Data
	}
	for i, r := range rows {
		base := (r.slot*Ctx + r.pos) * D
		copy(kc[base:base+D], qkv[i*3*D+D:i*3*D+2*D])
		copy(vc[base:base+D], qkv[i*3*D+2*D:i*3*D+3*D])
	}
	scale := float32(1 / math.Sqrt(float64(d)))
	par(len(rows), grainRows, func(lo, hi int) {
		sc := ps.sc
		if lo != 0 {
			sc = make([]float32, Ctx)
		}
		for i := lo; i < hi; i++ {
			r := rows[i]
			seq := r.slot * Ctx * D
			n := r.pos + 1
			sc := sc[:n]
			for j := 0; j < H; j++ {
				q := qkv[i*3*D+j*d : i*3*D+(j+1)*d]
				bj := biasOf(bias, c.Ctx, j)
				mx := float32(math.Inf(-1))
				for t := 0; t < n; t++ {
					k := kc[seq+t*D+j*d : seq+t*D+(j+1)*d]
					sc[t] = dot(q, k) * scale
					if bj != nil {
						sc[t] += bj[r.pos-t]
					}
					mx = max(mx, sc[t])
				}
				for t := range sc {
					sc[t] -= mx
				}
				kernel.Exp(sc, sc)
				var sum float32
				for _, e := range sc {
					sum += e
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
	if !accumulate && n > 0 {
		// b into every row: one row, then doubling copies (a copy per row costs a call each).
		copy(dst[:out], b)
		for k := out; k < n*out; k *= 2 {
			copy(dst[k:n*out], dst[:k])
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
