/*
 * Whether this CPU has what the kernel executes: SSSE3 and SSE4.1 (shuffles, extracts) and the SHA extensions
 * (CPUID leaf 7, EBX bit 29). Asked at run time, because the addon is built once and may run on another CPU,
 * and compiled without SHA flags itself so that asking cannot fault.
 */
#include "argmin-shani.h"

#ifdef ARGMIN_HAS_SHANI
#include <cpuid.h>
#include <pthread.h>

#define ECX1_SSSE3 (1u << 9)
#define ECX1_SSE41 (1u << 19)
#define EBX7_SHA (1u << 29)

static const char *probe_cpu(void) {
  unsigned int a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return "the CPU does not report its features (no CPUID leaf 1)";
  if ((c & ECX1_SSSE3) == 0 || (c & ECX1_SSE41) == 0) return "the CPU lacks SSSE3 or SSE4.1";
  if (__get_cpuid_max(0, 0) < 7) return "the CPU lacks the SHA extensions (no CPUID leaf 7)";
  __cpuid_count(7, 0, a, b, c, d);
  if ((b & EBX7_SHA) == 0) return "the CPU lacks the SHA extensions (SHA-NI)";
  return NULL;
}

/*
 * CPUID is asked once per process: in a virtual machine every CPUID traps to the hypervisor (several
 * microseconds each), which made each small argmin call cost more than its hashing.
 */
static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static const char *probe_result;

static void probe_into_result(void) { probe_result = probe_cpu(); }

const char *argmin_shani_unsupported(void) {
  pthread_once(&probe_once, probe_into_result);
  return probe_result;
}
#else
/* ARMv8 has SHA-256 instructions too, but no kernel here uses them yet: the WASM kernel runs instead. */
const char *argmin_shani_unsupported(void) { return "unsupported: the native kernel has an x86-64 SHA-NI path only"; }
#endif
