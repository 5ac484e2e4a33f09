// rocket_mmap: the small native helper behind the store's `mmap` I/O mode.
//
// It maps fixed-size files MAP_SHARED and hands them to JavaScript as external Buffers, and it
// runs the slow system calls (msync, posix_fallocate, page pre-touching) in the libuv thread pool
// so that the event loop never waits on the disk.
//
// Safety model. Every mapping is recorded in a registry keyed by its base address. `unmap` does
// not munmap: it replaces the file mapping with an anonymous zero-filled one at the same address
// (MAP_FIXED), so views that JavaScript still holds read zeros instead of faulting. The address
// range is returned to the system only by the Buffer's GC finalizer, once no view can reach it.
// Async workers keep a strong reference to the Buffer they work on, so the finalizer cannot run
// while a worker touches the range.
//
// Errors are thrown (or rejected) as JavaScript errors with `code` set to the errno name, `errno`
// set to the number and `syscall` to the failing call. Bad arguments are RangeError/TypeError.

#include <napi.h>

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <unistd.h>
#if defined(__linux__)
#include <linux/falloc.h>
#endif

#include <atomic>
#include <cmath>
#include <mutex>
#include <string>
#include <unordered_map>

namespace {

// ---------------------------------------------------------------------------------------------
// Errors

const char* ErrnoName(int err) {
#define ROCKET_ERRNO_CASE(name) \
  case name:                    \
    return #name;
  switch (err) {
    ROCKET_ERRNO_CASE(EACCES) ROCKET_ERRNO_CASE(EAGAIN) ROCKET_ERRNO_CASE(EBADF) ROCKET_ERRNO_CASE(EBUSY)
    ROCKET_ERRNO_CASE(EDQUOT) ROCKET_ERRNO_CASE(EEXIST) ROCKET_ERRNO_CASE(EFAULT) ROCKET_ERRNO_CASE(EFBIG)
    ROCKET_ERRNO_CASE(EINTR) ROCKET_ERRNO_CASE(EINVAL) ROCKET_ERRNO_CASE(EIO) ROCKET_ERRNO_CASE(EISDIR)
    ROCKET_ERRNO_CASE(EMFILE) ROCKET_ERRNO_CASE(ENFILE) ROCKET_ERRNO_CASE(ENODEV) ROCKET_ERRNO_CASE(ENOENT)
    ROCKET_ERRNO_CASE(ENOMEM) ROCKET_ERRNO_CASE(ENOSPC) ROCKET_ERRNO_CASE(ENOSYS) ROCKET_ERRNO_CASE(EOPNOTSUPP)
    ROCKET_ERRNO_CASE(EOVERFLOW) ROCKET_ERRNO_CASE(EPERM) ROCKET_ERRNO_CASE(EROFS) ROCKET_ERRNO_CASE(ESPIPE)
    ROCKET_ERRNO_CASE(ETXTBSY)
    default:
      return "EUNKNOWN";
  }
#undef ROCKET_ERRNO_CASE
}

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall) {
  std::string message = std::string(syscall) + " failed: " + strerror(err) + " (" + ErrnoName(err) + ")";
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, ErrnoName(err)));
  error.Set("errno", Napi::Number::New(env, err));
  error.Set("syscall", Napi::String::New(env, syscall));
  return error;
}

