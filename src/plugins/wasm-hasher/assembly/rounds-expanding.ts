/*
 * The rounds of the block holding the last digit, with the schedule computed inside them: WASM engines keep the
 * instructions in order, and the CPU only overlaps what is close, so interleaving the independent schedule
 * work with the round chain hides latency.
 */
import { KV, V, add, expandWord, t1Of, t2Of } from './sha256-lanes'
import { plannedWord } from './schedule-plan'

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
    const t1 = t1Of(e, f, g, h, v128.load(p))
    y = v128.xor(a, b)
    const t2 = t2Of(a, b, y, x)
    h = g; g = f; f = e; e = add(d, t1)
    d = c; c = b; b = a; a = add(t1, t2)
    x = y
    p += V
  }
  // Rounds 8..15 (run here when from <= 8) compute the planned words 24..31.
  if (p == kw + 8 * V) {
    let t1 = t1Of(e, f, g, h, v128.load(p, 0))
    y = v128.xor(a, b); d = add(d, t1); h = add(t1, t2Of(a, b, y, x))
    plannedWord(w, kw, 24)
    t1 = t1Of(d, e, f, g, v128.load(p, 16))
    x = v128.xor(h, a); c = add(c, t1); g = add(t1, t2Of(h, a, x, y))
    plannedWord(w, kw, 25)
    t1 = t1Of(c, d, e, f, v128.load(p, 32))
    y = v128.xor(g, h); b = add(b, t1); f = add(t1, t2Of(g, h, y, x))
    plannedWord(w, kw, 26)
    t1 = t1Of(b, c, d, e, v128.load(p, 48))
    x = v128.xor(f, g); a = add(a, t1); e = add(t1, t2Of(f, g, x, y))
    plannedWord(w, kw, 27)
    t1 = t1Of(a, b, c, d, v128.load(p, 64))
    y = v128.xor(e, f); h = add(h, t1); d = add(t1, t2Of(e, f, y, x))
    plannedWord(w, kw, 28)
    t1 = t1Of(h, a, b, c, v128.load(p, 80))
    x = v128.xor(d, e); g = add(g, t1); c = add(t1, t2Of(d, e, x, y))
    plannedWord(w, kw, 29)
    t1 = t1Of(g, h, a, b, v128.load(p, 96))
    y = v128.xor(c, d); f = add(f, t1); b = add(t1, t2Of(c, d, y, x))
    plannedWord(w, kw, 30)
    t1 = t1Of(f, g, h, a, v128.load(p, 112))
    x = v128.xor(b, c); e = add(e, t1); a = add(t1, t2Of(b, c, x, y))
    plannedWord(w, kw, 31)
    p += 8 * V
  }
  const expandEnd = kw + 48 * V
  for (; p < expandEnd; p += 8 * V) {
    const wt = w + (p - kw) // &W[t]
    const kt = KV + (p - kw) // &KV[t]
    let t1 = t1Of(e, f, g, h, v128.load(p, 0))
    y = v128.xor(a, b); d = add(d, t1); h = add(t1, t2Of(a, b, y, x))
    expandWord(wt, p, kt)
    t1 = t1Of(d, e, f, g, v128.load(p, 16))
    x = v128.xor(h, a); c = add(c, t1); g = add(t1, t2Of(h, a, x, y))
    expandWord(wt + 16, p + 16, kt + 16)
    t1 = t1Of(c, d, e, f, v128.load(p, 32))
    y = v128.xor(g, h); b = add(b, t1); f = add(t1, t2Of(g, h, y, x))
    expandWord(wt + 32, p + 32, kt + 32)
    t1 = t1Of(b, c, d, e, v128.load(p, 48))
    x = v128.xor(f, g); a = add(a, t1); e = add(t1, t2Of(f, g, x, y))
    expandWord(wt + 48, p + 48, kt + 48)
    t1 = t1Of(a, b, c, d, v128.load(p, 64))
    y = v128.xor(e, f); h = add(h, t1); d = add(t1, t2Of(e, f, y, x))
    expandWord(wt + 64, p + 64, kt + 64)
    t1 = t1Of(h, a, b, c, v128.load(p, 80))
    x = v128.xor(d, e); g = add(g, t1); c = add(t1, t2Of(d, e, x, y))
    expandWord(wt + 80, p + 80, kt + 80)
    t1 = t1Of(g, h, a, b, v128.load(p, 96))
    y = v128.xor(c, d); f = add(f, t1); b = add(t1, t2Of(c, d, y, x))
    expandWord(wt + 96, p + 96, kt + 96)
    t1 = t1Of(f, g, h, a, v128.load(p, 112))
    x = v128.xor(b, c); e = add(e, t1); a = add(t1, t2Of(b, c, x, y))
    expandWord(wt + 112, p + 112, kt + 112)
  }
  const end = kw + 64 * V
  for (; p < end; p += 8 * V) {
    let t1 = t1Of(e, f, g, h, v128.load(p, 0))
    y = v128.xor(a, b); d = add(d, t1); h = add(t1, t2Of(a, b, y, x))
    t1 = t1Of(d, e, f, g, v128.load(p, 16))
    x = v128.xor(h, a); c = add(c, t1); g = add(t1, t2Of(h, a, x, y))
    t1 = t1Of(c, d, e, f, v128.load(p, 32))
    y = v128.xor(g, h); b = add(b, t1); f = add(t1, t2Of(g, h, y, x))
    t1 = t1Of(b, c, d, e, v128.load(p, 48))
    x = v128.xor(f, g); a = add(a, t1); e = add(t1, t2Of(f, g, x, y))
    t1 = t1Of(a, b, c, d, v128.load(p, 64))
    y = v128.xor(e, f); h = add(h, t1); d = add(t1, t2Of(e, f, y, x))
    t1 = t1Of(h, a, b, c, v128.load(p, 80))
    x = v128.xor(d, e); g = add(g, t1); c = add(t1, t2Of(d, e, x, y))
    t1 = t1Of(g, h, a, b, v128.load(p, 96))
    y = v128.xor(c, d); f = add(f, t1); b = add(t1, t2Of(c, d, y, x))
    t1 = t1Of(f, g, h, a, v128.load(p, 112))
    x = v128.xor(b, c); e = add(e, t1); a = add(t1, t2Of(b, c, x, y))
  }
  v128.store(dst, a, 0); v128.store(dst, b, 16); v128.store(dst, c, 32); v128.store(dst, d, 48)
  v128.store(dst, e, 64); v128.store(dst, f, 80); v128.store(dst, g, 96); v128.store(dst, h, 112)
}

