#include "core/text/text_tokenizer.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "core/error.h"
#include "core/io/files.h"

extern char** environ;

namespace unipose::text {
namespace {

struct Module {
  void* lib = nullptr;
  std::string path;
  int (*abi)() = nullptr;
  void* (*load)(const char*, char*, int) = nullptr;
  void (*free_)(void*) = nullptr;
  int (*vocab_size)(void*) = nullptr;
  int (*encode)(void*, const char*, int*, int) = nullptr;
  int (*decode)(void*, const int*, int, char*, int) = nullptr;
  int (*piece_to_id)(void*, const char*) = nullptr;
  int (*id_to_piece)(void*, int, char*, int) = nullptr;
  int (*special)(void*, int) = nullptr;
};

// AddressSanitizer refuses RTLD_DEEPBIND (its interceptors must see every call), and without it the module's
// protobuf 3.14 meets LibTorch's 3.21 and aborts the process (measured): sanitizer builds (tests/fuzz) refuse
// to load the module with a clear error instead.
#if defined(__SANITIZE_ADDRESS__)
constexpr int kDeepBind = 0;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr int kDeepBind = 0;
#else
constexpr int kDeepBind = RTLD_DEEPBIND;
#endif
#else
constexpr int kDeepBind = RTLD_DEEPBIND;
#endif

std::string exe_dir() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : exe.parent_path().string();
}

const Module& module() {
  static Module m;
  static std::once_flag once;
  static std::string error;
  std::call_once(once, [] {
    std::vector<std::string> candidates;
    if (const char* env = std::getenv("UNIPOSE_SPM_MODULE"); env && *env) candidates.push_back(env);
    const std::string dir = exe_dir();
    candidates.push_back(dir + "/libunipose_spm.so");
    candidates.push_back(dir + "/../lib/unipose/libunipose_spm.so");
#ifdef UNIPOSE_SPM_BUILD_PATH
    candidates.push_back(UNIPOSE_SPM_BUILD_PATH);
#endif
    std::string tried;
    for (const auto& c : candidates) {
      if (!std::filesystem::exists(c)) {
        tried += (tried.empty() ? "" : ", ") + c;
        continue;
      }
      if (kDeepBind == 0) {
        error = "the SentencePiece module cannot be loaded in an AddressSanitizer build (it needs RTLD_DEEPBIND, which ASan refuses)";
        return;
      }
      m.lib = dlopen(c.c_str(), RTLD_NOW | RTLD_LOCAL | kDeepBind);
      if (!m.lib) {
        error = c + ": cannot load the SentencePiece module: " + dlerror();
        return;
      }
      m.path = c;
      break;
    }
    if (!m.lib) {
      error = "the SentencePiece module libunipose_spm.so was not found (looked at " + tried + ")";
      return;
    }
    auto sym = [&](const char* name) {
      void* s = dlsym(m.lib, name);
      if (!s) error = m.path + ": the SentencePiece module lacks " + name;
      return s;
    };
    m.abi = reinterpret_cast<int (*)()>(sym("unipose_spm_abi_version"));
    m.load = reinterpret_cast<void* (*)(const char*, char*, int)>(sym("unipose_spm_load"));
    m.free_ = reinterpret_cast<void (*)(void*)>(sym("unipose_spm_free"));
    m.vocab_size = reinterpret_cast<int (*)(void*)>(sym("unipose_spm_vocab_size"));
    m.encode = reinterpret_cast<int (*)(void*, const char*, int*, int)>(sym("unipose_spm_encode"));
    m.decode = reinterpret_cast<int (*)(void*, const int*, int, char*, int)>(sym("unipose_spm_decode"));
    m.piece_to_id = reinterpret_cast<int (*)(void*, const char*)>(sym("unipose_spm_piece_to_id"));
    m.id_to_piece = reinterpret_cast<int (*)(void*, int, char*, int)>(sym("unipose_spm_id_to_piece"));
    m.special = reinterpret_cast<int (*)(void*, int)>(sym("unipose_spm_special"));
    if (error.empty() && m.abi() != 1) error = m.path + ": the SentencePiece module has another interface version";
  });
  if (!error.empty()) throw Error(error);
  return m;
}

}  // namespace

struct TextTokenizer::Handle {
  void* p = nullptr;
  ~Handle() {
    if (p) module().free_(p);
  }
};

std::string TextTokenizer::module_path() { return module().path; }
bool TextTokenizer::module_allowed_in_this_build() { return kDeepBind != 0; }

