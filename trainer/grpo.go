package trainer

// The GRPO objective, as DeepSeekMath (Shao et al. 2024, eq. 3) writes it, with the options peers
// differ on. For a problem q, the old policy samples a group of G completions o_1..o_G; with
// ρ_{i,t} = π_θ(o_{i,t} | q, o_{i,<t}) / π_old(o_{i,t} | q, o_{i,<t}),
//
//	J(θ) = Σ_i Σ_t w_{i,t} [ min(ρ_{i,t} Â_{i,t}, clip(ρ_{i,t}, 1-ε, 1+ε_high) Â_{i,t})
//	                         - β D_KL[π_θ || π_ref]_{i,t} - β_u D_KL[u || π_θ]_{i,t} + c_H H_{i,t} ]
//	D_KL,t = π_ref/π_θ - log(π_ref/π_θ) - 1            (Schulman's k3 estimator, per token)
//	D_KL[u || π_θ]_t = -(1/V) Σ_v log π_θ(v) - log V    (exact, u the uniform distribution)
//
// and the loss is -J. Symbols map to identifiers as follows:
//
//	G        Config.G            group size
//	ε        Config.Eps, eps     clip range; ε_high is Config.EpsHigh (DAPO's clip-higher), ε when 0
//	β        Config.Beta, beta   KL weight; 0 builds no reference policy at all
//	β_u      Config.UniformKL    anchor to the uniform policy (not in the paper): unlike the entropy
//	                             bonus it grows without bound as any token's probability goes to
//	                             zero, so no answer is ever ruled out before it has been tried
//	c_H      Config.EntropyCoef  entropy bonus (not in the paper; 0 by default)
//	Â        adv                 advantages, per token (see below)
//	ρ        ratio               exp(logp - oldLogp)
//	logp     logp                log π_θ of each sampled token, from the gorgonia graph
//	oldLogp  oldLogp             log π_old, recorded by the sampler when the token was drawn
//	refLogp  refLogp             log π_ref, the frozen initial policy, scored by its own sampler
//	w        weight              per-token loss weight; zero off the answer (the mask) and carrying
//	                             the normalisation, Config.Norm:
//	                               PerSequence  w = 1/(N·|o_i|)    GRPO paper
//	                               PerToken     w = 1/Σ_i|o_i|     DAPO
//	                               Constant     w = 1/(N·L)        Dr. GRPO (L: longest answer allowed)
//	μ        Config.Mu           optimisation passes over one batch of rollouts
//
// Advantages. Outcome credit (Config.Credit = OutcomeCredit) is GRPO's: with R_i the weighted total
// reward of o_i, Â_{i,t} = (R_i - mean_j R_j) / (std_j R_j + stdEps) for every t. Process credit
// (ProcessCredit, the default) gives each token the outcome part of the reward shared by the whole
// completion plus its own process score: r_{i,t} = R^out_i + S_{i,t}, where R^out sums the weighted
// rewards that have no token form and S_{i,t} the weighted token scores of those that do; then
// Â_{i,t} = (r_{i,t} - mean_j r_{j,t}) / (std_j r_{j,t} + stdEps), the mean and std taken over the
// group's completions that reach position t. Our process rewards score token t by token t alone, so
// no sum over later steps (DeepSeekMath's return-to-go) is taken: that sum would add the noise of
// later tokens to a token that did not cause them. ScaleStd=false drops the division (Dr. GRPO).
// The std is the population std (divide by n, not n-1), and stdEps = 1e-4 as in TRL.
//
// The min and clip are written with ReLU, which gorgonia differentiates correctly:
// clip(ρ, lo, hi) = lo + relu(ρ-lo) - relu(ρ-hi) and min(a, b) = a - relu(a-b).

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// stdEps keeps a group whose rewards barely differ from being blown up to unit advantages.
const stdEps = 1e-4

