/*
 * roundsExpanding for two states at once (the same lanes, two consecutive last digits). A round's chain of
 * dependent vector instructions is longer than its work divided by the CPU's width, so one state leaves units
 * idle; two independent chains fill them (V8 spills some variables, which costs less).
 */
import { KV, V, expandWord, nextA, nextE } from './sha256-lanes'
import { earlyPlannedWordAt } from './schedule-plan'

/**
 * Rounds [from, 64) of two states, variables at src and src2, schedules at w/kw and w2/kw2, written to dst and
 * dst2; round t computes word t + 16 of both schedules like roundsExpanding (same preconditions).
 */
export function roundsExpandingPair(src: usize, src2: usize, w: usize, kw: usize, w2: usize, kw2: usize, from: i32, dst: usize, dst2: usize): void {
  let a = v128.load(src, 0), b = v128.load(src, 16), c = v128.load(src, 32), d = v128.load(src, 48)
  let e = v128.load(src, 64), f = v128.load(src, 80), g = v128.load(src, 96), h = v128.load(src, 112)
  let A = v128.load(src2, 0), B = v128.load(src2, 16), C = v128.load(src2, 32), D = v128.load(src2, 48)
  let E = v128.load(src2, 64), F = v128.load(src2, 80), G = v128.load(src2, 96), H = v128.load(src2, 112)
  let x = v128.xor(b, c), X = v128.xor(B, C)
  for (let t = from; t < 64; t++) {
    const o = <usize>t * V
    const n = nextE(d, e, f, g, h, v128.load(kw + o))
    const N = nextE(D, E, F, G, H, v128.load(kw2 + o))
    const y = v128.xor(a, b), Y = v128.xor(A, B)
    const m = nextA(a, b, y, x, d, n)
    const M = nextA(A, B, Y, X, D, N)
    h = g; g = f; f = e; e = n; d = c; c = b; b = a; a = m; x = y
    H = G; G = F; F = E; E = N; D = C; C = B; B = A; A = M; X = Y
    if (t >= 16) {
      if (t < 48) {
        expandWord(w + o, kw + o, KV + o)
        expandWord(w2 + o, kw2 + o, KV + o)
      }
    } else if (t >= 8) {
      if (t < 15) {
        earlyPlannedWordAt(w + o, kw + o, KV + o, <usize>t)
        earlyPlannedWordAt(w2 + o, kw2 + o, KV + o, <usize>t)
      } else { // W[16] may vary (s <= 1)
        expandWord(w + o, kw + o, KV + o)
        expandWord(w2 + o, kw2 + o, KV + o)
      }
    }
  }
  v128.store(dst, a, 0); v128.store(dst, b, 16); v128.store(dst, c, 32); v128.store(dst, d, 48)
  v128.store(dst, e, 64); v128.store(dst, f, 80); v128.store(dst, g, 96); v128.store(dst, h, 112)
  v128.store(dst2, A, 0); v128.store(dst2, B, 16); v128.store(dst2, C, 32); v128.store(dst2, D, 48)
  v128.store(dst2, E, 64); v128.store(dst2, F, 80); v128.store(dst2, G, 96); v128.store(dst2, H, 112)
}
