// CRC-32 (IEEE 802.3, the polynomial of java.util.zip.CRC32 and zlib's crc32) for the store's
// record checksums: the body CRC and RocketMQ 5's whole-record CRC property.
//
// Why it lives here: zlib as linked into Node 20 computes it without carry-less multiplication,
// about 3 GB/s on the machines we measured, and the store hashes every record twice on append.
// On x86-64 with PCLMULQDQ this folds 64 bytes per step (Intel's "Fast CRC Computation for
// Generic Polynomials Using PCLMULQDQ", bit-reflected form); elsewhere, and for the short tails,
// it falls back to a byte table. Results equal zlib's crc32(previous, bytes) exactly, including
// the continuation argument, which the tests check against zlib for every length and alignment.

#include <napi.h>

#include <stddef.h>
#include <stdint.h>

#include <cmath>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define ROCKET_CRC_PCLMUL 1
#include <immintrin.h>
#endif

namespace rocket {

namespace {

const uint32_t kReflectedPoly = 0xEDB88320u;

struct ByteTable {
  uint32_t entry[256];
  ByteTable() {
    for (uint32_t i = 0; i < 256; i++) {
      uint32_t c = i;
      for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ kReflectedPoly : c >> 1;
      entry[i] = c;
    }
  }
};

const ByteTable table;

// Updates the raw (not inverted) register over `length` bytes, one byte at a time.
uint32_t UpdateBytes(uint32_t crc, const uint8_t* p, size_t length) {
  for (size_t i = 0; i < length; i++) crc = table.entry[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return crc;
}

#if defined(ROCKET_CRC_PCLMUL)

// Folding constants for the reflected polynomial: x^(k) mod P for the fold distances, then the
// Barrett constants. R1/R2 fold 512 bits, R3/R4 fold 128 bits, R5 reduces 64 to 32 bits.
#define ROCKET_TARGET __attribute__((target("pclmul,sse4.1")))

ROCKET_TARGET inline __m128i Fold(__m128i x, __m128i k, __m128i next) {
  __m128i lo = _mm_clmulepi64_si128(x, k, 0x00);
  __m128i hi = _mm_clmulepi64_si128(x, k, 0x11);
  return _mm_xor_si128(_mm_xor_si128(lo, hi), next);
}

// Updates the raw register over `length` bytes; `length` >= 64 and a multiple of 16.
ROCKET_TARGET uint32_t UpdateFolded(uint32_t crc, const uint8_t* p, size_t length) {
  const __m128i r2r1 = _mm_set_epi64x(0x00000001c6e41596LL, 0x0000000154442bd4LL);
  const __m128i r4r3 = _mm_set_epi64x(0x00000000ccaa009eLL, 0x00000001751997d0LL);
  const __m128i r5 = _mm_set_epi64x(0, 0x0000000163cd6124LL);
  const __m128i mask32 = _mm_set_epi64x(0, 0xFFFFFFFFLL);
  const __m128i poly_mu = _mm_set_epi64x(0x00000001F7011641LL, 0x00000001DB710641LL);

  __m128i x0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  __m128i x1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16));
  __m128i x2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 32));
  __m128i x3 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 48));
  x0 = _mm_xor_si128(x0, _mm_cvtsi32_si128(static_cast<int>(crc)));
  p += 64;
  length -= 64;

  while (length >= 64) {
    x0 = Fold(x0, r2r1, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    x1 = Fold(x1, r2r1, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16)));
    x2 = Fold(x2, r2r1, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 32)));
    x3 = Fold(x3, r2r1, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 48)));
    p += 64;
    length -= 64;
  }

  // Four lanes into one, then the remaining 16-byte blocks.
  x0 = Fold(x0, r4r3, x1);
  x0 = Fold(x0, r4r3, x2);
  x0 = Fold(x0, r4r3, x3);
  while (length >= 16) {
    x0 = Fold(x0, r4r3, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    p += 16;
    length -= 16;
  }

  // 128 -> 64 bits (appending 32 zero bits), 64 -> 32, then Barrett reduction.
  __m128i t = _mm_clmulepi64_si128(r4r3, x0, 0x01);
  x0 = _mm_xor_si128(_mm_srli_si128(x0, 8), t);
  t = _mm_srli_si128(x0, 4);
  x0 = _mm_clmulepi64_si128(_mm_and_si128(x0, mask32), r5, 0x00);
  x0 = _mm_xor_si128(x0, t);
  t = x0;
  x0 = _mm_clmulepi64_si128(_mm_and_si128(x0, mask32), poly_mu, 0x10);
  x0 = _mm_clmulepi64_si128(_mm_and_si128(x0, mask32), poly_mu, 0x00);
  x0 = _mm_xor_si128(x0, t);
  return static_cast<uint32_t>(_mm_extract_epi32(x0, 1));
}