// groupAdvantages returns the per-token advantages of one group. outcome[i] is R^out_i (or the whole
// reward R_i under outcome credit); tokens[i][t], when tokens is non-nil, is S_{i,t}; lens[i] is the
// number of answer tokens of completion i. Without tokens (outcome credit) every token of o_i has
// o_i's advantage against the whole group, however long the others are.
func groupAdvantages(outcome []float64, tokens [][]float64, lens []int, scaleStd bool) [][]float64 {
	n := len(outcome)
	if tokens == nil {
		mean, std := meanStd(outcome)
		adv := make([][]float64, n)
		for i := range adv {
			a := outcome[i] - mean
			if scaleStd {
				a /= std + stdEps
			}
			adv[i] = make([]float64, lens[i])
			for t := range adv[i] {
				adv[i][t] = a
			}
		}
		return adv
	}
	maxLen := 0
	for _, l := range lens {
		maxLen = max(maxLen, l)
	}
	adv := make([][]float64, n)
	for i := range adv {
		adv[i] = make([]float64, lens[i])
	}
	r := make([]float64, 0, n)
	for t := 0; t < maxLen; t++ {
		r = r[:0]
		for i := 0; i < n; i++ {
			if t < lens[i] {
				r = append(r, outcome[i]+tokens[i][t])
			}
		}
		mean, std := meanStd(r)
		k := 0
		for i := 0; i < n; i++ {
			if t < lens[i] {
				a := r[k] - mean
				if scaleStd {
					a /= std + stdEps
				}
				adv[i][t] = a
				k++
			}
		}
	}
	return adv
}

// OutcomeAdvantages returns GRPO's outcome advantages of one group's total rewards,
// (R_i - mean R) / (std R + stdEps), as the trainer computes them under outcome credit; for tools
// that show a group's completions.
func OutcomeAdvantages(totals []float64) []float64 {
	mean, std := meanStd(totals)
	adv := make([]float64, len(totals))
	for i, r := range totals {
		adv[i] = (r - mean) / (std + stdEps)
	}
	return adv
}

