// placeholder replaced by the native helper
#include <napi.h>
static Napi::Object Init(Napi::Env env, Napi::Object exports) { return exports; }
NODE_API_MODULE(rocket_mmap, Init)
