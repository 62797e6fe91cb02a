// CRC-32C in hardware (the SSE4.2 crc32 instruction) for the journal's checksums: one call covers a whole batch,
// so the call's own cost is spread over thousands of bytes. Same values as src/journal/crc32c.ts (the fallback, and
// the reference the tests compare with). Exported only where the CPU has SSE4.2; elsewhere the module exports
// nothing and the JavaScript CRC is used.
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) || defined(_M_X64)
#include <nmmintrin.h>

__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t crc, const uint8_t *p, size_t n) {
  uint64_t c = ~crc;
  // Three independent streams hide the instruction's 3-cycle latency; combining them needs the shift tables a
  // software CRC would, so for simplicity one stream (~8 bytes per 3 cycles, far beyond what the journal needs).
  while (n >= 8) {
    uint64_t v;
    memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
    p += 8;
    n -= 8;
  }
  uint32_t c32 = (uint32_t)c;
  while (n > 0) {
    c32 = _mm_crc32_u8(c32, *p++);
    n--;
  }
  return ~c32;
}

// crc32c(bytes: Uint8Array, start: number, end: number, crc: number): number — arguments checked by the caller.
static napi_value Crc32c(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4) return NULL;
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "crc32c: expected a Uint8Array");
    return NULL;
  }
  double start, end;
  uint32_t crc;
  napi_get_value_double(env, argv[1], &start);
  napi_get_value_double(env, argv[2], &end);
  napi_get_value_uint32(env, argv[3], &crc);
  if (!(start >= 0 && start <= end && end <= (double)length)) {
    napi_throw_range_error(env, NULL, "crc32c: range outside the array");
    return NULL;
  }
  uint32_t out = crc32c_hw(crc, (const uint8_t *)data + (size_t)start, (size_t)(end - start));
  napi_value result;
  napi_create_uint32(env, out, &result);
  return result;
}
#endif

static napi_value Init(napi_env env, napi_value exports) {
#if defined(__x86_64__) || defined(_M_X64)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("sse4.2")) {
    napi_value fn;
    napi_create_function(env, "crc32c", NAPI_AUTO_LENGTH, Crc32c, NULL, &fn);
    napi_set_named_property(env, exports, "crc32c", fn);
  }
#endif
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
