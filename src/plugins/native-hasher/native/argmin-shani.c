/*
 * The argmin loop on the SHA extensions. The nonce's ASCII digits live inside the message words and are
 * incremented in place; the name's whole blocks are compressed once (argmin_prepare_name). Nonces are taken a
 * decade at a time (the nonces that differ only in the last digit), where only the word holding that digit
 * changes, and are hashed LANES at a time in lockstep. Only the top 64 bits of each digest are compared.
 */
#include "argmin-shani.h"

#include <string.h>

#ifdef ARGMIN_HAS_SHANI
#include <immintrin.h>
// Only this file is compiled for the SHA extensions: the rest of the addon must run on any x86-64 CPU.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("sha,sse4.1,ssse3"))), apply_to = function)
#else
#pragma GCC target("sha,sse4.1,ssse3")
#endif
#include "sha256-lanes.h"

/*
 * Messages hashed in lockstep. A lane's next sha256rnds2 waits for its previous one (several cycles), while the
 * unit can start one about every two cycles; more lanes fill that gap. Measured on this VM's EPYC ("token-1"):
 * 1 lane 20, 2 lanes 32, 4 lanes 34, 6 lanes 41, 8 lanes 45 M hashes/s. Eight lanes' states no longer fit the
 * 16 xmm registers the SHA instructions can use, but the spills cost less than the idle unit.
 */
#define LANES 8
_Static_assert(LANES <= SHA256_MAX_LANES, "sha256_compress_lanes takes at most SHA256_MAX_LANES lanes");
#define MAX_DIGITS 20

typedef struct scan {
  const argmin_name *name;
  /* The message tail (up to two blocks) as big-endian words, holding the current decade's digits. */
  uint32_t words[32];
  char digits[MAX_DIGITS];
  int digit_count;
  int tail_blocks;
  /* Where the last digit sits: its block, its word in that block and its bit offset in the word. */
  int last_block, last_word, last_shift;
  sha256_state midstate;
  /* The chaining value entering tail block 1, kept while block 0's bytes do not change. */
  sha256_state chain1;
  /* Messages waiting to be hashed together, in increasing nonce order. */
  int pending;
  uint32_t lane_block[LANES][16];
  sha256_state lane_start[LANES];
  uint64_t lane_nonce[LANES];
  uint64_t mask;
  argmin_result best;
  int found;
} scan;

static void set_byte(uint32_t *words, int at, uint8_t value) {
  const int shift = 24 - 8 * (at & 3);
  words[at >> 2] = (words[at >> 2] & ~(0xffu << shift)) | ((uint32_t)value << shift);
}

static sha256_state compress_one(sha256_state state, const uint32_t *block) {
  sha256_compress_lanes(1, &state, &block);
  return state;
}

/* Hashes the pending messages and keeps the best; strict <, so on a tie the earlier (smaller) nonce stays. */
static __attribute__((noinline)) void flush(scan *s) {
  sha256_state state[LANES];
  const uint32_t *blocks[LANES];
  for (int l = 0; l < LANES; l++) {
    state[l] = s->lane_start[l];
    blocks[l] = s->lane_block[l];
  }
  sha256_compress_lanes(LANES, state, blocks);
  if (s->tail_blocks == 2 && s->last_block == 0) {
    // The digits end in block 0 but the padding spills into block 1, the same for every lane.
    for (int l = 0; l < LANES; l++) blocks[l] = s->words + 16;
    sha256_compress_lanes(LANES, state, blocks);
  }
  for (int l = 0; l < s->pending; l++) {
    const uint64_t hash = sha256_top64(state[l]) & s->mask;
    if (!s->found || hash < s->best.hash) {
      s->best.hash = hash;
      s->best.nonce = s->lane_nonce[l];
      s->found = 1;
    }
  }
  s->pending = 0;
}

/* Writes the tail for the current digits: remainder, digits, 0x80, zeros, the message length in bits. */
static void lay_out(scan *s) {
  const int r = (int)s->name->remainder_length;
  memset(s->words, 0, sizeof s->words);
  for (int i = 0; i < r; i++) set_byte(s->words, i, s->name->remainder[i]);
  for (int i = 0; i < s->digit_count; i++) set_byte(s->words, r + i, (uint8_t)s->digits[i]);
  const int end = r + s->digit_count;
  set_byte(s->words, end, 0x80);
  s->tail_blocks = end + 9 <= 64 ? 1 : 2;
  const uint64_t bits = (s->name->prefix_length + (uint64_t)s->digit_count) * 8;
  s->words[s->tail_blocks * 16 - 2] = (uint32_t)(bits >> 32);
  s->words[s->tail_blocks * 16 - 1] = (uint32_t)bits;
  const int last = end - 1;
  s->last_block = last >> 6;
  s->last_word = (last & 63) >> 2;
  s->last_shift = 24 - 8 * (last & 3);
  if (s->last_block == 1) s->chain1 = compress_one(s->midstate, s->words);
}

