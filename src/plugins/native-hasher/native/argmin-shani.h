/*
 * The native argmin kernel's C interface: argmin over x in [low, last] of H(name, x), the first 8 bytes
 * (big-endian) of SHA-256 of the UTF-8 bytes `name + " " + x` (x in decimal), ties to the smaller x. Same
 * definition as src/core/hash/sha256-argmin.ts. The hashing runs on the x86 SHA extensions (SHA-NI); the
 * caller checks argmin_shani_unsupported() first, because these instructions fault on CPUs without them.
 */
#ifndef ARGMIN_SHANI_H
#define ARGMIN_SHANI_H

#include <stddef.h>
#include <stdint.h>

/* The SHA-NI path exists on x86-64 only; ARGMIN_NO_SHANI leaves it out (a compiler without SHA intrinsics). */
#if defined(__x86_64__) && !defined(ARGMIN_NO_SHANI)
#define ARGMIN_HAS_SHANI 1
#endif

/* A name made ready once and reused for every range: the plain bytes are no longer needed after that. */
typedef struct argmin_name {
  /* Chaining value after the whole 64-byte blocks of `name + " "`, in the SHA instructions' order:
   * dwords f, e, b, a, then h, g, d, c. */
  uint32_t midstate[8];
  /* The bytes of `name + " "` after those blocks: they start the message tail. */
  uint8_t remainder[64];
  uint32_t remainder_length;
  uint64_t prefix_length;
} argmin_name;

typedef struct argmin_result {
  uint64_t nonce;
  uint64_t hash;
} argmin_result;

/* NULL when this CPU and build can run the kernel; else why not, in a short sentence. */
const char *argmin_shani_unsupported(void);

/* Compresses the name's whole blocks (the midstate) and keeps the rest. */
void argmin_prepare_name(argmin_name *out, const uint8_t *name, size_t length);

/*
 * The argmin over [low, last], inclusive so that 2^64 - 1 fits; low <= last. Hashes are compared after
 * `& mask`: all ones in use; tests keep a few bits so that ties, which 64-bit hashes never show, happen often.
 */
argmin_result argmin_range(const argmin_name *name, uint64_t low, uint64_t last, uint64_t mask);

#endif