Napi::Value ThrowErrno(Napi::Env env, int err, const char* syscall) {
  ErrnoError(env, err, syscall).ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value ThrowRange(Napi::Env env, const std::string& message) {
  Napi::RangeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value ThrowType(Napi::Env env, const std::string& message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

// ---------------------------------------------------------------------------------------------
// Argument checks. Offsets and lengths are JavaScript numbers: they must be non-negative integers
// no larger than 2^53 - 1 so that the double holds them exactly.

const double kMaxSafeInteger = 9007199254740991.0;

bool ReadCount(const Napi::CallbackInfo& info, size_t index, const char* name, uint64_t* out) {
  Napi::Env env = info.Env();
  if (index >= info.Length() || !info[index].IsNumber()) {
    ThrowType(env, std::string(name) + " must be a number");
    return false;
  }
  double value = info[index].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(value) || value < 0 || value > kMaxSafeInteger || std::floor(value) != value) {
    ThrowRange(env, std::string(name) + " must be a non-negative safe integer");
    return false;
  }
  *out = static_cast<uint64_t>(value);
  return true;
}

bool ReadFd(const Napi::CallbackInfo& info, size_t index, int* out) {
  uint64_t value = 0;
  if (!ReadCount(info, index, "fd", &value)) return false;
  if (value > INT32_MAX) {
    ThrowRange(info.Env(), "fd is out of range");
    return false;
  }
  *out = static_cast<int>(value);
  return true;
}

size_t PageSize() {
  static const size_t size = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return size;
}

// ---------------------------------------------------------------------------------------------
// Registry of live mappings.

struct Mapping {
  uint8_t* base;
  size_t length;
  int prot;
  // Set once the file mapping has been replaced by anonymous memory. Workers read it.
  std::atomic<bool> detached{false};
};

std::mutex registry_mutex;
std::unordered_map<uintptr_t, Mapping*> registry;

Mapping* FindMapping(uint8_t* base) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  auto it = registry.find(reinterpret_cast<uintptr_t>(base));
  return it == registry.end() ? nullptr : it->second;
}

void FinalizeMapping(Napi::Env /*env*/, uint8_t* /*data*/, Mapping* mapping) {
  {
    std::lock_guard<std::mutex> lock(registry_mutex);
    registry.erase(reinterpret_cast<uintptr_t>(mapping->base));
  }
  // Erase before munmap: a later mmap may reuse the address and must find a free registry slot.
  munmap(mapping->base, mapping->length);
  delete mapping;
}

// Resolves argument `index` to the mapping of a Buffer returned by `map` (not a subarray of it),
// so that page alignment below the requested offset never leaves the mapped range.
Mapping* ReadMapping(const Napi::CallbackInfo& info, size_t index) {
  Napi::Env env = info.Env();
  if (index >= info.Length() || !info[index].IsBuffer()) {
    ThrowType(env, "buffer must be a Buffer returned by map()");
    return nullptr;
  }
  Napi::Buffer<uint8_t> buffer = info[index].As<Napi::Buffer<uint8_t>>();
  Mapping* mapping = FindMapping(buffer.Data());
  if (mapping == nullptr || mapping->length != buffer.Length()) {
    ThrowType(env, "buffer must be a Buffer returned by map(), not a copy or a subarray");
    return nullptr;
  }
  return mapping;
}

// A page-aligned sub-range of a mapping.
struct Range {
  uint8_t* start;
  size_t length;
};

// Reads (offset, length) at argument positions index, index+1, bounds-checks them against the
// mapping and widens the start down to a page boundary as msync and madvise require.
bool ReadRange(const Napi::CallbackInfo& info, size_t index, const Mapping* mapping, Range* out) {
  uint64_t offset = 0;
  uint64_t length = 0;
  if (!ReadCount(info, index, "offset", &offset) || !ReadCount(info, index + 1, "length", &length)) {
    return false;
  }
  if (offset > mapping->length || length > mapping->length - offset) {
    ThrowRange(info.Env(), "offset/length out of the mapping's bounds");
    return false;
  }
  size_t aligned = static_cast<size_t>(offset) - static_cast<size_t>(offset) % PageSize();
  out->start = mapping->base + aligned;
  out->length = length == 0 ? 0 : static_cast<size_t>(offset + length) - aligned;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Synchronous calls

// map(fd, length, offset, writable) -> Buffer
Napi::Value Map(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = 0;
  uint64_t length = 0;
  uint64_t offset = 0;
  if (!ReadFd(info, 0, &fd) || !ReadCount(info, 1, "length", &length) || !ReadCount(info, 2, "offset", &offset)) {
    return env.Undefined();
  }
  if (info.Length() < 4 || !info[3].IsBoolean()) return ThrowType(env, "writable must be a boolean");
  if (length == 0) return ThrowRange(env, "length must be greater than zero");
  if (length > SIZE_MAX) return ThrowRange(env, "length is too large");
  if (offset % PageSize() != 0) return ThrowRange(env, "offset must be a multiple of the page size");
  bool writable = info[3].As<Napi::Boolean>().Value();
  int prot = writable ? (PROT_READ | PROT_WRITE) : PROT_READ;

  void* address = mmap(nullptr, static_cast<size_t>(length), prot, MAP_SHARED, fd, static_cast<off_t>(offset));
  if (address == MAP_FAILED) return ThrowErrno(env, errno, "mmap");

  Mapping* mapping = new Mapping();
  mapping->base = static_cast<uint8_t*>(address);
  mapping->length = static_cast<size_t>(length);
  mapping->prot = prot;
  {
    std::lock_guard<std::mutex> lock(registry_mutex);
    registry[reinterpret_cast<uintptr_t>(address)] = mapping;
  }
  Napi::Buffer<uint8_t> buffer =
      Napi::Buffer<uint8_t>::New(env, mapping->base, mapping->length, FinalizeMapping, mapping);
  if (env.IsExceptionPending()) {
    // The Buffer was not created, so its finalizer will never run: release the range here.
    FinalizeMapping(env, nullptr, mapping);
    return env.Undefined();
  }
  return buffer;
}

// unmap(buffer): drops the file mapping now; the address range reads zeros until GC frees it.
Napi::Value Unmap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Mapping* mapping = ReadMapping(info, 0);
  if (mapping == nullptr) return env.Undefined();
  if (mapping->detached.load()) return env.Undefined();
  // Always read/write: a stray write through an old view lands in private memory, never a fault.
  void* address = mmap(mapping->base, mapping->length, PROT_READ | PROT_WRITE,
                       MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (address == MAP_FAILED) return ThrowErrno(env, errno, "mmap");
  mapping->detached.store(true);
  return env.Undefined();
}

// isUnmapped(buffer) -> boolean
Napi::Value IsUnmapped(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Mapping* mapping = ReadMapping(info, 0);
  if (mapping == nullptr) return env.Undefined();
  return Napi::Boolean::New(env, mapping->detached.load());
}

// msync(buffer, offset, length): MS_SYNC, blocking. A no-op once unmapped.
Napi::Value Msync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Mapping* mapping = ReadMapping(info, 0);
  Range range{};
  if (mapping == nullptr || !ReadRange(info, 1, mapping, &range)) return env.Undefined();
  if (range.length == 0 || mapping->detached.load()) return env.Undefined();
  if (msync(range.start, range.length, MS_SYNC) != 0) return ThrowErrno(env, errno, "msync");
  return env.Undefined();
}

bool IsKnownAdvice(int advice) {
  return advice == MADV_NORMAL || advice == MADV_SEQUENTIAL || advice == MADV_WILLNEED ||
         advice == MADV_DONTNEED;
}

// madvise(buffer, offset, length, advice). A no-op once unmapped.
Napi::Value Madvise(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Mapping* mapping = ReadMapping(info, 0);
  Range range{};
  if (mapping == nullptr || !ReadRange(info, 1, mapping, &range)) return env.Undefined();
  uint64_t advice = 0;
  if (!ReadCount(info, 3, "advice", &advice)) return env.Undefined();
  if (advice > INT32_MAX || !IsKnownAdvice(static_cast<int>(advice))) {
    return ThrowRange(env, "advice must be one of the exported advice constants");
  }
  if (range.length == 0 || mapping->detached.load()) return env.Undefined();
  if (madvise(range.start, range.length, static_cast<int>(advice)) != 0) {
    return ThrowErrno(env, errno, "madvise");
  }
  return env.Undefined();
}

int Allocate(int fd, uint64_t offset, uint64_t length) {
  if (length == 0) return 0;
#if defined(__APPLE__)
  (void)fd;
  (void)offset;
  return EOPNOTSUPP;
#else
  // posix_fallocate returns the error number; it does not set errno. Retry on EINTR.
  int result = 0;
  do {
    result = posix_fallocate(fd, static_cast<off_t>(offset), static_cast<off_t>(length));
  } while (result == EINTR);
  return result;
#endif
}

// fallocate(fd, offset, length): blocking posix_fallocate.
Napi::Value Fallocate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = 0;
  uint64_t offset = 0;
  uint64_t length = 0;
  if (!ReadFd(info, 0, &fd) || !ReadCount(info, 1, "offset", &offset) || !ReadCount(info, 2, "length", &length)) {
    return env.Undefined();
  }
  int result = Allocate(fd, offset, length);
  if (result != 0) return ThrowErrno(env, result, "posix_fallocate");
  return env.Undefined();
}

