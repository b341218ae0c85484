package kernel

import (
	"runtime"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Implementation is gonum's pure-Go BLAS with a fast Sgemm. It satisfies
// gonum's blas.Float32 (for blas32.Use) and gorgonia's BLAS interface (for
// gorgonia.Use); every routine other than Sgemm is gonum's own.
type Implementation struct {
	gonum.Implementation
}

// The panic messages are gonum's, so callers see the same failures
// whichever implementation is installed.
const (
	badTranspose = "blas: illegal transpose"
	mLT0         = "blas: m < 0"
	nLT0         = "blas: n < 0"
	kLT0         = "blas: k < 0"
	badLdA       = "blas: bad leading dimension of A"
	badLdB       = "blas: bad leading dimension of B"
	badLdC       = "blas: bad leading dimension of C"
	shortA       = "blas: insufficient length of a"
	shortB       = "blas: insufficient length of b"
	shortC       = "blas: insufficient length of c"
)

// Sgemm performs one of the matrix-matrix operations
//
//	C = alpha * A * B + beta * C
//	C = alpha * Aᵀ * B + beta * C
//	C = alpha * A * Bᵀ + beta * C
//	C = alpha * Aᵀ * Bᵀ + beta * C
//
// where A is an m×k or k×m row-major matrix, B is a k×n or n×k row-major
// matrix, C is an m×n row-major matrix, and alpha and beta are scalars; tA
// and tB say whether A and B are transposed. As in reference BLAS, C is
// not read when beta is zero (so NaNs in C are overwritten) and A and B
// are not read when alpha is zero. Invalid arguments panic with gonum's
// messages.
func (Implementation) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	switch tA {
	default:
		panic(badTranspose)
	case blas.NoTrans, blas.Trans, blas.ConjTrans:
	}
	switch tB {
	default:
		panic(badTranspose)
	case blas.NoTrans, blas.Trans, blas.ConjTrans:
	}
	if m < 0 {
		panic(mLT0)
	}
	if n < 0 {
		panic(nLT0)
	}
	if k < 0 {
		panic(kLT0)
	}
	aTrans := tA != blas.NoTrans
	bTrans := tB != blas.NoTrans
	if aTrans {
		if lda < max(1, m) {
			panic(badLdA)
		}
	} else if lda < max(1, k) {
		panic(badLdA)
	}
	if bTrans {
		if ldb < max(1, k) {
			panic(badLdB)
		}
	} else if ldb < max(1, n) {
		panic(badLdB)
	}
	if ldc < max(1, n) {
		panic(badLdC)
	}
	if m == 0 || n == 0 {
		return
	}
	// For k == 0 the length checks on a and b hold trivially.
	if aTrans {
		if len(a) < (k-1)*lda+m {
			panic(shortA)
		}
	} else if len(a) < (m-1)*lda+k {
		panic(shortA)
	}
	if bTrans {
		if len(b) < (n-1)*ldb+k {
			panic(shortB)
		}
	} else if len(b) < (k-1)*ldb+n {
		panic(shortB)
	}
	if len(c) < (m-1)*ldc+n {
		panic(shortC)
	}
	if alpha == 0 || k == 0 {
		scale(m, n, beta, c, ldc)
		return
	}

	g := gemm{ks: activeKernels, m: m, n: n, k: k, alpha: alpha, beta: beta, a: a, b: b, c: c, ldc: ldc}
	if aTrans {
		g.rsa, g.csa = 1, lda
	} else {
		g.rsa, g.csa = lda, 1
	}
	if bTrans {
		g.rsb, g.csb = 1, ldb
	} else {
		g.rsb, g.csb = ldb, 1
	}
	g.run()
}