// meanStd returns the mean and population standard deviation of x.
func meanStd(x []float64) (mean, std float64) {
	if len(x) == 0 {
		return 0, 0
	}
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	for _, v := range x {
		std += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(std / float64(len(x)))
}

// lossWeights returns w_{i,t} for completions of the given lengths (see the file comment); maxLen is
// L, the longest answer the run's skills allow, used by Constant.
func lossWeights(norm LossNorm, lens []int, maxLen int) [][]float64 {
	total := 0
	for _, l := range lens {
		total += l
	}
	w := make([][]float64, len(lens))
	for i, l := range lens {
		w[i] = make([]float64, l)
		for t := range w[i] {
			switch norm {
			case PerSequence:
				w[i][t] = 1 / float64(len(lens)*l)
			case PerToken:
				w[i][t] = 1 / float64(total)
			case Constant:
				w[i][t] = 1 / float64(len(lens)*maxLen)
			}
		}
	}
	return w
}

// objective is the GRPO loss built on a policy graph's per-token log-probs and entropies. Every input
// is a flat vector over the graph's batch×seqLen positions; weight is zero off the answer tokens.
type objective struct {
	adv, oldLogp, refLogp, weight *G.Node
	uniformKL                     *G.Node // β_u, a scalar input so an entropy target can move it
	loss                          *G.Node
	lossVal                       G.Value // bound with G.Read: node values are unreliable after RunAll
}

type objectiveParams struct {
	eps, epsHigh, beta, uniformKL, entropyCoef float64
	vocab                                      int // V, for the uniform KL
}

// newObjective adds the GRPO loss on top of logp, entropy and meanLogp (each of n elements) in
// their graph; meanLogp is (1/V) Σ_v log π(v) and may be nil when p.uniformKL is 0.
func newObjective(logp, entropy, meanLogp *G.Node, n int, p objectiveParams) (*objective, error) {
	g := logp.Graph()
	vec := func(name string) *G.Node {
		return G.NewVector(g, tensor.Float32, G.WithShape(n), G.WithName(name),
			G.WithValue(tensor.New(tensor.WithShape(n), tensor.WithBacking(make([]float32, n)))))
	}
	o := &objective{adv: vec("adv"), oldLogp: vec("oldLogp"), refLogp: vec("refLogp"), weight: vec("weight")}
	scalar := func(v float64) *G.Node { return G.NewConstant(float32(v)) }

	var err error
	op := func(n *G.Node, e error) *G.Node {
		if err == nil && e != nil {
			err = e
		}
		return n
	}
	hi := p.eps
	if p.epsHigh > 0 {
		hi = p.epsHigh
	}
	ratio := op(G.Exp(op(G.Sub(logp, o.oldLogp))))
	surr1 := op(G.HadamardProd(ratio, o.adv))
	lo, up := scalar(1-p.eps), scalar(1+hi)
	clipped := op(G.Sub(op(G.Add(lo, op(G.Rectify(op(G.Sub(ratio, lo)))))),
		op(G.Rectify(op(G.Sub(ratio, up))))))
	surr2 := op(G.HadamardProd(clipped, o.adv))
	obj := op(G.Sub(surr1, op(G.Rectify(op(G.Sub(surr1, surr2))))))
	if p.beta > 0 {
		d := op(G.Sub(o.refLogp, logp))
		kl := op(G.Sub(op(G.Sub(op(G.Exp(d)), d)), scalar(1)))
		obj = op(G.Sub(obj, op(G.HadamardProd(scalar(p.beta), kl))))
	}
	if p.uniformKL > 0 {
		// β_u·KL(u||π) = -β_u·meanLogp - β_u·log V; the constant has no gradient but keeps the
		// loss's value the KL's.
		o.uniformKL = G.NewScalar(g, tensor.Float32, G.WithName("uniformKL"), G.WithValue(float32(p.uniformKL)))
		ukl := op(G.Sub(op(G.Neg(meanLogp)), scalar(math.Log(float64(p.vocab)))))
		obj = op(G.Sub(obj, op(G.HadamardProd(o.uniformKL, ukl))))
	}
	if p.entropyCoef > 0 {
		obj = op(G.Add(obj, op(G.HadamardProd(scalar(p.entropyCoef), entropy))))
	}
	o.loss = op(G.Neg(op(G.Sum(op(G.HadamardProd(o.weight, obj))))))
	if err != nil {
		return nil, fmt.Errorf("trainer: build GRPO loss: %w", err)
	}
	G.Read(o.loss, &o.lossVal)
	return o, nil
}

// set copies the step's per-position inputs into the objective's input vectors, and sets β_u
// where the objective has the uniform KL.
func (o *objective) set(adv, oldLogp, refLogp, weight []float32, uniformKL float64) error {
	if o.uniformKL != nil {
		if err := G.Let(o.uniformKL, float32(uniformKL)); err != nil {
			return fmt.Errorf("trainer: set uniform KL weight: %w", err)
		}
	}
	copy(o.adv.Value().Data().([]float32), adv)
	copy(o.oldLogp.Value().Data().([]float32), oldLogp)
	copy(o.refLogp.Value().Data().([]float32), refLogp)
	copy(o.weight.Value().Data().([]float32), weight)
	return nil
}

// Loss returns the value of the last run's loss.
func (o *objective) Loss() float64 {
	if o.lossVal == nil {
		return math.NaN()
	}
	return float64(o.lossVal.Data().(float32))
}

// tokenStats are the per-token diagnostics of the objective, computed in plain Go from the graph's
// log-probs with the same formulas (and so also the slow reference the tests hold the graph to).
type tokenStats struct {
	loss     float64 // -J
	kl       float64 // weighted mean k3 KL
	clipFrac float64 // fraction of answer tokens whose ratio was clipped in the direction of Â
}

func referenceObjective(logp, entropy, meanLogp, oldLogp, refLogp, adv, weight []float64, p objectiveParams) tokenStats {
	hi := p.eps
	if p.epsHigh > 0 {
		hi = p.epsHigh
	}
	var s tokenStats
	var wsum float64
	clipped, tokens := 0, 0
	for k := range logp {
		if weight[k] == 0 {
			continue
		}
		ratio := math.Exp(logp[k] - oldLogp[k])
		c := math.Min(math.Max(ratio, 1-p.eps), 1+hi)
		obj := math.Min(ratio*adv[k], c*adv[k])
		if ratio*adv[k] > c*adv[k] {
			clipped++
		}
		tokens++
		d := refLogp[k] - logp[k]
		kl := math.Exp(d) - d - 1
		if p.beta > 0 {
			obj -= p.beta * kl
		}
		if p.uniformKL > 0 {
			obj -= p.uniformKL * (-meanLogp[k] - math.Log(float64(p.vocab)))
		}
		obj += p.entropyCoef * entropy[k]
		s.loss -= weight[k] * obj
		s.kl += weight[k] * kl
		wsum += weight[k]
	}
	if wsum > 0 {
		s.kl /= wsum
	}
	if tokens > 0 {
		s.clipFrac = float64(clipped) / float64(tokens)
	}
	return s
}