static void set_nonce(scan *s, uint64_t nonce) {
  char reversed[MAX_DIGITS];
  int count = 0;
  do {
    reversed[count++] = (char)('0' + nonce % 10);
    nonce /= 10;
  } while (nonce != 0);
  for (int i = 0; i < count; i++) s->digits[i] = reversed[count - 1 - i];
  s->digit_count = count;
  lay_out(s);
}

/* Moves to the next decade: the last digit back to 0, a carry into the digits before it. */
static void next_decade(scan *s) {
  const int r = (int)s->name->remainder_length;
  int pos = s->digit_count - 1;
  s->digits[pos] = '0';
  set_byte(s->words, r + pos, '0');
  pos--;
  while (pos >= 0 && s->digits[pos] == '9') {
    s->digits[pos] = '0';
    set_byte(s->words, r + pos, '0');
    pos--;
  }
  if (pos < 0) {
    // 99..9 -> 100..0: one digit more, so a new layout (and maybe a second block) for what follows.
    flush(s);
    s->digits[0] = '1';
    memset(s->digits + 1, '0', (size_t)s->digit_count);
    s->digit_count++;
    lay_out(s);
    return;
  }
  s->digits[pos]++;
  set_byte(s->words, r + pos, (uint8_t)s->digits[pos]);
  if (s->last_block == 1 && r + pos < 64) s->chain1 = compress_one(s->midstate, s->words);
}

/* Queues the nonces of the current decade whose last digit runs from first to first + count - 1. */
static void queue_decade(scan *s, uint64_t nonce, int first, int count) {
  const uint32_t *block = s->words + 16 * s->last_block;
  const sha256_state *start = s->last_block == 1 ? &s->chain1 : &s->midstate;
  // The digit's word with that digit at 0: each nonce of the decade adds its digit to this byte, no carry.
  const uint32_t base = block[s->last_word] - ((uint32_t)(s->digits[s->digit_count - 1] - '0') << s->last_shift);
  for (int i = 0; i < count; i++) {
    const int l = s->pending;
    memcpy(s->lane_block[l], block, 64);
    s->lane_block[l][s->last_word] = base + ((uint32_t)(first + i) << s->last_shift);
    s->lane_start[l] = *start;
    s->lane_nonce[l] = nonce + (uint64_t)i;
    if (++s->pending == LANES) flush(s);
  }
}

argmin_result argmin_range(const argmin_name *name, uint64_t low, uint64_t last, uint64_t mask) {
  scan s;
  memset(&s, 0, sizeof s);
  s.name = name;
  s.mask = mask;
  s.midstate.abef = _mm_loadu_si128((const __m128i *)name->midstate);
  s.midstate.cdgh = _mm_loadu_si128((const __m128i *)(name->midstate + 4));
  set_nonce(&s, low);
  for (uint64_t nonce = low;;) {
    const int first = s.digits[s.digit_count - 1] - '0';
    const uint64_t room = (uint64_t)(9 - first);
    const uint64_t left = last - nonce;
    const int count = (int)(left < room ? left : room) + 1;
    queue_decade(&s, nonce, first, count);
    if (left <= room) break;
    nonce += (uint64_t)count;
    next_decade(&s);
  }
  flush(&s);
  return s.best;
}

void argmin_prepare_name(argmin_name *out, const uint8_t *name, size_t length) {
  // The prefix is `name + " "`: byte `length` is the space.
  const size_t total = length + 1;
  const size_t whole = total / 64;
  sha256_state state = sha256_initial_state();
  uint32_t block[16];
  for (size_t b = 0; b < whole; b++) {
    memset(block, 0, sizeof block);
    for (int i = 0; i < 64; i++) {
      const size_t at = b * 64 + (size_t)i;
      set_byte(block, i, at < length ? name[at] : ' ');
    }
    state = compress_one(state, block);
  }
  _mm_storeu_si128((__m128i *)out->midstate, state.abef);
  _mm_storeu_si128((__m128i *)(out->midstate + 4), state.cdgh);
  out->remainder_length = (uint32_t)(total - whole * 64);
  for (size_t at = whole * 64; at < total; at++) out->remainder[at - whole * 64] = at < length ? name[at] : ' ';
  out->prefix_length = total;
}

#if defined(__clang__)
#pragma clang attribute pop
#endif

#else
/* Never called: argmin_shani_unsupported() says so first on other architectures. */
argmin_result argmin_range(const argmin_name *name, uint64_t low, uint64_t last, uint64_t mask) {
  (void)name, (void)low, (void)last, (void)mask;
  argmin_result none = {0, 0};
  return none;
}

void argmin_prepare_name(argmin_name *out, const uint8_t *name, size_t length) {
  (void)name, (void)length;
  memset(out, 0, sizeof *out);
}
#endif