// scale sets C = beta*C, writing zeros when beta is zero.
func scale(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// A microKernel sets the r×nr tile at c (row stride ldc) to
//
//	C = alpha * A·B + beta * C    (beta*C only when load != 0)
//
// where A is r×k with A(i,p) at a[i*rsa+p*csa], B is k×nr with B(p,j) at
// b[p*csb+j], and r is fixed by the kernel (kernelSet.kern[r-1]). All
// strides count float32 elements. The kernel reads exactly these elements
// of A, B and C.
type microKernel func(k int, a *float32, rsa, csa int, b *float32, csb int, c *float32, ldc int, alpha, beta float32, load int)

// A maskedKernel is a microKernel that reads B and reads and writes C
// only in the columns j whose bit 1<<j is set in mask, so it may be handed
// a B or C that ends after the last set column. Masked-off lanes of B read
// as zero.
type maskedKernel func(k int, a *float32, rsa, csa int, b *float32, csb int, c *float32, ldc int, alpha, beta float32, load int, mask uint32)

// A dotKernel sets the r×4 tile at c (row stride ldc) to C = alpha *
// A·Bᵀ + beta * C (beta*C only when load != 0), where A is r×k and B is
// 4×k, both row-major: each element is a dot product of two contiguous
// rows, so a transposed B need not be packed. r is fixed by the kernel
// (kernelSet.dots[r-1]).
type dotKernel func(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, load int)

// A kernelSet is a family of micro-kernels for one instruction set: an
// mr×nr register tile and its variants for 1..mr-1 rows.
type kernelSet struct {
	name   string
	mr, nr int
	kern   []microKernel
	// masked, if not nil, has the masked kernels, which compute partial
	// tiles in place; without them a partial tile goes through a buffer.
	masked []maskedKernel
	// rows, if not nil, compute 1×rowNR[i] tiles over the whole depth k,
	// widest first, for products with a single row and B read in place.
	rows  []microKernel
	rowNR []int
	// dots, if not nil, compute the product of a few rows of A with a
	// transposed B without packing it.
	dots []dotKernel
}

// activeKernels is the fastest kernel set this CPU runs.
var activeKernels = kernelSets()[0]

// Blocking parameters; see the package documentation. They are variables
// so tests can shrink them to exercise every loop edge on small inputs.
var (
	// blockK is kc, the depth of one pass over C: a packed B block of
	// blockK×blockN floats (512 KiB) stays in L2 while every row panel of
	// A streams past it.
	blockK = 256
	// blockN is nc, the width of a packed B block. It must be a
	// multiple of every kernel set's nr.
	blockN = 512
	// directBRows: when B is not transposed and C has at most this many
	// rows, full-width B panels are read in place instead of packed, as
	// packing would cost as much as the product.
	directBRows = 256
	// dotMaxRows: a product with a transposed B and a non-transposed A
	// with at most this many rows uses the dot kernels, when the CPU has
	// them, instead of packing B.
	dotMaxRows = 96
	// parallelFlops is the smallest block product, in flops
	// (2·m·min(n,blockN)·min(k,blockK)), that is split between two
	// goroutines when GOMAXPROCS allows.
	parallelFlops = 64_000_000
)

// gemm is one Sgemm call after validation, with A(i,p) = a[i*rsa+p*csa]
// and B(p,j) = b[p*rsb+j*csb] whatever the transposes.
type gemm struct {
	ks          *kernelSet
	m, n, k     int
	alpha, beta float32
	a, b, c     []float32
	rsa, csa    int
	rsb, csb    int
	ldc         int
}

// workspace holds the packed B block of one Sgemm call, the B panel list,
// and a tile buffer for each goroutine.
type workspace struct {
	b      []float32
	tiles  [2][]float32
	panels []panel
}

// A panel is a k-deep, nr-wide slice of B in the layout the micro-kernels
// read: B(p,j) at at[p*stride+j].
type panel struct {
	at     *float32
	stride int
}

var workspaces sync.Pool

// getWorkspace returns a workspace with room for the packed B blocks of
// an n-wide, k-deep B.
func getWorkspace(ks *kernelSet, n, k int) *workspace {
	ws, _ := workspaces.Get().(*workspace)
	if ws == nil {
		ws = new(workspace)
	}
	panels := (min(n, blockN) + ks.nr - 1) / ks.nr
	ws.b = grow(ws.b, min(k, blockK)*panels*ks.nr)
	for i := range ws.tiles {
		ws.tiles[i] = grow(ws.tiles[i], ks.mr*ks.nr)
	}
	if np := blockN/ks.nr + 1; cap(ws.panels) < np {
		ws.panels = make([]panel, np)
	}
	return ws
}

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// run computes C block by block: for each kc-deep slice of K and nc-wide
// slice of N it packs B (or points into it), then sweeps the row panels
// of A past it, on two goroutines when the product is large enough.
func (g *gemm) run() {
	ks := g.ks
	mr, nr := ks.mr, ks.nr
	if g.m == 1 && g.csb == 1 && ks.rows != nil {
		// A vector-matrix product: nothing of B is reused, so it is
		// neither packed nor blocked, and wide tiles read each row of B
		// as a few long runs.
		j := 0
		for i, kern := range ks.rows {
			for ; j+ks.rowNR[i] <= g.n; j += ks.rowNR[i] {
				kern(g.k, &g.a[0], g.rsa, g.csa, &g.b[j], g.rsb, &g.c[j], g.ldc, g.alpha, g.beta, boolInt(g.beta != 0))
			}
		}
		if j == g.n {
			return
		}
		rest := *g
		rest.n, rest.b, rest.c = g.n-j, g.b[j:], g.c[j:]
		g = &rest
	}
	if g.m <= dotMaxRows && g.rsb == 1 && g.csa == 1 && ks.dots != nil {
		g.dot()
		return
	}
	ws := getWorkspace(ks, g.n, g.k)
	defer func() {
		clear(ws.panels) // drop the pointers into the caller's B
		workspaces.Put(ws)
	}()
	directB := g.csb == 1 && g.m <= directBRows
	// Each block is split between the goroutines separately, so its own
	// work must outweigh waking the second one.
	blockFlops := 2 * float64(g.m) * float64(min(g.n, blockN)) * float64(min(g.k, blockK))
	parallel := g.m > mr && runtime.GOMAXPROCS(0) > 1 && blockFlops >= float64(parallelFlops)
	for pc := 0; pc < g.k; pc += blockK {
		kc := min(blockK, g.k-pc)
		beta := g.beta
		if pc > 0 {
			beta = 1
		}
		for jc := 0; jc < g.n; jc += blockN {
			nc := min(blockN, g.n-jc)
			panels := ws.panels[:(nc+nr-1)/nr]
			for q := range panels {
				j := jc + q*nr
				w := min(nr, jc+nc-j)
				// B is read in place when packing would not pay, and for
				// a partial panel when a masked kernel can read it.
				if g.csb == 1 && (directB && w == nr || w < nr && ks.masked != nil) {
					panels[q] = panel{&g.b[pc*g.rsb+j], g.rsb}
					continue
				}
				dst := ws.b[q*kc*nr : (q+1)*kc*nr]
				g.packB(dst, nr, pc, kc, j, w)
				panels[q] = panel{&dst[0], nr}
			}
			if !parallel {
				for ir := 0; ir < g.m; ir += mr {
					g.rowPanel(ws.tiles[0], panels, ir, pc, kc, jc, nc, beta)
				}
				continue
			}
			// The two goroutines take chunks of row panels from a shared
			// counter, so one that the OS schedules late just takes fewer.
			// About 32 chunks keep the counter and the chunk edges (where
			// both write one cache line of C) cheap.
			chunk := (g.m + 32*mr - 1) / (32 * mr) * mr
			var next atomic.Int64
			work := func(tile []float32) {
				for {
					i0 := int(next.Add(1)-1) * chunk
					if i0 >= g.m {
						return
					}
					for ir := i0; ir < min(i0+chunk, g.m); ir += mr {
						g.rowPanel(tile, panels, ir, pc, kc, jc, nc, beta)
					}
				}
			}
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				work(ws.tiles[1])
			}()
			work(ws.tiles[0])
			wg.Wait()
		}
	}
}

