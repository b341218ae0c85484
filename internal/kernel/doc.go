// Package kernel is a fast float32 matrix product for amd64 in Go and Go
// assembly, packaged as a BLAS implementation: gonum's pure-Go BLAS with
// its Sgemm (and the transposed, unit-stride Sgemv) replaced.
//
//	blas32.Use(kernel.Implementation{})   // gonum's blas32 package
//	gorgonia.Use(kernel.Implementation{}) // gorgonia and gorgonia's tensor
//
// Sgemm computes C = alpha * op(A)·op(B) + beta * C for row-major
// matrices, with gonum's argument checks and panic messages. On one core
// of the project's 2-vCPU VM (AMD Zen 5, AVX-512) it does about 200
// GFLOP/s on the training products, where gonum's Sgemm does 7–15 GFLOP/s
// on two; bench_test.go has the figures.
//
// # Blocking
//
// The scheme is Goto's (as in GotoBLAS, OpenBLAS and BLIS), trimmed to the
// shapes of a small transformer, where k is 128–512 for the forward and
// input-gradient products and 6144 for the weight gradients:
//
//	for pc in steps of kc = 256 along k:         C += A[:,pc:pc+kc]·B[pc:pc+kc,:]
//	  for jc in steps of nc = 512 along n:
//	    pack B[pc:pc+kc, jc:jc+nc] into kc×nr panels  (≤ 512 KiB: stays in L2)
//	    for ir in steps of mr along m:              (maybe on 2 goroutines)
//	      for jr in steps of nr along the block:
//	        micro-kernel: C[ir:ir+mr, jr:jr+nr] (+)= A[ir:ir+mr, pc:pc+kc]·panel
//
// The micro-kernel keeps an mr×nr tile of C in vector registers and, for
// each p in the kc-deep panel, loads one nr-wide row of B and broadcasts mr
// elements of A, doing mr·nr/lanes fused multiply-adds:
//
//   - AVX-512: mr×nr = 12×32, 24 accumulators in Z0–Z23 (Z24–Z31 hold B
//     and the broadcasts): 24 FMAs (768 flops) per 2 vector loads and 12
//     broadcasts, where gonum's axpy-based loop does 1 FMA per 2 loads
//     and a store.
//   - AVX2 + FMA: 6×16, 12 accumulators in Y0–Y11.
//   - Anything else (and the purego build tag): 4×4 in plain Go.
//
// Tiles with fewer than mr rows have their own kernels (one per row
// count); those with one to three rows rotate two or four sets of
// accumulators over successive p so that enough independent FMA chains
// hide the FMA latency. The AVX-512 kernels also come in a masked form
// that reads B and reads and writes C only in the first w < nr columns,
// so a ragged right edge is computed in place; the other kernel sets
// write such a tile to a buffer that is then added to C.
//
// Departures from textbook Goto, each measured on the shapes above:
//
//   - A is never packed. The kernel reads A(i,p) at a[i*rsa+p*csa] with
//     any strides: a row panel of a row-major A is mr streams along its
//     rows, and of a transposed A one short contiguous run per p. A is
//     only ever broadcast, never loaded as a vector, so its layout matters
//     little, and packing it cost 10–40% on these shapes, where each row
//     panel is reused over only n/nr = 1–16 kernel calls.
//   - B is packed only when it pays: a non-transposed B is read in place,
//     with row stride ldb, when C has at most 256 rows (a decode step, or
//     the k = 6144 weight gradients), since there each packed panel would
//     be reused too few times to repay the copy.
//   - alpha and beta are applied in the kernel's store (C = alpha·acc +
//     beta·C on the first k block, C += alpha·acc on later ones), so there
//     is no separate pass over C; beta = 0 stores without reading C, so
//     NaNs there are overwritten as BLAS requires.
//
// Two shapes get kernels of their own (AVX-512 only):
//
//   - One row of C (a vector-matrix product, or Sgemv with Aᵀ): 1×256
//     and 1×128 tiles over the whole depth, reading each row of B as long
//     contiguous runs; nothing is reused, so nothing is packed or blocked.
//   - A·Bᵀ with at most 96 rows in A: packing the transposed B (a
//     transpose of the whole of B) would cost more than the product, so
//     4×4 tiles of dot products read rows of A and of B, both contiguous
//     along k, sixteen lanes at a time, and add up the lanes at the end.
//     This is what makes A·Bᵀ at small m as fast as A·B (about 160
//     GFLOP/s from m = 4) instead of 5–100 GFLOP/s.
//
// # Parallelism
//
// A block whose product has at least 64 Mflop (the m = 6144 products
// except those with n or k = 20) is split between the calling
// goroutine and one helper, which take chunks of row panels from a shared
// counter, so a goroutine the OS schedules late just takes fewer. On the
// 2-vCPU VM, shared with other busy processes (load 2–3), this gave
// 0.8–1.9× on those products, median 1.05×; with the second vCPU idle,
// about 1.8×. Smaller blocks stay on one goroutine: there, waking the
// helper (for the k = 6144 products once per k block) cost more than it
// saved, up to 30% on a busy machine. GOMAXPROCS=1 turns it off.
//
// # Element-wise functions
//
// Exp, GELU (tanh form) and GELUGrad (dy ⊙ GELU') apply the transformer's
// non-linearities to float32 slices, chosen at start-up like the GEMM
// kernels: AVX-512 (16 lanes; VSCALEFPS applies the power of two, and a
// masked final vector takes any length), AVX2 with FMA (8 lanes, a padded
// tail), or plain Go (other CPUs and the purego tag), all computing the
// same steps (vecmath_generic.go): Cephes' expf reduction and polynomial,
// about 1 ulp, with infinities, NaN and denormals handled. On the Zen 5
// VM, AVX-512 GELU takes about 0.25 ns an element (16 GB/s) and AVX2
// about 0.6 ns (BenchmarkVec).
//
// The generated files sgemm_amd64.s and kernels_amd64.go come from
// gen_kernels.go, and vecmath_amd64.s and vecmath_decl_amd64.go from
// gen_vecmath.go (go generate); both use only the standard library.
package kernel