TextTokenizer TextTokenizer::load(const std::string& path) {
  const auto& m = module();
  if (!std::filesystem::is_regular_file(path)) fail(path, "file not found");
  char err[512] = "";
  void* p = m.load(path.c_str(), err, sizeof(err));
  if (!p) fail(path, std::string("not a SentencePiece model (") + err + ")");
  TextTokenizer t;
  t.handle_ = std::make_shared<Handle>();
  t.handle_->p = p;
  t.path_ = path;
  return t;
}

void TextTokenizer::train(const std::string& input, const std::string& prefix, int vocab_size) {
  // Debian's spm_train in its own process: SentencePiece's trainer logs to std::cerr, which a module loaded
  // with RTLD_DEEPBIND reaches as an unconstructed object when the program itself uses std::cerr.
  if (!std::filesystem::is_regular_file(input)) fail(input, "file not found");
  // It runs in the output folder with relative names: the model file records its trainer's arguments, and a
  // shipped model must not name a folder of the machine it was trained on.
  namespace fs = std::filesystem;
  const fs::path dir = fs::absolute(prefix).parent_path();
  const std::string log = (dir / (fs::path(prefix).filename().string() + ".train.log")).string();
  std::vector<std::string> args = {"spm_train",
                                   "--input=" + fs::absolute(input).lexically_relative(dir).string(),
                                   "--model_prefix=" + fs::path(prefix).filename().string(),
                                   "--vocab_size=" + std::to_string(vocab_size),
                                   "--model_type=unigram",
                                   "--character_coverage=1.0",
                                   "--pad_id=0",
                                   "--unk_id=1",
                                   "--bos_id=2",
                                   "--eos_id=3",
                                   "--hard_vocab_limit=false"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, "spm_train", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw Error("cannot run spm_train (Debian package sentencepiece): " + std::string(std::strerror(rc)));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string last;
    try {
      const std::string text = io::read_text_file(log);
      const auto end = text.find_last_not_of("\n");
      const auto start = text.rfind('\n', end);
      last = text.substr(start == std::string::npos ? 0 : start + 1, end == std::string::npos ? 0 : end - (start == std::string::npos ? 0 : start + 1) + 1);
    } catch (const Error&) {
    }
    fail(input, "SentencePiece training failed (" + log + "): " + last);
  }
  std::filesystem::remove(log);
}

std::vector<int> TextTokenizer::encode(const std::string& text) const {
  std::vector<int> ids(text.size() + 16);
  int n = module().encode(handle_->p, text.c_str(), ids.data(), static_cast<int>(ids.size()));
  if (n < 0) throw Error(path_ + ": SentencePiece could not encode the text");
  if (n > static_cast<int>(ids.size())) {
    ids.resize(n);
    n = module().encode(handle_->p, text.c_str(), ids.data(), n);
  }
  ids.resize(n);
  return ids;
}

std::string TextTokenizer::decode(const std::vector<int>& ids) const {
  const int n = module().decode(handle_->p, ids.data(), static_cast<int>(ids.size()), nullptr, 0);
  if (n < 0) throw Error(path_ + ": SentencePiece could not decode the ids");
  std::string out(static_cast<size_t>(n) + 1, '\0');
  module().decode(handle_->p, ids.data(), static_cast<int>(ids.size()), out.data(), n + 1);
  out.resize(n);
  return out;
}

int TextTokenizer::vocab_size() const { return module().vocab_size(handle_->p); }
int TextTokenizer::piece_to_id(const std::string& piece) const { return module().piece_to_id(handle_->p, piece.c_str()); }
std::string TextTokenizer::id_to_piece(int id) const {
  const int n = module().id_to_piece(handle_->p, id, nullptr, 0);
  if (n < 0) throw Error(path_ + ": piece id " + std::to_string(id) + " is outside the vocabulary");
  std::string out(static_cast<size_t>(n) + 1, '\0');
  module().id_to_piece(handle_->p, id, out.data(), n + 1);
  out.resize(n);
  return out;
}
int TextTokenizer::unk_id() const { return module().special(handle_->p, 0); }
int TextTokenizer::bos_id() const { return module().special(handle_->p, 1); }
int TextTokenizer::eos_id() const { return module().special(handle_->p, 2); }
int TextTokenizer::pad_id() const { return module().special(handle_->p, 3); }

}  // namespace unipose::text