// zeroRange(fd, offset, length): fallocate(FALLOC_FL_ZERO_RANGE). The range then reads as zeros
// and keeps its blocks allocated; the kernel drops the cached pages from every mapping of the
// file, so it is safe with a live mapping (the file size never changes). Throws EOPNOTSUPP where
// the file system (or the platform) cannot do it; callers fall back to writing zeros.
Napi::Value ZeroRange(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = 0;
  uint64_t offset = 0;
  uint64_t length = 0;
  if (!ReadFd(info, 0, &fd) || !ReadCount(info, 1, "offset", &offset) || !ReadCount(info, 2, "length", &length)) {
    return env.Undefined();
  }
  if (length == 0) return env.Undefined();
#if defined(__linux__) && defined(FALLOC_FL_ZERO_RANGE)
  int result = 0;
  do {
    result = fallocate(fd, FALLOC_FL_ZERO_RANGE, static_cast<off_t>(offset), static_cast<off_t>(length));
  } while (result != 0 && errno == EINTR);
  if (result != 0) return ThrowErrno(env, errno, "fallocate");
  return env.Undefined();
#else
  (void)fd;
  return ThrowErrno(env, EOPNOTSUPP, "fallocate");
#endif
}

// ---------------------------------------------------------------------------------------------
// Async calls: each returns a Promise settled by an AsyncWorker that runs in the libuv pool.

