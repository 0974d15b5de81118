/*
 * Schedule reuse for the tail block holding the last digit. Between two plans only message word s (the one
 * with the last digit) changes, so a schedule word W[t] = W[t-16] + s0(W[t-15]) + W[t-7] + s1(W[t-2]) that
 * does not depend on word s is kept, and one that does is the planned sum of its constant terms plus its
 * varying terms. Saves about a fifth of the schedule for short names (words 16..33 are mostly constant).
 */
import { KV, V, add, addRoundConstants, smallSigma0, smallSigma1 } from './sha256-lanes'

/** Per schedule word: 0 when it does not depend on word s, else a mask of its varying terms (1, 2, 4, 8). */
const VARYING: usize = memory.data(64 * 4, 4)
/** Per schedule word t >= 16: the sum of its terms that do not depend on word s. */
const CONSTANT_PART: usize = memory.data(64 * 16, 16)
/** Per schedule word t in [24, 31), for s < 8: W[t - 16] + s0(W[t - 15]), message words other than s. */
const EARLY_PART: usize = memory.data(7 * 16, 16)

// @ts-ignore: decorator
@inline function varies(t: usize): bool {
  return load<i32>(VARYING + t * 4) != 0
}

/** Expands the whole schedule (and KW) and plans the reuse for changes in word s alone. */
export function planSchedule(w: usize, kw: usize, s: usize): void {
  addRoundConstants(w, kw, 0, 16)
  for (let t: usize = 0; t < 16; t++) store<i32>(VARYING + t * 4, t == s ? 15 : 0)
  for (let t: usize = 16; t < 64; t++) {
    const a = v128.load(w + (t - 16) * V)
    const b = smallSigma0(v128.load(w + (t - 15) * V))
    const c = v128.load(w + (t - 7) * V)
    const d = smallSigma1(v128.load(w + (t - 2) * V))
    const mask = (varies(t - 16) ? 1 : 0) | (varies(t - 15) ? 2 : 0) | (varies(t - 7) ? 4 : 0) | (varies(t - 2) ? 8 : 0)
    let constant = i32x4.splat(0)
    if ((mask & 1) == 0) constant = add(constant, a)
    if ((mask & 2) == 0) constant = add(constant, b)
    if ((mask & 4) == 0) constant = add(constant, c)
    if ((mask & 8) == 0) constant = add(constant, d)
    store<i32>(VARYING + t * 4, mask)
    v128.store(CONSTANT_PART + t * V, constant)
    if (t >= 24 && t < 31) v128.store(EARLY_PART + (t - 24) * V, add(a, b))
    const sum = add(add(a, b), add(c, d))
    v128.store(w + t * V, sum)
    v128.store(kw + t * V, add(sum, v128.load(KV + t * V)))
  }
}

/** Schedule word t (16 <= t < 64) and its KW, when only word s changed since the plan. */
// @ts-ignore: decorator
@inline export function plannedWord(w: usize, kw: usize, t: usize): void {
  const mask = load<i32>(VARYING + t * 4)
  if (mask == 0) return
  let sum = v128.load(CONSTANT_PART + t * V)
  if (mask & 1) sum = add(sum, v128.load(w + (t - 16) * V))
  if (mask & 2) sum = add(sum, smallSigma0(v128.load(w + (t - 15) * V)))
  if (mask & 4) sum = add(sum, v128.load(w + (t - 7) * V))
  if (mask & 8) sum = add(sum, smallSigma1(v128.load(w + (t - 2) * V)))
  v128.store(w + t * V, sum)
  v128.store(kw + t * V, add(sum, v128.load(KV + t * V)))
}

/**
 * Schedule word t (24 <= t < 31) and its KW when s < 8, as EARLY_PART + W[t - 7] + s1(W[t - 2]): no branch on
 * the varying terms, so V8 keeps it in one basic block with the rounds it is interleaved with.
 */
// @ts-ignore: decorator
@inline export function earlyPlannedWord(w: usize, kw: usize, t: usize): void {
  const sum = add(add(v128.load(EARLY_PART + (t - 24) * V), v128.load(w + (t - 7) * V)), smallSigma1(v128.load(w + (t - 2) * V)))
  v128.store(w + t * V, sum)
  v128.store(kw + t * V, add(sum, v128.load(KV + t * V)))
}

/** earlyPlannedWord for word t + 16 (8 <= t < 15) from wt = &W[t], kwt = &KW[t] and kt = &KV[t]. */
// @ts-ignore: decorator
@inline export function earlyPlannedWordAt(wt: usize, kwt: usize, kt: usize, t: usize): void {
  const sum = add(add(v128.load(EARLY_PART + (t - 8) * V), v128.load(wt + 9 * V)), smallSigma1(v128.load(wt + 14 * V)))
  v128.store(wt + 16 * V, sum)
  v128.store(kwt + 16 * V, add(sum, v128.load(kt + 16 * V)))
}

/** Recomputes the schedule words [16, to) that depend on word s, the only message word changed since the plan. */
export function expandPlanned(w: usize, kw: usize, to: usize): void {
  for (let t: usize = 16; t < to; t++) plannedWord(w, kw, t)
}
