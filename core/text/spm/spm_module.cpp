// The only code that touches SentencePiece. Built as a loadable module with a C interface and opened with
// dlopen(RTLD_LOCAL | RTLD_DEEPBIND): Debian's libsentencepiece bundles its own protobuf-lite, which clashes
// with the system protobuf LibTorch uses when both are linked into one program (ENVIRONMENT.md).
#include <cstring>
#include <string>
#include <vector>

#include <sentencepiece_processor.h>

namespace {
void set_error(char* err, int len, const std::string& what) {
  if (!err || len <= 0) return;
  std::strncpy(err, what.c_str(), static_cast<size_t>(len) - 1);
  err[len - 1] = '\0';
}
int copy_out(const std::string& s, char* out, int len) {
  if (out && len > 0) {
    const size_t n = std::min(s.size(), static_cast<size_t>(len) - 1);
    std::memcpy(out, s.data(), n);
    out[n] = '\0';
  }
  return static_cast<int>(s.size());
}
}  // namespace

extern "C" {

int unipose_spm_abi_version() { return 1; }

void* unipose_spm_load(const char* path, char* err, int errlen) {
  auto* p = new sentencepiece::SentencePieceProcessor();
  const auto status = p->Load(path);
  if (!status.ok()) {
    set_error(err, errlen, status.ToString());
    delete p;
    return nullptr;
  }
  return p;
}

void unipose_spm_free(void* h) { delete static_cast<sentencepiece::SentencePieceProcessor*>(h); }

int unipose_spm_vocab_size(void* h) { return static_cast<sentencepiece::SentencePieceProcessor*>(h)->GetPieceSize(); }

// Writes up to max ids; returns how many the text has (call again with more room if larger), -1 on error.
int unipose_spm_encode(void* h, const char* text, int* ids, int max) {
  std::vector<int> out;
  if (!static_cast<sentencepiece::SentencePieceProcessor*>(h)->Encode(text, &out).ok()) return -1;
  for (int i = 0; i < max && i < static_cast<int>(out.size()); ++i) ids[i] = out[i];
  return static_cast<int>(out.size());
}

// Returns the text's length in bytes (-1 on error); writes as much as fits, NUL-terminated.
int unipose_spm_decode(void* h, const int* ids, int n, char* out, int len) {
  std::string text;
  if (!static_cast<sentencepiece::SentencePieceProcessor*>(h)->Decode(std::vector<int>(ids, ids + n), &text).ok()) return -1;
  return copy_out(text, out, len);
}

int unipose_spm_piece_to_id(void* h, const char* piece) { return static_cast<sentencepiece::SentencePieceProcessor*>(h)->PieceToId(piece); }

int unipose_spm_id_to_piece(void* h, int id, char* out, int len) {
  auto* p = static_cast<sentencepiece::SentencePieceProcessor*>(h);
  if (id < 0 || id >= p->GetPieceSize()) return -1;
  return copy_out(p->IdToPiece(id), out, len);
}

int unipose_spm_special(void* h, int which) {  // 0 unk, 1 bos, 2 eos, 3 pad
  auto* p = static_cast<sentencepiece::SentencePieceProcessor*>(h);
  switch (which) {
    case 0: return p->unk_id();
    case 1: return p->bos_id();
    case 2: return p->eos_id();
    default: return p->pad_id();
  }
}

}  // extern "C"