class PromiseWorker : public Napi::AsyncWorker {
 public:
  PromiseWorker(Napi::Env env, const char* syscall)
      : Napi::AsyncWorker(env, syscall), deferred_(Napi::Promise::Deferred::New(env)), syscall_(syscall) {}

  Napi::Promise Start() {
    Napi::Promise promise = deferred_.Promise();
    Queue();
    return promise;
  }

 protected:
  // Runs off the JavaScript thread; returns 0 or an errno value.
  virtual int Run() = 0;

  void Execute() override {
    error_ = Run();
    if (error_ != 0) SetError(syscall_);
  }

  void OnOK() override { deferred_.Resolve(Env().Undefined()); }

  void OnError(const Napi::Error& /*unused*/) override {
    deferred_.Reject(ErrnoError(Env(), error_, syscall_).Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  const char* syscall_;
  int error_ = 0;
};

// A worker over part of a mapping. The strong reference keeps the Buffer (and so the address
// range) alive until the worker has finished.
class MappingWorker : public PromiseWorker {
 public:
  MappingWorker(Napi::Env env, const char* syscall, Napi::Value buffer, Mapping* mapping, Range range)
      : PromiseWorker(env, syscall), buffer_(Napi::Persistent(buffer.As<Napi::Object>())), mapping_(mapping), range_(range) {}

 protected:
  Napi::ObjectReference buffer_;
  Mapping* mapping_;
  Range range_;
};

class MsyncWorker : public MappingWorker {
 public:
  using MappingWorker::MappingWorker;

 protected:
  int Run() override {
    if (range_.length == 0 || mapping_->detached.load()) return 0;
    return msync(range_.start, range_.length, MS_SYNC) == 0 ? 0 : errno;
  }
};

class PretouchWorker : public MappingWorker {
 public:
  using MappingWorker::MappingWorker;

 protected:
  int Run() override {
    if ((mapping_->prot & PROT_WRITE) == 0) return EINVAL;
    const size_t page = PageSize();
    volatile uint8_t* start = range_.start;
    for (size_t at = 0; at < range_.length; at += page) {
      // Stop early if the file was unmapped meanwhile: touching anonymous memory only wastes RAM.
      if ((at / page) % 256 == 0 && mapping_->detached.load()) return 0;
      // A read, not a write: it maps the page cache page without dirtying it. Writing zeros would
      // queue the whole file for writeback and slow every later flush (measured: sync-flush
      // appends 20-25% slower), and could race an append into the same page.
      volatile uint8_t sink = start[at];
      (void)sink;
    }
    return 0;
  }
};

class FallocateWorker : public PromiseWorker {
 public:
  FallocateWorker(Napi::Env env, int fd, uint64_t offset, uint64_t length)
      : PromiseWorker(env, "posix_fallocate"), fd_(fd), offset_(offset), length_(length) {}

 protected:
  int Run() override { return Allocate(fd_, offset_, length_); }

 private:
  int fd_;
  uint64_t offset_;
  uint64_t length_;
};

// msyncAsync(buffer, offset, length) -> Promise<void>
Napi::Value MsyncAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Mapping* mapping = ReadMapping(info, 0);
  Range range{};
  if (mapping == nullptr || !ReadRange(info, 1, mapping, &range)) return env.Undefined();
  return (new MsyncWorker(env, "msync", info[0], mapping, range))->Start();
}

// pretouchAsync(buffer, offset, length) -> Promise<void>; reads one byte of every page.
Napi::Value PretouchAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Mapping* mapping = ReadMapping(info, 0);
  Range range{};
  if (mapping == nullptr || !ReadRange(info, 1, mapping, &range)) return env.Undefined();
  if ((mapping->prot & PROT_WRITE) == 0) return ThrowType(env, "pretouch needs a writable mapping");
  return (new PretouchWorker(env, "pretouch", info[0], mapping, range))->Start();
}

