/*
 * SHA-256 compression of one 64-byte block in up to eight independent lanes at once, on the x86 SHA extensions.
 * One sha256rnds2 does two rounds but its result feeds the next one, so a single message leaves the unit idle
 * most of the time; several unrelated messages in lockstep fill those gaps (multi-buffer hashing). Include this
 * only in code compiled for the "sha,sse4.1" target.
 */
#ifndef SHA256_LANES_H
#define SHA256_LANES_H

#include <immintrin.h>
#include <stdint.h>

/* The most lanes sha256_compress_lanes takes. */
#define SHA256_MAX_LANES 8

/* A chaining value as the SHA instructions hold it: abef = dwords (f, e, b, a), cdgh = (h, g, d, c). */
typedef struct sha256_state {
  __m128i abef;
  __m128i cdgh;
} sha256_state;

static const uint32_t SHA256_K[64] __attribute__((aligned(16))) = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* The initial hash value a..h in the instructions' order. */
static inline sha256_state sha256_initial_state(void) {
  sha256_state state = {
    _mm_set_epi32(0x6a09e667, (int)0xbb67ae85, 0x510e527f, (int)0x9b05688c),
    _mm_set_epi32(0x3c6ef372, (int)0xa54ff53a, 0x1f83d9ab, 0x5be0cd19),
  };
  return state;
}

/* The first 8 bytes of a digest, big-endian, as a number: words a and b, the high qword of abef. */
static inline uint64_t sha256_top64(sha256_state state) { return (uint64_t)_mm_extract_epi64(state.abef, 1); }

/*
 * state[l] = compress(state[l], block[l]) for each lane l < lanes; a block is 16 message words as numbers
 * (already big-endian-decoded). lanes must be a compile-time constant after inlining, so that every lane's
 * state and schedule stay in registers; rounds run group by group (four rounds), each group for every lane.
 */
static inline __attribute__((always_inline)) void sha256_compress_lanes(int lanes, sha256_state *state,
                                                                        const uint32_t *const *block) {
  __m128i s0[SHA256_MAX_LANES], s1[SHA256_MAX_LANES], m[SHA256_MAX_LANES][4];
#pragma GCC unroll 8
  for (int l = 0; l < lanes; l++) {
    s0[l] = state[l].abef;
    s1[l] = state[l].cdgh;
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) m[l][i] = _mm_loadu_si128((const __m128i *)(block[l] + 4 * i));
  }
#pragma GCC unroll 16
  for (int g = 0; g < 16; g++) {
    const __m128i k = _mm_load_si128((const __m128i *)(SHA256_K + 4 * g));
#pragma GCC unroll 8
    for (int l = 0; l < lanes; l++) {
      const __m128i wk = _mm_add_epi32(m[l][g & 3], k);
      s1[l] = _mm_sha256rnds2_epu32(s1[l], s0[l], wk);
      // Schedule words of the next group: W[t] needs W[t-16], W[t-15] (msg1, done two groups ahead), W[t-7], W[t-2].
      if (g >= 3 && g <= 14) {
        const __m128i w7 = _mm_alignr_epi8(m[l][g & 3], m[l][(g - 1) & 3], 4);
        m[l][(g + 1) & 3] = _mm_sha256msg2_epu32(_mm_add_epi32(m[l][(g + 1) & 3], w7), m[l][g & 3]);
      }
      s0[l] = _mm_sha256rnds2_epu32(s0[l], s1[l], _mm_shuffle_epi32(wk, 0x0e));
      if (g >= 1 && g <= 12) m[l][(g - 1) & 3] = _mm_sha256msg1_epu32(m[l][(g - 1) & 3], m[l][g & 3]);
    }
  }
#pragma GCC unroll 8
  for (int l = 0; l < lanes; l++) {
    state[l].abef = _mm_add_epi32(state[l].abef, s0[l]);
    state[l].cdgh = _mm_add_epi32(state[l].cdgh, s1[l]);
  }
}

#endif