// rowPanel computes the product of rows [ir,ir+mr) of A, columns
// [pc,pc+kc), with the B panels of columns [jc,jc+nc), into C: C = alpha *
// A·B + beta * C.
func (g *gemm) rowPanel(tile []float32, panels []panel, ir, pc, kc, jc, nc int, beta float32) {
	ks := g.ks
	nr := ks.nr
	h := min(ks.mr, g.m-ir)
	ap := &g.a[ir*g.rsa+pc*g.csa]
	kern := ks.kern[h-1]
	load := boolInt(beta != 0)
	for q, pn := range panels {
		j := jc + q*nr
		w := min(nr, jc+nc-j)
		ci := ir*g.ldc + j
		if w == nr {
			kern(kc, ap, g.rsa, g.csa, pn.at, pn.stride, &g.c[ci], g.ldc, g.alpha, beta, load)
			continue
		}
		if ks.masked != nil {
			ks.masked[h-1](kc, ap, g.rsa, g.csa, pn.at, pn.stride, &g.c[ci], g.ldc, g.alpha, beta, load, 1<<w-1)
			continue
		}
		// A partial tile goes through tile so that the kernel never
		// touches C beyond column n.
		kern(kc, ap, g.rsa, g.csa, pn.at, pn.stride, &tile[0], nr, g.alpha, 0, 0)
		for i := 0; i < h; i++ {
			crow := g.c[ci+i*g.ldc : ci+i*g.ldc+w]
			trow := tile[i*nr : i*nr+w]
			if beta == 0 {
				copy(crow, trow)
				continue
			}
			for jj, t := range trow {
				crow[jj] = beta*crow[jj] + t
			}
		}
	}
}