// fallocateAsync(fd, offset, length) -> Promise<void>
Napi::Value FallocateAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = 0;
  uint64_t offset = 0;
  uint64_t length = 0;
  if (!ReadFd(info, 0, &fd) || !ReadCount(info, 1, "offset", &offset) || !ReadCount(info, 2, "length", &length)) {
    return env.Undefined();
  }
  return (new FallocateWorker(env, fd, offset, length))->Start();
}

// tuneMalloc(trimThreshold, topPad, mmapThreshold) -> boolean: glibc's mallopt for a server that
// allocates and frees large buffers all the time (socket reads, request frames). With the defaults,
// freed memory at the top of the heap goes back to the kernel and the next allocation faults in and
// zeroes fresh pages (measured: ~10% of a broker's CPU under load). False where the C library has
// no mallopt (then nothing changed).
Napi::Value TuneMalloc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t values[3] = {0, 0, 0};
  const char* names[3] = {"trimThreshold", "topPad", "mmapThreshold"};
  for (int i = 0; i < 3; i++) {
    if (!ReadCount(info, i, names[i], &values[i])) return env.Undefined();
    if (values[i] > static_cast<uint64_t>(INT_MAX)) {
      ThrowRange(env, std::string(names[i]) + " must be at most INT_MAX");
      return env.Undefined();
    }
  }
#if defined(__GLIBC__)
  const bool ok = mallopt(M_TRIM_THRESHOLD, static_cast<int>(values[0])) == 1 &&
                  mallopt(M_TOP_PAD, static_cast<int>(values[1])) == 1 &&
                  mallopt(M_MMAP_THRESHOLD, static_cast<int>(values[2])) == 1;
  return Napi::Boolean::New(env, ok);
#else
  return Napi::Boolean::New(env, false);
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("tuneMalloc", Napi::Function::New(env, TuneMalloc, "tuneMalloc"));
  exports.Set("map", Napi::Function::New(env, Map, "map"));
  exports.Set("unmap", Napi::Function::New(env, Unmap, "unmap"));
  exports.Set("isUnmapped", Napi::Function::New(env, IsUnmapped, "isUnmapped"));
  exports.Set("msync", Napi::Function::New(env, Msync, "msync"));
  exports.Set("msyncAsync", Napi::Function::New(env, MsyncAsync, "msyncAsync"));
  exports.Set("madvise", Napi::Function::New(env, Madvise, "madvise"));
  exports.Set("fallocate", Napi::Function::New(env, Fallocate, "fallocate"));
  exports.Set("zeroRange", Napi::Function::New(env, ZeroRange, "zeroRange"));
  exports.Set("fallocateAsync", Napi::Function::New(env, FallocateAsync, "fallocateAsync"));
  exports.Set("pretouchAsync", Napi::Function::New(env, PretouchAsync, "pretouchAsync"));
  exports.Set("pageSize", Napi::Number::New(env, static_cast<double>(PageSize())));
  Napi::Object advice = Napi::Object::New(env);
  advice.Set("NORMAL", Napi::Number::New(env, MADV_NORMAL));
  advice.Set("SEQUENTIAL", Napi::Number::New(env, MADV_SEQUENTIAL));
  advice.Set("WILLNEED", Napi::Number::New(env, MADV_WILLNEED));
  advice.Set("DONTNEED", Napi::Number::New(env, MADV_DONTNEED));
  advice.Freeze();
  exports.Set("advice", advice);
  return exports;
}

}  // namespace

NODE_API_MODULE(rocket_mmap, Init)
