/*
 * The Node-API face of the native argmin kernel (argmin_shani.node), loaded by native-argmin-kernel.ts:
 *   unsupported: null when this CPU can run the kernel, else why not (a string);
 *   nameStateBytes: the size of a prepared name;
 *   prepareName(nameUtf8: Uint8Array, state: Uint8Array): compresses the name's whole blocks into state;
 *   argmin(state: Uint8Array, low: bigint, last: bigint, out: BigUint64Array, mask?: bigint): out = [nonce, hash]
 *     over [low, last], hashes compared after & mask (default all ones; tests narrow it to provoke ties).
 * The prepared name lives in a JS-owned buffer, so the addon keeps no state between calls and every worker
 * thread can use it at once. Node-API is ABI-stable: the same build loads in any Node version since 8.
 */
#include <node_api.h>
#include <string.h>
#include "argmin-shani.h"

#define CALL(env, call)                                                                \
  do {                                                                                 \
    if ((call) != napi_ok) {                                                           \
      napi_throw_error((env), "ERR_NATIVE_ARGMIN", "native argmin: " #call " failed"); \
      return NULL;                                                                     \
    }                                                                                  \
  } while (0)

/* The bytes of a typed array argument, or NULL (with a TypeError thrown) when it is not of `type` and `min` bytes. */
static void *typed_bytes(napi_env env, napi_value value, napi_typedarray_type type, size_t min, size_t *bytes) {
  bool is_typed = false;
  napi_typedarray_type actual;
  size_t length = 0;
  void *data = NULL;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &actual, &length, &data, NULL, NULL) != napi_ok || actual != type) {
    napi_throw_type_error(env, NULL, "native argmin: wrong typed array argument");
    return NULL;
  }
  const size_t size = type == napi_biguint64_array ? length * 8 : length;
  if (size < min) {
    napi_throw_range_error(env, NULL, "native argmin: typed array argument too short");
    return NULL;
  }
  if (bytes != NULL) *bytes = size;
  // An empty typed array may have no data pointer; the callers never read from one.
  return data != NULL ? data : (void *)"";
}

static napi_value prepare_name(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  CALL(env, napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc < 2) {
    napi_throw_type_error(env, NULL, "native argmin: prepareName(nameUtf8, state)");
    return NULL;
  }
  if (argmin_shani_unsupported() != NULL) {
    napi_throw_error(env, "ERR_NATIVE_ARGMIN", argmin_shani_unsupported());
    return NULL;
  }
  size_t name_bytes = 0;
  const uint8_t *name = typed_bytes(env, args[0], napi_uint8_array, 0, &name_bytes);
  if (name == NULL) return NULL;
  uint8_t *state = typed_bytes(env, args[1], napi_uint8_array, sizeof(argmin_name), NULL);
  if (state == NULL) return NULL;
  // memcpy: a typed array's bytes need not be aligned for the struct.
  argmin_name prepared;
  argmin_prepare_name(&prepared, name, name_bytes);
  memcpy(state, &prepared, sizeof prepared);
  return NULL;
}

static napi_value argmin(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5];
  CALL(env, napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc < 4) {
    napi_throw_type_error(env, NULL, "native argmin: argmin(state, low, last, out, mask?)");
    return NULL;
  }
  const uint8_t *state = typed_bytes(env, args[0], napi_uint8_array, sizeof(argmin_name), NULL);
  if (state == NULL) return NULL;
  uint8_t *out = typed_bytes(env, args[3], napi_biguint64_array, 16, NULL);
  if (out == NULL) return NULL;
  uint64_t low = 0, last = 0;
  bool lossless_low = false, lossless_last = false;
  CALL(env, napi_get_value_bigint_uint64(env, args[1], &low, &lossless_low));
  CALL(env, napi_get_value_bigint_uint64(env, args[2], &last, &lossless_last));
  uint64_t mask = UINT64_MAX;
  bool lossless_mask = true;
  if (argc >= 5) CALL(env, napi_get_value_bigint_uint64(env, args[4], &mask, &lossless_mask));
  if (!lossless_low || !lossless_last || !lossless_mask || low > last) {
    napi_throw_range_error(env, NULL, "native argmin: need 0 <= low <= last < 2^64");
    return NULL;
  }
  if (argmin_shani_unsupported() != NULL) {
    napi_throw_error(env, "ERR_NATIVE_ARGMIN", argmin_shani_unsupported());
    return NULL;
  }
  argmin_name prepared;
  memcpy(&prepared, state, sizeof prepared);
  const argmin_result best = argmin_range(&prepared, low, last, mask);
  memcpy(out, &best.nonce, 8);
  memcpy(out + 8, &best.hash, 8);
  return NULL;
}

static napi_value export_function(napi_env env, napi_value exports, const char *name, napi_callback callback) {
  napi_value function;
  CALL(env, napi_create_function(env, name, NAPI_AUTO_LENGTH, callback, NULL, &function));
  CALL(env, napi_set_named_property(env, exports, name, function));
  return exports;
}

NAPI_MODULE_INIT() {
  napi_value unsupported, state_bytes;
  const char *why = argmin_shani_unsupported();
  if (why == NULL) {
    CALL(env, napi_get_null(env, &unsupported));
  } else {
    CALL(env, napi_create_string_utf8(env, why, NAPI_AUTO_LENGTH, &unsupported));
  }
  CALL(env, napi_set_named_property(env, exports, "unsupported", unsupported));
  CALL(env, napi_create_uint32(env, (uint32_t)sizeof(argmin_name), &state_bytes));
  CALL(env, napi_set_named_property(env, exports, "nameStateBytes", state_bytes));
  if (export_function(env, exports, "prepareName", prepare_name) == NULL) return NULL;
  if (export_function(env, exports, "argmin", argmin) == NULL) return NULL;
  return exports;
}
