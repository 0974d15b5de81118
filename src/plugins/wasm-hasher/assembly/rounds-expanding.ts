/*
 * The rounds of the block holding the last digit, with the schedule computed inside them: the CPU only overlaps
 * what is close in the instruction stream, and V8 keeps the source order roughly (it regroups within a block,
 * hence its spills), so interleaving the independent schedule work with the round chain hides latency.
 */
import { KV, V, expandWord, nextA, nextE } from './sha256-lanes'
import { earlyPlannedWord } from './schedule-plan'

/**
 * Rounds [from, 64) of the last digit's block like rounds(), computing schedule words (and KW) on the way:
 * round t computes word t + 16 (planned for t < 16, plain from 16), so the independent schedule work fills the
 * gaps of the round chain (about a fifth faster than expanding first). Precondition: words [0, 24) ready
 * when from <= 8, else words [0, 32).
 */
export function roundsExpanding(src: usize, w: usize, kw: usize, from: i32, dst: usize): void {
  let a = v128.load(src, 0), b = v128.load(src, 16), c = v128.load(src, 32), d = v128.load(src, 48)
  let e = v128.load(src, 64), f = v128.load(src, 80), g = v128.load(src, 96), h = v128.load(src, 112)
  let x = v128.xor(b, c)
  let y = x
  let p = kw + <usize>from * V
  // Single rounds until 64 - t is a multiple of 8 (and at most 16, so no expansion is due yet).
  for (let t = from; ((64 - t) & 7) != 0; t++) {
    const eNext = nextE(d, e, f, g, h, v128.load(p))
    y = v128.xor(a, b)
    const aNext = nextA(a, b, y, x, d, eNext)
    h = g; g = f; f = e; e = eNext
    d = c; c = b; b = a; a = aNext
    x = y
    p += V
  }
  // Rounds 8..15 (run here when from <= 8) compute the planned words 24..31.
  if (p == kw + 8 * V) {
    let n = nextE(d, e, f, g, h, v128.load(p, 0))
    y = v128.xor(a, b); h = nextA(a, b, y, x, d, n); d = n
    earlyPlannedWord(w, kw, 24)
    n = nextE(c, d, e, f, g, v128.load(p, 16))
    x = v128.xor(h, a); g = nextA(h, a, x, y, c, n); c = n
    earlyPlannedWord(w, kw, 25)
    n = nextE(b, c, d, e, f, v128.load(p, 32))
    y = v128.xor(g, h); f = nextA(g, h, y, x, b, n); b = n
    earlyPlannedWord(w, kw, 26)
    n = nextE(a, b, c, d, e, v128.load(p, 48))
    x = v128.xor(f, g); e = nextA(f, g, x, y, a, n); a = n
    earlyPlannedWord(w, kw, 27)
    n = nextE(h, a, b, c, d, v128.load(p, 64))
    y = v128.xor(e, f); d = nextA(e, f, y, x, h, n); h = n
    earlyPlannedWord(w, kw, 28)
    n = nextE(g, h, a, b, c, v128.load(p, 80))
    x = v128.xor(d, e); c = nextA(d, e, x, y, g, n); g = n
    earlyPlannedWord(w, kw, 29)
    n = nextE(f, g, h, a, b, v128.load(p, 96))
    y = v128.xor(c, d); b = nextA(c, d, y, x, f, n); f = n
    earlyPlannedWord(w, kw, 30)
    n = nextE(e, f, g, h, a, v128.load(p, 112))
    x = v128.xor(b, c); a = nextA(b, c, x, y, e, n); e = n
    expandWord(w + 15 * V, kw + 15 * V, KV + 15 * V) // W[16] may vary (s <= 1)
    p += 8 * V
  }
  const expandEnd = kw + 48 * V
  for (; p < expandEnd; p += 8 * V) {
    const wt = w + (p - kw) // &W[t]
    const kt = KV + (p - kw) // &KV[t]
    let n = nextE(d, e, f, g, h, v128.load(p, 0))
    y = v128.xor(a, b); h = nextA(a, b, y, x, d, n); d = n
    expandWord(wt, p, kt)
    n = nextE(c, d, e, f, g, v128.load(p, 16))
    x = v128.xor(h, a); g = nextA(h, a, x, y, c, n); c = n
    expandWord(wt + 16, p + 16, kt + 16)
    n = nextE(b, c, d, e, f, v128.load(p, 32))
    y = v128.xor(g, h); f = nextA(g, h, y, x, b, n); b = n
    expandWord(wt + 32, p + 32, kt + 32)
    n = nextE(a, b, c, d, e, v128.load(p, 48))
    x = v128.xor(f, g); e = nextA(f, g, x, y, a, n); a = n
    expandWord(wt + 48, p + 48, kt + 48)
    n = nextE(h, a, b, c, d, v128.load(p, 64))
    y = v128.xor(e, f); d = nextA(e, f, y, x, h, n); h = n
    expandWord(wt + 64, p + 64, kt + 64)
    n = nextE(g, h, a, b, c, v128.load(p, 80))
    x = v128.xor(d, e); c = nextA(d, e, x, y, g, n); g = n
    expandWord(wt + 80, p + 80, kt + 80)
    n = nextE(f, g, h, a, b, v128.load(p, 96))
    y = v128.xor(c, d); b = nextA(c, d, y, x, f, n); f = n
    expandWord(wt + 96, p + 96, kt + 96)
    n = nextE(e, f, g, h, a, v128.load(p, 112))
    x = v128.xor(b, c); a = nextA(b, c, x, y, e, n); e = n
    expandWord(wt + 112, p + 112, kt + 112)
  }
  const end = kw + 64 * V
  for (; p < end; p += 8 * V) {
    let n = nextE(d, e, f, g, h, v128.load(p, 0))
    y = v128.xor(a, b); h = nextA(a, b, y, x, d, n); d = n
    n = nextE(c, d, e, f, g, v128.load(p, 16))
    x = v128.xor(h, a); g = nextA(h, a, x, y, c, n); c = n
    n = nextE(b, c, d, e, f, v128.load(p, 32))
    y = v128.xor(g, h); f = nextA(g, h, y, x, b, n); b = n
    n = nextE(a, b, c, d, e, v128.load(p, 48))
    x = v128.xor(f, g); e = nextA(f, g, x, y, a, n); a = n
    n = nextE(h, a, b, c, d, v128.load(p, 64))
    y = v128.xor(e, f); d = nextA(e, f, y, x, h, n); h = n
    n = nextE(g, h, a, b, c, v128.load(p, 80))
    x = v128.xor(d, e); c = nextA(d, e, x, y, g, n); g = n
    n = nextE(f, g, h, a, b, v128.load(p, 96))
    y = v128.xor(c, d); b = nextA(c, d, y, x, f, n); f = n
    n = nextE(e, f, g, h, a, v128.load(p, 112))
    x = v128.xor(b, c); a = nextA(b, c, x, y, e, n); e = n
  }
  v128.store(dst, a, 0); v128.store(dst, b, 16); v128.store(dst, c, 32); v128.store(dst, d, 48)
  v128.store(dst, e, 64); v128.store(dst, f, 80); v128.store(dst, g, 96); v128.store(dst, h, 112)
}