// dot computes C = alpha * A·Bᵀ + beta * C with the dot kernels, for a
// row-major A and B (B stored n×k).
func (g *gemm) dot() {
	ks := g.ks
	load := boolInt(g.beta != 0)
	ldb := g.csb
	for ir := 0; ir < g.m; ir += dotRows {
		h := min(dotRows, g.m-ir)
		kern := ks.dots[h-1]
		ap := &g.a[ir*g.rsa]
		j := 0
		for ; j+4 <= g.n; j += 4 {
			kern(g.k, ap, g.rsa, &g.b[j*ldb], ldb, &g.c[ir*g.ldc+j], g.ldc, g.alpha, g.beta, load)
		}
		// Each remaining column on its own: ldb = 0 makes the kernel's
		// four rows of B all row j, so it reads nothing past B.
		for ; j < g.n; j++ {
			var tile [dotRows * 4]float32
			kern(g.k, ap, g.rsa, &g.b[j*ldb], 0, &tile[0], 4, g.alpha, 0, 0)
			for i := 0; i < h; i++ {
				c := &g.c[(ir+i)*g.ldc+j]
				if g.beta == 0 {
					*c = tile[i*4]
				} else {
					*c = g.beta**c + tile[i*4]
				}
			}
		}
	}
}

// dotRows is the most rows of A a dot kernel takes.
const dotRows = 4

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// packB copies B(pc:pc+kc, j:j+w) into dst as a kc×nr panel, dst[p*nr+jj].
// Columns w..nr-1 of a partial panel keep whatever dst held: column j of a
// product depends only on column j of B, and the kernels never store those
// columns of C.
func (g *gemm) packB(dst []float32, nr, pc, kc, j, w int) {
	if g.csb == 1 {
		for p := 0; p < kc; p++ {
			d := dst[p*nr : p*nr+nr]
			s := g.b[(pc+p)*g.rsb+j:]
			copy(d[:w], s[:w])
		}
		return
	}
	// Transposed B: column jj of the panel is a contiguous run of b.
	// Four columns at a time make the stores four floats wide.
	jj := 0
	for ; jj+4 <= w; jj += 4 {
		s0 := g.b[(j+jj)*g.csb+pc:]
		s1 := g.b[(j+jj+1)*g.csb+pc:]
		s2 := g.b[(j+jj+2)*g.csb+pc:]
		s3 := g.b[(j+jj+3)*g.csb+pc:]
		s0, s1, s2, s3 = s0[:kc], s1[:kc], s2[:kc], s3[:kc]
		for p := range s0 {
			d := (*[4]float32)(dst[p*nr+jj:])
			d[0], d[1], d[2], d[3] = s0[p], s1[p], s2[p], s3[p]
		}
	}
	for ; jj < w; jj++ {
		s := g.b[(j+jj)*g.csb+pc:]
		s = s[:kc]
		for p, v := range s {
			dst[p*nr+jj] = v
		}
	}
}

// Sgemv performs one of the matrix-vector operations
//
//	y = alpha * A * x + beta * y   if tA == blas.NoTrans
//	y = alpha * Aᵀ * x + beta * y  if tA == blas.Trans or blas.ConjTrans
//
// where A is an m×n row-major matrix, x and y are vectors, and alpha and
// beta are scalars. The transposed form with unit increments is the
// one-row product yᵀ = alpha * xᵀ·A + beta * yᵀ and runs as Sgemm; every
// other call, invalid ones included, is gonum's.
func (impl Implementation) Sgemv(tA blas.Transpose, m, n int, alpha float32, a []float32, lda int, x []float32, incX int, beta float32, y []float32, incY int) {
	if tA != blas.Trans && tA != blas.ConjTrans || incX != 1 || incY != 1 ||
		m <= 0 || n <= 0 || lda < n || len(x) < m || len(y) < n || len(a) < lda*(m-1)+n {
		impl.Implementation.Sgemv(tA, m, n, alpha, a, lda, x, incX, beta, y, incY)
		return
	}
	impl.Sgemm(blas.NoTrans, blas.NoTrans, 1, n, m, alpha, x, m, a, lda, beta, y, n)
}