bool HasPclmul() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}

const bool accelerated = HasPclmul();

#else

const bool accelerated = false;

#endif

// Below this many bytes the table is as fast as setting up the folds.
const size_t kFoldMinimum = 64;

}  // namespace

// zlib-compatible: crc32(previous, bytes). `portable` forces the table path (tests).
uint32_t Crc32(uint32_t previous, const uint8_t* p, size_t length, bool portable) {
  uint32_t crc = ~previous;
#if defined(ROCKET_CRC_PCLMUL)
  if (accelerated && !portable && length >= kFoldMinimum) {
    size_t folded = length & ~static_cast<size_t>(15);
    crc = UpdateFolded(crc, p, folded);
    p += folded;
    length -= folded;
  }
#else
  (void)portable;
#endif
  return ~UpdateBytes(crc, p, length);
}

bool Crc32Accelerated() { return accelerated; }

namespace {

// The raw N-API calls (not node-addon-api's wrappers) keep a call near 100 ns: the store makes
// two per appended record.
napi_value Throw(napi_env env, bool range, const char* message) {
  if (range) {
    napi_throw_range_error(env, nullptr, message);
  } else {
    napi_throw_type_error(env, nullptr, message);
  }
  return nullptr;
}

bool ReadIndex(napi_env env, napi_value value, double limit, size_t* out) {
  double number = 0;
  if (napi_get_value_double(env, value, &number) != napi_ok) return false;
  if (!(number >= 0 && number <= limit) || std::floor(number) != number) return false;
  *out = static_cast<size_t>(number);
  return true;
}

// crc32(bytes: Uint8Array, offset, length, previous) -> the CRC as a signed 32-bit integer (a
// small integer in V8, so no heap number is allocated per call; `>>> 0` gives zlib's value).
napi_value Crc32Call(napi_env env, napi_callback_info info, bool portable) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return nullptr;
  if (argc < 4) return Throw(env, false, "crc32(bytes, offset, length, previous) takes four arguments");
  bool is_typed_array = false;
  napi_typedarray_type type = napi_int8_array;
  size_t size = 0;
  void* data = nullptr;
  if (napi_is_typedarray(env, argv[0], &is_typed_array) != napi_ok || !is_typed_array ||
      napi_get_typedarray_info(env, argv[0], &type, &size, &data, nullptr, nullptr) != napi_ok ||
      type != napi_uint8_array) {
    return Throw(env, false, "bytes must be a Buffer or Uint8Array");
  }
  size_t offset = 0;
  size_t length = 0;
  if (!ReadIndex(env, argv[1], static_cast<double>(size), &offset) ||
      !ReadIndex(env, argv[2], static_cast<double>(size - offset), &length)) {
    return Throw(env, true, "offset and length must be non-negative integers within the bytes");
  }
  // Signed or unsigned, the low 32 bits are the previous CRC (ToUint32).
  uint32_t previous = 0;
  if (napi_get_value_uint32(env, argv[3], &previous) != napi_ok) return Throw(env, false, "previous must be a number");
  const uint8_t* start = static_cast<const uint8_t*>(data) + offset;
  uint32_t crc = Crc32(previous, start, length, portable);
  napi_value result = nullptr;
  napi_create_int32(env, static_cast<int32_t>(crc), &result);
  return result;
}

napi_value Crc32Fast(napi_env env, napi_callback_info info) { return Crc32Call(env, info, false); }
napi_value Crc32Portable(napi_env env, napi_callback_info info) { return Crc32Call(env, info, true); }

}  // namespace

void InitCrc32(Napi::Env env, Napi::Object exports) {
  napi_value fast = nullptr;
  napi_value portable = nullptr;
  napi_create_function(env, "crc32", NAPI_AUTO_LENGTH, Crc32Fast, nullptr, &fast);
  napi_create_function(env, "crc32Portable", NAPI_AUTO_LENGTH, Crc32Portable, nullptr, &portable);
  exports.Set("crc32", Napi::Value(env, fast));
  exports.Set("crc32Portable", Napi::Value(env, portable));
  exports.Set("crc32Accelerated", Napi::Boolean::New(env, accelerated));
}

}  // namespace rocket
